import { describe, type DeploymentView } from '../domain/rollback-plan';

/**
 * The off deployment ended ROLLED_BACK (or REVERTED): the kill switch did not take and the
 * version before it — with the new model — is live again. Typically the rollback alarm's
 * actions were enabled during it, so AppConfig's monitor rolled it back.
 */
export class KillSwitchUndoneError extends Error {
  public constructor(
    public readonly deployment: DeploymentView,
    options?: ErrorOptions,
  ) {
    super(
      `The kill switch did not take: ${describe(deployment)}, the off version, ended ${deployment.state}, so the version before it is live again.`,
      options,
    );
    this.name = 'KillSwitchUndoneError';
  }
}
