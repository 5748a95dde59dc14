/**
 * Rollout percentages are expressed in steps of 0.001 (100,000 buckets), the same
 * granularity LaunchDarkly offers, so the 0.1% smoke phase is exact.
 */
export const PERCENT_STEP = 0.001;
export const BUCKETS = 100_000;
const STEPS_PER_PERCENT = BUCKETS / 100;

/** True when `value` is in [0, 100] and a whole number of 0.001 steps. */
export function isValidRolloutPercent(value: number): boolean {
  if (!Number.isFinite(value) || value < 0 || value > 100) return false;
  const steps = value * STEPS_PER_PERCENT;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/** The number of buckets (out of 100,000) a percentage admits. */
export function percentToBuckets(percent: number): number {
  return Math.round(percent * STEPS_PER_PERCENT);
}
