import { rateLowerBound, rateUpperBound, type RateCounts } from './rate-confidence-sequence';
import type { Verdict } from './verdict';

/**
 * One model's rate against an absolute bound, for a check the default model has no counterpart
 * for (the new model's incompatible requests: the default model is the one that answers them).
 * The same time-uniform confidence sequence as the comparisons, but one sequence at alpha, not
 * two at alpha/2: with probability ≥ 1 − alpha it holds the true rate at every look, so
 *   fail ⇔ its lower end > bound   (every rate left is above the bound)
 *   pass ⇔ its upper end < bound   (no rate left is)
 * and neither is wrong with probability more than alpha over the whole window, however often
 * the judge looks. Pure module: no AWS import.
 */

export interface RateBoundSettings {
  /** The highest acceptable rate, as a rate (0 < bound ≤ 1). */
  readonly boundRate: number;
  /** Chance over the whole window of a wrong fail or pass. */
  readonly alpha: number;
}

export function checkRateBound(counts: RateCounts, settings: RateBoundSettings): Verdict {
  const { boundRate, alpha } = settings;
  if (!(boundRate > 0 && boundRate <= 1)) throw new RangeError(`boundRate must be in (0, 1] (got ${boundRate})`);
  if (counts.trials === 0) return 'inconclusive';
  // The sequence always holds the observed rate, so only the bound on the far side of the
  // bound from it can settle the check: one bound computed per look, never two.
  const observed = counts.events / counts.trials;
  if (observed > boundRate) return rateLowerBound(counts, alpha) > boundRate ? 'fail' : 'inconclusive';
  if (observed < boundRate) return rateUpperBound(counts, alpha) < boundRate ? 'pass' : 'inconclusive';
  return 'inconclusive';
}
