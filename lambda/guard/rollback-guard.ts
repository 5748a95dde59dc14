import { planGuardRollback, describe, type RollbackStep } from '../../lib/domain/rollback-plan';
import type { FlagDeployments } from '../../lib/ops/appconfig-deployments';

/** What to do when the off deployment outlived the wait and the alarm's actions stay paused. */
export function pausedNote(alarmName: string): string {
  return `The alarm ${alarmName} still has its actions disabled, so AppConfig cannot roll the kill switch back: enable them once the deployment is COMPLETE (aws cloudwatch enable-alarm-actions --alarm-names ${alarmName}).`;
}

export interface GuardOutcome {
  readonly step: RollbackStep;
  /** What was done, in words for the page. */
  readonly summary: string;
}

export interface RollbackGuardDeps {
  readonly deployments: FlagDeployments;
  readonly offVersion: string;
  readonly notify: (subject: string, message: string) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * Acts on the rollback alarm after AppConfig's bake has ended (AppConfig itself only watches
 * during a deployment and its bake): stop or revert the phase's deployment, or turn the flag
 * off. Idempotent — a repeated alarm finds the flag already rolled back and does nothing.
 * API failures propagate (after the SDK's retries), so the invocation fails, is retried by
 * Lambda, and pages through the failure destination: the guard never leaves the flag on silently.
 */
export class RollbackGuard {
  public constructor(private readonly deps: RollbackGuardDeps) {}

  public async run(alarmName: string): Promise<GuardOutcome> {
    const { deployments } = this.deps;
    const now = (): Date => this.deps.now?.() ?? new Date();
    let step = planGuardRollback(await deployments.recent(), this.deps.offVersion, now());
    if (step.kind === 'wait') {
      await deployments.waitForEnd(step.deployment.number);
      step = planGuardRollback(await deployments.recent(), this.deps.offVersion, now());
    }
    let summary: string;
    switch (step.kind) {
      case 'stop':
        await deployments.stop(step.deployment.number);
        summary = `Stopped ${describe(step.deployment)}: AppConfig rolls it back to the previous version (${step.reason}).`;
        break;
      case 'revert':
        await deployments.revert(step.deployment.number);
        summary = `Reverted ${describe(step.deployment)} to the version before it (${step.reason}).`;
        break;
      case 'deploy-off': {
        const off = await deployments.deployOff(`rollback guard: ${alarmName} in ALARM`);
        summary = `Deployed the off version all at once as ${describe(off)}, now ${off.state} (${step.reason}).`;
        if (off.alarmActionsPaused) summary += ` ${pausedNote(alarmName)}`;
        break;
      }
      case 'none':
        summary = `Nothing to roll back: ${step.reason}.`;
        break;
      case 'wait':
        summary = `${describe(step.deployment)} is still ROLLING_BACK after the wait; run the guard again or npx rollout rollback --yes.`;
        break;
    }
    await this.deps.notify(`Rollback guard: ${step.kind} after ${alarmName}`, `${summary}\nCheck with: npx rollout status`);
    return { step, summary };
  }
}
