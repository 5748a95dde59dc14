import { describe, type RollbackStep } from '../../lib/domain/rollback-plan';

function what(step: RollbackStep | undefined): string {
  if (!step) return 'nothing yet';
  return 'deployment' in step ? `${step.kind} ${describe(step.deployment)}` : step.kind;
}

/**
 * The guard's deadline passed before the flag was safe (a rollback or the off deployment still
 * settling). Thrown so that Lambda retries the guard, and pages through the failure destination
 * once the retries are spent; the next attempt picks up where this one stopped.
 */
export class GuardNotSettledError extends Error {
  public constructor(
    public readonly lastStep: RollbackStep | undefined,
    public readonly done: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `The flag is not safe yet at the guard's deadline (last step: ${what(lastStep)}). Done so far: ${done.join(' ') || 'nothing'}`,
      options,
    );
    this.name = 'GuardNotSettledError';
  }
}

/**
 * AppConfig refused the same step twice against the same state: reading again did not explain
 * the refusal, so the guard stops rather than loop until its deadline. `cause` is AppConfig's answer.
 */
export class StepRefusedError extends Error {
  public constructor(
    public readonly step: RollbackStep,
    options: ErrorOptions,
  ) {
    super(`AppConfig refused to ${what(step)} twice in the same state (${step.reason}).`, options);
    this.name = 'StepRefusedError';
  }
}
