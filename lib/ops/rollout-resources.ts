import {
  paginateListApplications,
  paginateListConfigurationProfiles,
  paginateListDeploymentStrategies,
  paginateListEnvironments,
  paginateListHostedConfigurationVersions,
  type AppConfigClient,
} from '@aws-sdk/client-appconfig';
import { alarmName } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import { phaseLabels, type PhaseName } from '../domain/phases';
import type { FlagTarget } from './appconfig-deployments';

/** A resource of the rollout is not where its config says: the message names it, where, and what to check. */
export class RolloutResourcesError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RolloutResourcesError';
  }
}

/** The deployed AppConfig resources of a rollout, found by the names in its config. */
export interface RolloutResources {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  /** Hosted version number by label (the newest version of each label). */
  readonly versions: ReadonlyMap<PhaseName, string>;
  /** Deployment strategy id by phase (strategy named `<application>-<phase>`). */
  readonly strategies: ReadonlyMap<PhaseName, string>;
}

/**
 * Finds the application, environment, profile, labelled versions and strategies that
 * `cdk deploy` created, by the names in config. Anything missing is an error that says
 * which name was looked for where, and what to check.
 */
export async function resolveRolloutResources(
  client: AppConfigClient,
  config: RolloutConfig,
): Promise<RolloutResources> {
  const names = config.appConfig;
  const where = `in ${config.aws.region}`;
  const deployHint =
    'deploy the stack first (npx cdk deploy), or check the name in rollout.config.json and the AWS region/account of your credentials';

  const applicationId = await findId(
    paginateListApplications({ client }, {}),
    names.applicationName,
    `AppConfig application '${names.applicationName}' not found ${where}: ${deployHint}.`,
  );
  const environmentId = await findId(
    paginateListEnvironments({ client }, { ApplicationId: applicationId }),
    names.environmentName,
    `AppConfig environment '${names.environmentName}' not found in application '${names.applicationName}': ${deployHint}.`,
  );
  const profileId = await findId(
    paginateListConfigurationProfiles({ client }, { ApplicationId: applicationId }),
    names.profileName,
    `AppConfig configuration profile '${names.profileName}' not found in application '${names.applicationName}': ${deployHint}.`,
  );

  const versions = new Map<PhaseName, string>();
  const newest = new Map<PhaseName, number>();
  for await (const page of paginateListHostedConfigurationVersions(
    { client },
    { ApplicationId: applicationId, ConfigurationProfileId: profileId },
  )) {
    for (const v of page.Items ?? []) {
      if (!v.VersionLabel || v.VersionNumber === undefined) continue;
      if ((newest.get(v.VersionLabel) ?? -1) < v.VersionNumber) {
        newest.set(v.VersionLabel, v.VersionNumber);
        versions.set(v.VersionLabel, String(v.VersionNumber));
      }
    }
  }

  const strategies = new Map<PhaseName, string>();
  const wanted = new Map(phaseLabels(config).map((label) => [`${names.applicationName}-${label}`, label]));
  for await (const page of paginateListDeploymentStrategies({ client }, {})) {
    for (const s of page.Items ?? []) {
      const label = s.Name ? wanted.get(s.Name) : undefined;
      if (label && s.Id) strategies.set(label, s.Id);
    }
  }
  const missing = phaseLabels(config).filter((label) => !versions.has(label) || !strategies.has(label));
  if (missing.length) {
    throw new RolloutResourcesError(
      `The flag has no labelled version or strategy for phase(s) ${missing.join(', ')} ${where}: the stack was deployed from a different config. Run npx cdk deploy with this rollout.config.json.`,
    );
  }
  return { applicationId, environmentId, profileId, versions, strategies };
}

/** The ids the deployment calls need, from the resolved resources. */
export function flagTarget(resources: RolloutResources, config: RolloutConfig): FlagTarget {
  return {
    applicationId: resources.applicationId,
    environmentId: resources.environmentId,
    profileId: resources.profileId,
    offVersion: required(resources.versions, 'off'),
    killSwitchStrategyId: required(resources.strategies, 'off'),
    rollbackAlarmName: alarmName(config, 'rollback'),
  };
}

export function required(map: ReadonlyMap<PhaseName, string>, label: PhaseName): string {
  const value = map.get(label);
  if (!value) throw new RolloutResourcesError(`No flag version or strategy for phase '${label}'.`);
  return value;
}

async function findId(
  pages: AsyncIterable<{ Items?: { Id?: string; Name?: string }[] }>,
  name: string,
  notFound: string,
): Promise<string> {
  for await (const page of pages) {
    const hit = (page.Items ?? []).find((item) => item.Name === name);
    if (hit?.Id) return hit.Id;
  }
  throw new RolloutResourcesError(notFound);
}
