import { rateLowerBound, rateUpperBound, type RateBounds, type RateCounts } from './rate-confidence-sequence';
import type { Verdict } from './verdict';

/**
 * The new model against the default model on the same window, for one rate (errors, throttles,
 * refusals, slow calls), with a regression margin: the null hypothesis is "the new model's rate
 * is at most the default's plus the margin", never "the rates are equal" — a point null would
 * roll back a harmless 0.01-point difference once traffic is large, and could never pass.
 *
 * Each model's rate gets a time-uniform confidence sequence at alpha/2, so with probability
 * ≥ 1 − alpha both hold at every look at once; then
 *   fail  ⇔ lowNew − highDefault > margin   (every rate pair left is a regression beyond it)
 *   pass  ⇔ highNew − lowDefault < margin   (no rate pair left is)
 * and neither verdict is wrong with probability more than alpha over the whole window, however
 * often the judge looks. Both models see the same vendor at the same minutes, so a vendor-wide
 * blip moves both rates and not their difference. Pure module: no AWS import.
 */

export interface RateComparisonSettings {
  /** The regression the check tolerates, in percentage points (> 0). */
  readonly marginPoints: number;
  /** Chance over the whole window of a wrong fail or pass. */
  readonly alpha: number;
}

export function compareRates(newModel: RateCounts, baseline: RateCounts, settings: RateComparisonSettings): Verdict {
  const margin = settings.marginPoints / 100;
  const perModel = settings.alpha / 2;
  if (newModel.trials === 0 || baseline.trials === 0) return 'inconclusive';
  const observedNew = newModel.events / newModel.trials;
  const observedBaseline = baseline.events / baseline.trials;
  // The bounds sit on the far side of the observed rates, so each test is only worth running
  // when the observed difference is on its side of the margin, and when the new model's
  // sequence cannot be shown, cheaply, to still hold the rate at the margin (below).
  const atMargin = observedBaseline + margin;
  if (observedNew > atMargin) {
    if (surelyInside(newModel, atMargin, perModel)) return 'inconclusive';
    const highBaseline = rateUpperBound(baseline, perModel);
    if (observedNew - highBaseline > margin && rateLowerBound(newModel, perModel) - highBaseline > margin)
      return 'fail';
  } else if (observedNew < atMargin) {
    if (surelyInside(newModel, atMargin, perModel)) return 'inconclusive';
    const lowBaseline = rateLowerBound(baseline, perModel);
    if (observedNew - lowBaseline < margin && rateUpperBound(newModel, perModel) - lowBaseline < margin) return 'pass';
  }
  return 'inconclusive';
}

/**
 * True when `rate` is certainly inside the counts' confidence sequence, without its bounds:
 * ln M(p) = ln M(p̂) + n·KL(p̂‖p) with ln M(p̂) ≤ 0, and KL ≤ χ² = (p̂ − p)² / (p(1 − p)), so
 * n·χ² < ln(1/α) keeps p inside. Then neither verdict can be reached against a baseline whose
 * own bounds straddle its observed rate: most looks end here, at no cost.
 */
function surelyInside(counts: RateCounts, rate: number, alpha: number): boolean {
  if (!(rate > 0 && rate < 1)) return false;
  const gap = counts.events / counts.trials - rate;
  return (counts.trials * gap * gap) / (rate * (1 - rate)) < Math.log(1 / alpha);
}

/**
 * The differences (new − default, as rates) not excluded: what on-call reads beside the
 * verdict. fail ⇔ low > margin, pass ⇔ high < margin.
 */
export function rateDifferenceBounds(newModel: RateCounts, baseline: RateCounts, alpha: number): RateBounds {
  const perModel = alpha / 2;
  return {
    low: rateLowerBound(newModel, perModel) - rateUpperBound(baseline, perModel),
    high: rateUpperBound(newModel, perModel) - rateLowerBound(baseline, perModel),
  };
}
