import { ListDeploymentsCommand, StartDeploymentCommand, type AppConfigClient } from '@aws-sdk/client-appconfig';

/** Where the kill switch goes: the rollout's environment, its flag profile, the off version and strategy. */
export interface OffDeploymentTarget {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  readonly offVersion: string;
  readonly killSwitchStrategyId: string;
}

export type FirstDeploymentOutcome =
  | { readonly kind: 'started'; readonly deploymentNumber: number }
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * Starts the flag at `off` — once, on a brand-new environment. Any deployment of the profile
 * already there (a stack upgraded from a release whose template owned a deployment, or an
 * environment someone deployed to by hand) means the live phase is owned by AppConfig
 * deployments already, and `cdk deploy` must not touch it.
 */
export async function deployOffIfNeverDeployed(appconfig: AppConfigClient, target: OffDeploymentTarget): Promise<FirstDeploymentOutcome> {
  const { applicationId, environmentId, profileId } = target;
  let nextToken: string | undefined;
  do {
    const page = await appconfig.send(new ListDeploymentsCommand({ ApplicationId: applicationId, EnvironmentId: environmentId, MaxResults: 50, NextToken: nextToken }));
    const existing = (page.Items ?? []).find((d) => d.ConfigurationProfileId === undefined || d.ConfigurationProfileId === profileId);
    if (existing) {
      return { kind: 'skipped', reason: `the environment already has deployment #${existing.DeploymentNumber ?? '?'} (${existing.State ?? 'unknown state'}) of the flag; the live phase is left as it is` };
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const started = await appconfig.send(new StartDeploymentCommand({
    ApplicationId: applicationId,
    EnvironmentId: environmentId,
    ConfigurationProfileId: profileId,
    ConfigurationVersion: target.offVersion,
    DeploymentStrategyId: target.killSwitchStrategyId,
    Description: 'first cdk deploy: the flag starts off (phases are advanced with npx rollout advance or in the AppConfig console)',
  }));
  return { kind: 'started', deploymentNumber: started.DeploymentNumber ?? 0 };
}
