import { compareRates, type RateComparisonSettings } from './rate-comparison';
import type { RateCounts } from './rate-confidence-sequence';

/**
 * The fewest new-model events out of `newTrials` that make the check fail against `baseline`
 * — found by asking the check itself, so the plan's figures are the judge's own verdicts.
 * Undefined when even all of them would not (too few calls). Failing is monotone in the event
 * count: more events only raise the new model's lower bound.
 *
 * `near` (e.g. the previous look's answer) starts a galloping search there, so a look costs a
 * few verdicts instead of a binary search over every count. Pure module: no AWS import.
 */
export function smallestFailingCount(
  newTrials: number,
  baseline: RateCounts,
  settings: RateComparisonSettings,
  near?: number,
): number | undefined {
  const fails = (events: number): boolean => compareRates({ events, trials: newTrials }, baseline, settings) === 'fail';
  if (newTrials === 0 || !fails(newTrials)) return undefined;
  let passing = -1; // largest count known not to fail
  let failing = newTrials; // smallest count known to fail
  if (near !== undefined && near >= 0 && near < newTrials) {
    const start = Math.floor(near);
    if (fails(start)) {
      failing = start;
      for (let step = 1; failing - step > passing; step *= 2) {
        if (!fails(failing - step)) {
          passing = failing - step;
          break;
        }
        failing -= step;
      }
    } else {
      passing = start;
      for (let step = 1; passing + step < failing; step *= 2) {
        if (fails(passing + step)) {
          failing = passing + step;
          break;
        }
        passing += step;
      }
    }
  }
  while (failing - passing > 1) {
    const mid = Math.floor((passing + failing) / 2);
    if (fails(mid)) failing = mid;
    else passing = mid;
  }
  return failing;
}
