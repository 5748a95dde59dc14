import { poissonAtLeast } from './binomial';
import { METRICS_DELAY_MINUTES } from './planning-assumptions';

/**
 * Minutes from a new model's death to the judge's rollback, in 95% of cases: until its
 * `failedCalls`-th failed call (calls arrive as a Poisson stream), plus the minute closing, the
 * metrics delay, and a full judge interval of waiting for the next look. Undefined without
 * new-model traffic. Pure module: no AWS import.
 */
const QUANTILE = 0.95;

export function deadModelDetectMinutes(
  callsPerMinute: number,
  failedCalls: number,
  intervalMinutes: number,
): number | undefined {
  if (!(callsPerMinute > 0)) return undefined;
  const reached = (minutes: number): boolean => poissonAtLeast(failedCalls, callsPerMinute * minutes) >= QUANTILE;
  let high = 1 / callsPerMinute;
  while (!reached(high)) high *= 2;
  let low = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (reached(mid)) high = mid;
    else low = mid;
  }
  return high + 1 + METRICS_DELAY_MINUTES + intervalMinutes;
}
