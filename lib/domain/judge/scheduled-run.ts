/**
 * What the judge's schedule sends each run (the target input the construct sets from
 * Scheduler's context attributes `<aws.scheduler.scheduled-time>` and
 * `<aws.scheduler.execution-id>`), and whether a run started too late to run at all. Pure.
 */
export interface ScheduledRunEvent {
  /** When this run was due, ISO 8601 (e.g. 2024-05-01T12:05:00Z). */
  readonly scheduledTime: string;
  readonly executionId: string;
}

export type RunStart =
  /** Invoked by hand (no scheduled time): nothing to be late for. */
  | { readonly kind: 'unscheduled' }
  | { readonly kind: 'on-time'; readonly scheduledTime: string; readonly lateBySeconds: number }
  | {
      readonly kind: 'late';
      readonly scheduledTime: string;
      readonly executionId: string;
      readonly lateBySeconds: number;
      readonly latenessBudgetSeconds: number;
    };

/**
 * A run that starts more than `latenessBudgetSeconds` after its scheduled time could still be
 * running when the next one starts: Scheduler's delivery retries (its maximum event age) and
 * Lambda's asynchronous queue (its own maximum event age) are separate clocks, so a run can
 * start up to the sum of both late. Such a run is `late` and is skipped. An event without a
 * readable scheduledTime is `unscheduled` (a hand-made invoke), never skipped.
 */
export function runStart(event: unknown, now: Date, latenessBudgetSeconds: number): RunStart {
  if (typeof event !== 'object' || event === null) return { kind: 'unscheduled' };
  const { scheduledTime, executionId } = event as Partial<Record<keyof ScheduledRunEvent, unknown>>;
  if (typeof scheduledTime !== 'string') return { kind: 'unscheduled' };
  const dueMs = Date.parse(scheduledTime);
  if (!Number.isFinite(dueMs)) return { kind: 'unscheduled' };
  const lateBySeconds = Math.max(0, (now.getTime() - dueMs) / 1000);
  if (lateBySeconds <= latenessBudgetSeconds) return { kind: 'on-time', scheduledTime, lateBySeconds };
  return {
    kind: 'late',
    scheduledTime,
    executionId: typeof executionId === 'string' ? executionId : '',
    lateBySeconds,
    latenessBudgetSeconds,
  };
}
