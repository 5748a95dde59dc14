import { OFF_PHASE } from './names';

/**
 * What to do when the rollback alarm fires (the guard). Pure: the AppConfig calls live in
 * lib/ops/appconfig-deployments.ts. The guard runs this plan in a loop — act, wait, plan again
 * — until it answers `none`: the off version is live, or nothing is.
 */

/** AppConfig's deployment states. */
export type DeploymentState =
  'BAKING' | 'VALIDATING' | 'DEPLOYING' | 'COMPLETE' | 'ROLLING_BACK' | 'ROLLED_BACK' | 'REVERTED';

/** One deployment of the flag profile, as the plan needs it. */
export interface DeploymentView {
  readonly number: number;
  readonly version: string;
  readonly label?: string;
  readonly state: DeploymentState;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  readonly percentComplete?: number;
  readonly durationMinutes?: number;
  readonly finalBakeMinutes?: number;
  /** GetDeployment only (ListDeployments has no description). */
  readonly description?: string;
  /**
   * GetDeployment only: when a ROLLED_BACK or REVERTED deployment put the version before it
   * back, from its event log. CompletedAt is no stand-in: a reverted deployment keeps the time
   * it first completed.
   */
  readonly undoneAt?: Date;
}

export type RollbackStep =
  /**
   * Stop a deployment in flight: AppConfig rolls it back to the previous version. StopDeployment
   * stops only a DEPLOYING deployment unless AllowRevert is sent, so a bake needs it.
   */
  | {
      readonly kind: 'stop';
      readonly deployment: DeploymentView;
      readonly allowRevert: boolean;
      readonly reason: string;
    }
  /** Revert a deployment completed within 72 h to the version before it. */
  | { readonly kind: 'revert'; readonly deployment: DeploymentView; readonly reason: string }
  /** Deploy the "off" version all at once. */
  | { readonly kind: 'deploy-off'; readonly reason: string }
  /** A deployment is settling (rolling back, or the off version deploying): let it, then plan again. */
  | { readonly kind: 'wait'; readonly deployment: DeploymentView; readonly reason: string }
  /** Safe: the off version is live, or no version is. */
  | { readonly kind: 'none'; readonly reason: string };

export type RollbackStepKind = RollbackStep['kind'];

/** AppConfig reverts (StopDeployment with AllowRevert) only within 72 hours of completion. */
export const REVERT_WINDOW_MS = 72 * 60 * 60 * 1000;
const IN_FLIGHT: readonly DeploymentState[] = ['DEPLOYING', 'BAKING', 'VALIDATING'];

/** Deploying, validating or baking: StopDeployment can still roll it back. */
export function isInFlight(d: DeploymentView): boolean {
  return IN_FLIGHT.includes(d.state);
}

/** In flight or rolling back: AppConfig starts no other deployment in the environment until it settles. */
export function isUnsettled(d: DeploymentView): boolean {
  return isInFlight(d) || d.state === 'ROLLING_BACK';
}

/**
 * The deployment whose version is in effect once `deployments[index]` is discounted: the
 * newest COMPLETE one after it (newest first). A rolled-back or reverted deployment changes its
 * own state, so every COMPLETE one still stands.
 */
export function liveBefore(deployments: readonly DeploymentView[], index: number): DeploymentView | undefined {
  return deployments.slice(index + 1).find((d) => d.state === 'COMPLETE');
}

/**
 * The guard's next step, from the flag's recent deployments (newest first): stop the latest if
 * it is in flight, revert it if it completed within 72 h, otherwise turn the flag off. After a
 * rollback or revert the version before it is live: if that still sends users to the new model
 * (an earlier phase), the flag goes off too. An off deployment in flight is waited for — until
 * it completes the kill switch has not taken. Nothing when the off version is live, or no
 * version is — so repeated alarms are harmless.
 */
export function planGuardRollback(deployments: readonly DeploymentView[], offVersion: string, now: Date): RollbackStep {
  const latest = deployments[0];
  if (!latest) return { kind: 'none', reason: 'the flag was never deployed, so nobody is on the new model' };
  const which = describe(latest);
  if (isOffDeployment(latest, offVersion)) {
    if (latest.state === 'COMPLETE') return { kind: 'none', reason: `${which} is the off version: the flag is off` };
    if (isUnsettled(latest))
      return { kind: 'wait', deployment: latest, reason: `${which}, the off version, is ${latest.state}` };
    // The kill switch itself was undone: the version before it, with the new model, is live again.
    return {
      kind: 'deploy-off',
      reason: `${which}, the off version, was ${latest.state}: the new model is live again`,
    };
  }
  if (isInFlight(latest)) {
    return {
      kind: 'stop',
      deployment: latest,
      allowRevert: latest.state !== 'DEPLOYING',
      reason: `${which} is ${latest.state}`,
    };
  }
  if (latest.state === 'ROLLING_BACK') return { kind: 'wait', deployment: latest, reason: `${which} is ROLLING_BACK` };
  if (latest.state === 'ROLLED_BACK' || latest.state === 'REVERTED') {
    const live = liveBefore(deployments, 0);
    if (!live || isOffDeployment(live, offVersion)) {
      return {
        kind: 'none',
        reason: `${which} is already ${latest.state}, and before it the flag was ${live ? 'off' : 'never deployed'}`,
      };
    }
    return {
      kind: 'deploy-off',
      reason: `${which} is already ${latest.state}, but ${describe(live)} is live and still sends users to the new model`,
    };
  }
  // A revert puts back the version before it; the first deployment has none to put back.
  if (!liveBefore(deployments, 0))
    return { kind: 'deploy-off', reason: `${which} is the first deployment: there is no earlier version to revert to` };
  const completedAt = latest.completedAt ?? latest.startedAt;
  if (completedAt && now.getTime() - completedAt.getTime() < REVERT_WINDOW_MS) {
    return {
      kind: 'revert',
      deployment: latest,
      reason: `${which} completed ${hoursAgo(completedAt, now)} h ago (within AppConfig's 72 h revert window)`,
    };
  }
  return { kind: 'deploy-off', reason: `${which} completed more than 72 h ago and can no longer be reverted` };
}

/**
 * Whether `d` deployed an off version: the current one, or an older version labelled `off`.
 * Editing the flag replaces every hosted version, off included, so the off version live in
 * AppConfig may be an older number than the stack's current one: it is still off.
 */
export function isOffDeployment(d: DeploymentView, offVersion: string): boolean {
  return d.version === offVersion || d.label === OFF_PHASE;
}

export function describe(d: DeploymentView): string {
  return `deployment #${d.number} (version ${d.version}${d.label ? `, ${d.label}` : ''})`;
}

function hoursAgo(t: Date, now: Date): string {
  return ((now.getTime() - t.getTime()) / 3_600_000).toFixed(1);
}
