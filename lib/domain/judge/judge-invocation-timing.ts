/**
 * When the scheduled judge runs and how long one run may take. Pure, so the construct
 * (timeout, retry policy), the handler (its lateness check and deadline), the time-to-rollback
 * arithmetic and the tests share it. No AWS import.
 *
 * EventBridge Scheduler invokes the judge asynchronously: its retry policy covers only the
 * delivery to Lambda, and Lambda's own async retries cover a failed run. Neither kind of retry
 * adds anything the next scheduled run does not give — every run re-reads the whole window —
 * but a retry that starts late would run beside the next run. So Lambda does not retry a failed
 * run, and both maximum event ages are the lateness budget (the interval less the run's timeout).
 *
 * The two ages are separate clocks, though: Scheduler's counts its delivery retries, Lambda's
 * how long the event then waits in the function's asynchronous queue (throttled). A run can
 * therefore start up to both ages late (360 s at the 5-minute default, against a 180 s budget),
 * and at 1 and 2 minutes the smallest age allowed (60 s) exceeds the budget on its own. Both
 * services also deliver at least once. The configuration alone cannot stop a run overlapping
 * the next: the handler does, by skipping a run that starts later than the budget after its
 * scheduled time (lib/domain/judge/scheduled-run.ts). A duplicate that starts in time runs
 * twice; runs are idempotent (a verdict alarm reads Maximum, the heartbeat alarm at least one).
 */
export const JUDGE_TIMING = {
  /**
   * The judge leaves the newest minutes of the window out: EMF metrics become complete in
   * CloudWatch a few minutes after the calls they count (the runtime's settle delay).
   */
  metricSettleSeconds: 180,
  /** The longest a run may take however long the interval: cold start and GetMetricData pages. */
  maxRunSeconds: 120,
  /** A run takes at most half the interval, leaving the other half for a late start. */
  runShareOfInterval: 0.5,
  /** The smallest maximum event age Scheduler and Lambda accept. */
  minEventAgeSeconds: 60,
  /** Delivery retries while the event is young enough (Scheduler's default of 185 is bounded by the age anyway). */
  deliveryRetries: 2,
  /** Budget for one run in the time to rollback: cold start and a few GetMetricData calls. */
  runBudgetSeconds: 30,
  /**
   * The run's deadline is this long before Lambda's timeout: time to log which read ran out
   * and fail cleanly instead of being cut off with "Task timed out".
   */
  deadlineMarginSeconds: 5,
} as const;

export interface JudgeInvocationTiming {
  readonly intervalSeconds: number;
  /** The judge function's timeout. */
  readonly timeoutSeconds: number;
  /** How late a run may start and still end before the next one is due; a later start is skipped. */
  readonly latenessBudgetSeconds: number;
  /** Scheduler's and Lambda's maximum event age (each its own clock: a run can start up to twice this late). */
  readonly maxEventAgeSeconds: number;
  /** Scheduler's delivery retries: none when even the shortest allowed age would overlap the next run. */
  readonly schedulerRetryAttempts: number;
}

/** A judge interval outside 1–60 whole minutes (the config schema's range). */
export class JudgeIntervalError extends RangeError {
  public constructor(intervalMinutes: number) {
    super(`The judge's interval must be a whole number of minutes from 1 to 60 (got ${intervalMinutes}).`);
    this.name = 'JudgeIntervalError';
  }
}

export function judgeInvocationTiming(intervalMinutes: number): JudgeInvocationTiming {
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 60)
    throw new JudgeIntervalError(intervalMinutes);
  const intervalSeconds = intervalMinutes * 60;
  const timeoutSeconds = Math.min(JUDGE_TIMING.maxRunSeconds, intervalSeconds * JUDGE_TIMING.runShareOfInterval);
  const latenessBudgetSeconds = intervalSeconds - timeoutSeconds;
  const retriesFit = latenessBudgetSeconds >= JUDGE_TIMING.minEventAgeSeconds;
  return {
    intervalSeconds,
    timeoutSeconds,
    latenessBudgetSeconds,
    maxEventAgeSeconds: Math.max(JUDGE_TIMING.minEventAgeSeconds, latenessBudgetSeconds),
    schedulerRetryAttempts: retriesFit ? JUDGE_TIMING.deliveryRetries : 0,
  };
}
