import { describe, isInFlight, isOffDeployment, type DeploymentView } from '../rollback-plan';
import type { WindowReset } from './window-reset';

/**
 * Where the judge's window starts: the latest of
 * - the start of the deployment that made the live phase live (StartedAt: from its first
 *   percent on, the phase's users reach the new model);
 * - the last rollback or revert since then (a later deployment undone, the off version's
 *   included: the phase is back in effect from the undo's own time, from the event log);
 * - the last window reset on-call recorded.
 *
 * A deployment in flight is the one making its phase live, so its start counts; when nothing
 * is live (never deployed, every deployment undone, or the off version in effect or deploying)
 * there is nothing to judge. Pure module: no AWS import.
 */
export type WindowStartSource = 'deployment' | 'rollback' | 'reset';

export type WindowStart =
  | {
      readonly kind: 'window';
      readonly start: Date;
      readonly source: WindowStartSource;
      /** The deployment whose version is live (or going live). */
      readonly live: DeploymentView;
      /** In words, for the run's log line. */
      readonly detail: string;
    }
  | { readonly kind: 'nothing-live'; readonly reason: string };

/** Undone deployments: their version stopped being in effect (or is stopping). */
const UNDONE: readonly DeploymentView['state'][] = ['ROLLED_BACK', 'REVERTED', 'ROLLING_BACK'];

/** The deployment whose version is live or going live: the newest one in flight or COMPLETE. */
export function liveDeploymentIndex(deployments: readonly DeploymentView[]): number {
  return deployments.findIndex((d) => isInFlight(d) || d.state === 'COMPLETE');
}

/**
 * `deployments` newest first, as FlagDeployments.recent() lists them, with `undoneAt` read (from
 * GetDeployment) for the undone ones newer than the live one.
 */
export function windowStartOf(
  deployments: readonly DeploymentView[],
  offVersion: string,
  reset: WindowReset | undefined,
): WindowStart {
  const index = liveDeploymentIndex(deployments);
  const live = deployments[index];
  if (!live) {
    return {
      kind: 'nothing-live',
      reason: deployments.length ? 'every deployment of the flag was undone' : 'the flag was never deployed',
    };
  }
  if (isOffDeployment(live, offVersion))
    return { kind: 'nothing-live', reason: `${describe(live)} is the off version (${live.state})` };
  if (!live.startedAt) throw new Error(`${describe(live)} has no StartedAt`);
  let best: { start: Date; source: WindowStartSource; detail: string } = {
    start: live.startedAt,
    source: 'deployment',
    detail: `${describe(live)} started`,
  };
  for (const later of deployments.slice(0, index)) {
    if (!UNDONE.includes(later.state)) continue;
    // Without the undo's time (an event log cut short) the latest time known before it: the
    // window then keeps a few minutes of the undone deployment rather than guess a later start.
    const at = later.undoneAt ?? later.completedAt ?? later.startedAt;
    if (at && at > best.start) best = { start: at, source: 'rollback', detail: `${describe(later)} ${later.state}` };
  }
  if (reset && reset.resetAt > best.start) {
    best = { start: reset.resetAt, source: 'reset', detail: `reset by ${reset.by}: ${reset.reason}` };
  }
  return { kind: 'window', ...best, live };
}
