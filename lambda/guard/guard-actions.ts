import { pausedNote, pauserOf } from '../../lib/domain/alarm-pause';
import { describe, isOffDeployment, type DeploymentView, type RollbackStep } from '../../lib/domain/rollback-plan';
import { isStateRefusal } from '../../lib/ops/appconfig-refusals';
import type { FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { KillSwitchUndoneError } from '../../lib/ops/kill-switch-errors';
import { StepRefusedError } from './guard-errors';

type Action = Exclude<RollbackStep, { kind: 'none' }>;

/**
 * Carries out one planned step and waits, within the deadline, for what it set going to settle;
 * returns what was done, in words for the page. A step AppConfig refuses because the state moved
 * under it (BadRequest, Conflict: its own monitor rolled the deployment back, the bake ended) is
 * reported and left to the next plan — unless the same step is refused twice in the same state.
 */
export class GuardActions {
  private readonly refused = new Set<string>();

  public constructor(
    private readonly deployments: FlagDeployments,
    private readonly alarmName: string,
    private readonly deadline: Date,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly retryAfterMs: number,
  ) {}

  public async act(step: Action): Promise<string> {
    switch (step.kind) {
      case 'stop': {
        const { number } = step.deployment;
        const stopped = await this.attempt(step, () => this.deployments.stop(number, step.allowRevert));
        if (!stopped.done) return stopped.refusal;
        const end = await this.settle(number);
        return `Stopped ${describe(step.deployment)}${step.allowRevert ? ' (with AllowRevert: it was past DEPLOYING)' : ''}: AppConfig rolls it back to the previous version, now ${end.state} (${step.reason}).`;
      }
      case 'revert': {
        const reverted = await this.attempt(step, () => this.deployments.revert(step.deployment.number));
        if (!reverted.done) return reverted.refusal;
        const end = await this.settle(step.deployment.number);
        return `Reverted ${describe(step.deployment)} to the version before it, now ${end.state} (${step.reason}).`;
      }
      case 'wait': {
        const end = await this.settle(step.deployment.number);
        this.failIfKillSwitchUndone(end);
        const pauser = isOffDeployment(end, this.deployments.offVersion) ? pauserOf(end.description) : undefined;
        return `Waited for ${describe(step.deployment)}${pauser ? `, turning the flag off for ${pauser} (which paused the alarm's actions)` : ''} (${step.reason}): now ${end.state}.`;
      }
      case 'deploy-off': {
        const deployed = await this.attempt(step, () =>
          this.deployments.deployOff(`rollback guard: ${this.alarmName} in ALARM`, 'rollback guard', this.timeLeft()),
        );
        if (!deployed.done) return deployed.refusal;
        const off = deployed.value;
        this.failIfKillSwitchUndone(off);
        const note = off.alarmActionsPaused ? ` ${pausedNote(this.alarmName)}` : '';
        return `Deployed the off version all at once as ${describe(off)}, now ${off.state} (${step.reason}).${note}`;
      }
    }
  }

  /** Runs the call; a state refusal is reported (the caller re-plans), anything else propagates. */
  private async attempt<T>(
    step: Action,
    call: () => Promise<T>,
  ): Promise<{ done: true; value: T } | { done: false; refusal: string }> {
    try {
      return { done: true, value: await call() };
    } catch (err) {
      if (!isStateRefusal(err)) throw err;
      const key = `${step.kind}:${'deployment' in step ? `${step.deployment.number}:${step.deployment.state}` : ''}`;
      if (this.refused.has(key)) throw new StepRefusedError(step, { cause: err });
      this.refused.add(key);
      await this.sleep(Math.max(0, Math.min(this.retryAfterMs, this.timeLeft())));
      const target = 'deployment' in step ? ` ${describe(step.deployment)}` : '';
      return {
        done: false,
        refusal: `AppConfig refused to ${step.kind}${target} (${err.name}: ${err.message}): read the deployments again and re-planned.`,
      };
    }
  }

  private settle(deploymentNumber: number): Promise<DeploymentView> {
    return this.deployments.waitForEnd(deploymentNumber, undefined, this.timeLeft());
  }

  /** A kill switch that did not take is a failure: the version before it, with the new model, is back. */
  private failIfKillSwitchUndone(d: DeploymentView): void {
    if (isOffDeployment(d, this.deployments.offVersion) && (d.state === 'ROLLED_BACK' || d.state === 'REVERTED'))
      throw new KillSwitchUndoneError(d);
  }

  private timeLeft(): number {
    return Math.max(0, this.deadline.getTime() - this.deployments.now());
  }
}
