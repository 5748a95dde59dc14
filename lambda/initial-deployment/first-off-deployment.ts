import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  type AppConfigClient,
} from '@aws-sdk/client-appconfig';
import {
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch';

/** Where the kill switch goes: the rollout's environment, its flag profile, the off version and strategy. */
export interface OffDeploymentTarget {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  readonly offVersion: string;
  readonly killSwitchStrategyId: string;
  /** The environment's monitor alarms: their actions are paused while the off version deploys. */
  readonly monitorAlarmNames: readonly string[];
}

export interface FirstDeploymentDeps {
  readonly appconfig: AppConfigClient;
  readonly cloudwatch: CloudWatchClient;
  /** @default 3 minutes */
  readonly waitMs?: number;
  /** @default 5 seconds */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type FirstDeploymentOutcome =
  | { readonly kind: 'started'; readonly deploymentNumber: number; readonly state: string }
  | { readonly kind: 'skipped'; readonly reason: string };

/** The first off deployment did not complete: the flag has no live version. */
export class FirstDeploymentError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FirstDeploymentError';
  }
}

const IN_FLIGHT = new Set(['DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK']);

/**
 * Starts the flag at `off` — once, on a brand-new environment. Any deployment of the profile
 * already there (a stack upgraded from a release whose template owned a deployment, or an
 * environment someone deployed to by hand) means the live phase is owned by AppConfig
 * deployments already, and `cdk deploy` must not touch it.
 *
 * The monitors' actions are paused for the deployment: new alarms start in INSUFFICIENT_DATA,
 * and AppConfig rolls back a deployment during which a monitor is in ALARM or INSUFFICIENT_DATA
 * unless the alarm's actions are disabled (AWS AppConfig User Guide, "Monitoring deployments
 * for automatic rollback"). They are enabled again once the deployment has settled.
 */
export async function deployOffIfNeverDeployed(
  deps: FirstDeploymentDeps,
  target: OffDeploymentTarget,
): Promise<FirstDeploymentOutcome> {
  const { appconfig, cloudwatch } = deps;
  const ids = { ApplicationId: target.applicationId, EnvironmentId: target.environmentId };
  let nextToken: string | undefined;
  do {
    const page = await appconfig.send(new ListDeploymentsCommand({ ...ids, MaxResults: 50, NextToken: nextToken }));
    const existing = (page.Items ?? []).find(
      (d) => d.ConfigurationProfileId === undefined || d.ConfigurationProfileId === target.profileId,
    );
    if (existing) {
      return {
        kind: 'skipped',
        reason: `the environment already has deployment #${existing.DeploymentNumber ?? '?'} (${existing.State ?? 'unknown state'}) of the flag; the live phase is left as it is`,
      };
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const alarms = [...target.monitorAlarmNames];
  if (alarms.length) await cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: alarms }));
  try {
    const started = await appconfig.send(
      new StartDeploymentCommand({
        ...ids,
        ConfigurationProfileId: target.profileId,
        ConfigurationVersion: target.offVersion,
        DeploymentStrategyId: target.killSwitchStrategyId,
        Description:
          'first cdk deploy: the flag starts off (phases are advanced with npx rollout advance or in the AppConfig console)',
      }),
    );
    const number = started.DeploymentNumber ?? 0;
    const state = await waitUntilSettled(deps, ids, number, started.State ?? 'DEPLOYING');
    if (state !== 'COMPLETE') {
      throw new FirstDeploymentError(
        `The first deployment of the off version (#${number}) ended ${state}, so the flag has no live version: check it in the AppConfig console, then deploy the version labelled off with the -off strategy (or run npx rollout rollback).`,
      );
    }
    return { kind: 'started', deploymentNumber: number, state };
  } finally {
    if (alarms.length) await cloudwatch.send(new EnableAlarmActionsCommand({ AlarmNames: alarms }));
  }
}

async function waitUntilSettled(
  deps: FirstDeploymentDeps,
  ids: { ApplicationId: string; EnvironmentId: string },
  number: number,
  initial: string,
): Promise<string> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (deps.waitMs ?? 180_000);
  let state = initial;
  while (IN_FLIGHT.has(state)) {
    const left = deadline - Date.now();
    if (left <= 0) return state;
    await sleep(Math.min(deps.pollMs ?? 5_000, left));
    const d = await deps.appconfig.send(new GetDeploymentCommand({ ...ids, DeploymentNumber: number }));
    state = d.State ?? state;
  }
  return state;
}
