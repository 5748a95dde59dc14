import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { deployOffIfNeverDeployed, type OffDeploymentTarget } from './first-off-deployment';

const deps = {
  appconfig: new AppConfigClient({ maxAttempts: 6 }),
  cloudwatch: new CloudWatchClient({ maxAttempts: 6 }),
};

/** The one physical id this resource ever has: an update never replaces it. */
const PHYSICAL_ID = 'rollout-initial-off-deployment';

/**
 * Custom resource (Provider framework onEvent): on Create, start the flag at `off` if the
 * environment has never been deployed to. Update and Delete do nothing — no later
 * `cdk deploy`, and no stack deletion, starts, stops or replaces a deployment.
 */
/** Time left for the alarm actions to be re-enabled after the wait, even after SDK retries. */
const RESTORE_MARGIN_MS = 60_000;

export const handler = async (
  event: CloudFormationCustomResourceEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> => {
  if (event.RequestType !== 'Create') {
    console.log(
      JSON.stringify({ message: `${event.RequestType}: nothing to do (cdk deploy never changes the live phase)` }),
    );
    return { PhysicalResourceId: PHYSICAL_ID };
  }
  // The wait ends well before Lambda's timeout: a function killed mid-wait would skip the
  // `finally` that re-enables the monitors' actions.
  const waitMs = Math.max(0, Math.min(180_000, (context?.getRemainingTimeInMillis() ?? 300_000) - RESTORE_MARGIN_MS));
  const outcome = await deployOffIfNeverDeployed({ ...deps, waitMs }, targetOf(event.ResourceProperties));
  console.log(JSON.stringify({ message: 'initial off deployment', ...outcome }));
  return { PhysicalResourceId: PHYSICAL_ID, Data: { Outcome: outcome.kind } };
};

function targetOf(p: Record<string, unknown>): OffDeploymentTarget {
  const field = (name: string): string => {
    const value = p[name];
    if (typeof value !== 'string' || value === '')
      throw new Error(
        `Custom resource property ${name} is missing; the resource is created by InitialOffDeployment, which sets it.`,
      );
    return value;
  };
  return {
    applicationId: field('ApplicationId'),
    environmentId: field('EnvironmentId'),
    profileId: field('ProfileId'),
    offVersion: field('OffVersion'),
    killSwitchStrategyId: field('KillSwitchStrategyId'),
    monitorAlarmNames: Array.isArray(p.MonitorAlarmNames)
      ? p.MonitorAlarmNames.filter((n): n is string => typeof n === 'string')
      : [],
  };
}
