/**
 * A deployment's event log (GetDeployment EventLog), as the rollout needs it. Pure.
 *
 * The log is the only record of when a rollback or revert happened: a reverted deployment keeps
 * the CompletedAt of its original completion, and a rolled-back one never completed.
 */

export interface DeploymentEvent {
  /** AppConfig's DeploymentEventType, e.g. ROLLBACK_COMPLETED. */
  readonly type: string;
  /** USER, APPCONFIG, CLOUDWATCH_ALARM or INTERNAL_ERROR. */
  readonly triggeredBy?: string;
  readonly occurredAt?: Date;
}

const UNDONE: readonly string[] = ['ROLLBACK_COMPLETED', 'REVERT_COMPLETED'];

/**
 * When the deployment's version stopped being in effect and the one before it came back: the
 * rollback's or revert's completion, else (a log cut short) the start of the rollback.
 */
export function undoneAtOf(events: readonly DeploymentEvent[]): Date | undefined {
  return (
    newest(events.filter((e) => UNDONE.includes(e.type))) ?? newest(events.filter((e) => e.type === 'ROLLBACK_STARTED'))
  );
}

function newest(events: readonly DeploymentEvent[]): Date | undefined {
  let at: Date | undefined;
  for (const e of events) if (e.occurredAt && (!at || e.occurredAt > at)) at = e.occurredAt;
  return at;
}
