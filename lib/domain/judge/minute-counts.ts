import { InvalidMinuteCountsError } from './judge-errors';

/**
 * One minute of one model's gateway metrics on the rollout route (Route=rollout), as the judge
 * reads them: sums, plus the sample counts CloudWatch gives for the latency and moderation
 * metrics. Pure module: no AWS import.
 */
export interface ModelMinute {
  /** Requests (Sum): calls made to the model. */
  readonly requests: number;
  /** ModelErrors (Sum): 5xx, 529, timeouts, connection errors. */
  readonly modelErrors: number;
  /** Throttles (Sum): 429. */
  readonly throttles: number;
  /** CircuitOpen (Sum): cohort requests the open breaker kept from the new model. New model only. */
  readonly circuitOpen?: number;
  /**
   * Calls the vendor refused for the whole model (401/403/404 for this model id), when the
   * gateway counts them; today it does not (docs/DETECTION.md, "What the gateway must add").
   */
  readonly modelRefusals?: number;
  /**
   * Sum(IncompatibleRequests): calls the new model refused (a 4xx other than 429) that the
   * default model then answered. New model only: the default model is the one that answers them.
   */
  readonly incompatibleRequests?: number;
  /** SampleCount(ModerationFlags): answers that were checked. */
  readonly moderationChecked: number;
  /** Sum(ModerationFlags): answers flagged (refusals and configured output checks). */
  readonly moderationFlags: number;
  /** SampleCount(Latency). */
  readonly latencySamples: number;
  /** Calls slower than judge.latency.slowCallMs: TC(slowCallMs:) (the count above the bound; the lower bound is exclusive). */
  readonly slowCalls: number;
}

/** Both models' counts for the minute starting at `minuteStartMs` (epoch milliseconds). */
export interface MinuteCounts {
  readonly minuteStartMs: number;
  readonly newModel: ModelMinute;
  readonly defaultModel: ModelMinute;
}

/** Calls that failed: model errors, throttles, model-wide refusals and requests the new model refused. */
export function failedCalls(m: ModelMinute): number {
  // A refused request (IncompatibleRequests: the default model answered it) is no success of the
  // new model's: a model that refuses everything (retired id, no access) is as dead as one that errs.
  return m.modelErrors + m.throttles + (m.modelRefusals ?? 0) + (m.incompatibleRequests ?? 0);
}

/** Calls the model answered. */
export function succeededCalls(m: ModelMinute): number {
  return m.requests - failedCalls(m);
}

/** Throws InvalidMinuteCountsError unless every count is a whole number that fits its total. */
export function checkModelMinute(m: ModelMinute, label: string): void {
  wholeCount(m.requests, label, 'requests');
  wholeCount(m.modelErrors, label, 'modelErrors');
  wholeCount(m.throttles, label, 'throttles');
  if (m.circuitOpen !== undefined) wholeCount(m.circuitOpen, label, 'circuitOpen');
  if (m.modelRefusals !== undefined) wholeCount(m.modelRefusals, label, 'modelRefusals');
  if (m.incompatibleRequests !== undefined) wholeCount(m.incompatibleRequests, label, 'incompatibleRequests');
  wholeCount(m.moderationChecked, label, 'moderationChecked');
  wholeCount(m.moderationFlags, label, 'moderationFlags');
  wholeCount(m.latencySamples, label, 'latencySamples');
  wholeCount(m.slowCalls, label, 'slowCalls');
  if ((m.incompatibleRequests ?? 0) > m.requests) {
    throw new InvalidMinuteCountsError(
      `${label}: incompatibleRequests (${m.incompatibleRequests}) exceed requests (${m.requests})`,
    );
  }
  if (failedCalls(m) > m.requests) {
    throw new InvalidMinuteCountsError(
      `${label}: modelErrors + throttles + modelRefusals + incompatibleRequests (${failedCalls(m)}) exceed requests (${m.requests})`,
    );
  }
  if (m.moderationFlags > m.moderationChecked) {
    throw new InvalidMinuteCountsError(
      `${label}: moderationFlags (${m.moderationFlags}) exceed moderationChecked (${m.moderationChecked})`,
    );
  }
  if (m.slowCalls > m.latencySamples) {
    throw new InvalidMinuteCountsError(
      `${label}: slowCalls (${m.slowCalls}) exceed latencySamples (${m.latencySamples})`,
    );
  }
}

function wholeCount(value: number, label: string, name: string): void {
  if (!(Number.isInteger(value) && value >= 0))
    throw new InvalidMinuteCountsError(`${label}.${name} must be a whole number ≥ 0 (got ${value})`);
}
