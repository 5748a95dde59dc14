import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseWindowReset, renderWindowReset, type WindowReset } from '../domain/judge/window-reset';
import { liveDeploymentIndex, windowStartOf, type WindowStart } from '../domain/judge/window-start';
import type { DeploymentView } from '../domain/rollback-plan';

export type { WindowStart } from '../domain/judge/window-start';

/** The deployment reads the judge needs (FlagDeployments has them). */
export interface DeploymentReads {
  /** Recent deployments of the flag profile, newest first (ListDeployments); `signal` aborts the call. */
  recent(signal?: AbortSignal): Promise<DeploymentView[]>;
  /** One deployment in full, with `undoneAt` from its event log (GetDeployment); `signal` aborts the call. */
  get(deploymentNumber: number, signal?: AbortSignal): Promise<DeploymentView>;
  readonly offVersion: string;
}

/**
 * Where the judge's window starts now (lib/domain/judge/window-start.ts): the live phase's
 * deployment, the last rollback or revert since, or the last window reset in SSM. Reads only;
 * `signal` aborts every call (the judge's deadline for its run).
 */
export async function findWindowStart(
  deployments: DeploymentReads,
  ssm: SSMClient,
  resetParameter: string,
  signal?: AbortSignal,
): Promise<WindowStart> {
  const [listed, reset] = await Promise.all([deployments.recent(signal), readWindowReset(ssm, resetParameter, signal)]);
  return windowStartOf(await withUndoneTimes(deployments, listed, signal), deployments.offVersion, reset);
}

/** The reset recorded in the parameter, or undefined while it holds `{}`. A missing parameter is an error. */
export async function readWindowReset(
  ssm: SSMClient,
  parameterName: string,
  signal?: AbortSignal,
): Promise<WindowReset | undefined> {
  const out = await ssm.send(new GetParameterCommand({ Name: parameterName }), { abortSignal: signal });
  return parseWindowReset(parameterName, out.Parameter?.Value ?? '');
}

/**
 * Records a window reset (for `rollout judge-reset`): the judge counts only minutes from `at`
 * on. Overwrites the parameter the stack created; no Type is sent, so if that parameter is
 * missing SSM refuses (a type is required to create one) instead of creating one outside the
 * stack, which the stack's next update would then collide with.
 */
export async function recordWindowReset(
  ssm: SSMClient,
  parameterName: string,
  reset: { readonly reason: string; readonly by: string; readonly at: Date },
): Promise<WindowReset> {
  const record: WindowReset = { resetAt: reset.at, reason: reset.reason, by: reset.by };
  await ssm.send(new PutParameterCommand({ Name: parameterName, Value: renderWindowReset(record), Overwrite: true }));
  return record;
}

/**
 * ListDeployments has no event log: the deployments newer than the live one that were undone
 * are read in full for when that happened (the window restarts then).
 */
async function withUndoneTimes(
  reads: DeploymentReads,
  deployments: DeploymentView[],
  signal: AbortSignal | undefined,
): Promise<DeploymentView[]> {
  const live = liveDeploymentIndex(deployments);
  if (live < 0) return deployments;
  return Promise.all(
    deployments.map(async (d, i) => {
      if (i >= live || !['ROLLED_BACK', 'REVERTED', 'ROLLING_BACK'].includes(d.state)) return d;
      const full = await reads.get(d.number, signal);
      return full.undoneAt ? { ...d, undoneAt: full.undoneAt } : d;
    }),
  );
}
