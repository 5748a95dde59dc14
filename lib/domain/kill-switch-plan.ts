import { describe, isInFlight, isOffDeployment, isUnsettled, liveBefore, type DeploymentView } from './rollback-plan';

/**
 * The next step of `rollout rollback`, the kill switch (pure). Unlike the guard it never
 * reverts: on-call wants the off version live, so it goes straight there.
 */
export type KillSwitchStep =
  /** Stop the phase deployment in flight (AllowRevert when it is past DEPLOYING). */
  | {
      readonly kind: 'stop';
      readonly deployment: DeploymentView;
      readonly allowRevert: boolean;
      readonly reason: string;
    }
  /**
   * Let a deployment settle: a rollback under way, or an off deployment someone already started
   * — stopping that one would undo the kill switch, and starting another is a ConflictException.
   */
  | { readonly kind: 'wait'; readonly deployment: DeploymentView; readonly reason: string }
  | { readonly kind: 'deploy-off'; readonly reason: string }
  /** The off version is live. */
  | { readonly kind: 'none'; readonly deployment: DeploymentView; readonly reason: string };

export function planKillSwitch(deployments: readonly DeploymentView[], offVersion: string): KillSwitchStep {
  const latest = deployments[0];
  if (latest && isUnsettled(latest)) {
    if (isOffDeployment(latest, offVersion))
      return {
        kind: 'wait',
        deployment: latest,
        reason: `${describe(latest)}, the off version, is already ${latest.state}`,
      };
    if (isInFlight(latest))
      return {
        kind: 'stop',
        deployment: latest,
        allowRevert: latest.state !== 'DEPLOYING',
        reason: `${describe(latest)} is ${latest.state}`,
      };
    return { kind: 'wait', deployment: latest, reason: `${describe(latest)} is ROLLING_BACK` };
  }
  const live = latest?.state === 'COMPLETE' ? latest : liveBefore(deployments, 0);
  if (live && isOffDeployment(live, offVersion))
    return { kind: 'none', deployment: live, reason: `${describe(live)} is the off version` };
  return { kind: 'deploy-off', reason: live ? `${describe(live)} is live` : 'no version is live' };
}
