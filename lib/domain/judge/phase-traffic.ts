/**
 * Expected calls to each model on the rollout route while a phase is live, from the daily
 * request estimate. Allowlisted QA users and client segments are left out (as in the spend
 * estimate), so with clientSegments the new model's share is an upper bound. Pure module: no
 * AWS import.
 */
export interface PhaseTraffic {
  readonly requestsPerDay: number;
  /** The phase's share of users on the new model (0–100). */
  readonly rolloutPercent: number;
}

export function newModelCallsPerMinute(t: PhaseTraffic): number {
  return (t.requestsPerDay * t.rolloutPercent) / 100 / 1440;
}

export function defaultModelCallsPerMinute(t: PhaseTraffic): number {
  return (t.requestsPerDay * (100 - t.rolloutPercent)) / 100 / 1440;
}

/**
 * Expected whole counts after `minutes`: the new model's calls, and the default model's —
 * including the fallbacks it serves for the new model's failures (`newFailureRate`), which
 * are all it serves at 100%.
 */
export function expectedCalls(
  t: PhaseTraffic,
  minutes: number,
  newFailureRate: number,
): { newModel: number; defaultModel: number } {
  const newModel = Math.round(newModelCallsPerMinute(t) * minutes);
  const defaultModel = Math.round(defaultModelCallsPerMinute(t) * minutes + newModel * newFailureRate);
  return { newModel, defaultModel };
}
