import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
  type AppConfigClient,
  type DeploymentSummary,
} from '@aws-sdk/client-appconfig';
import { DisableAlarmActionsCommand, EnableAlarmActionsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { isInFlight, type DeploymentState, type DeploymentView } from '../domain/rollback-plan';

/** The AppConfig resources of one rollout, by id. */
export interface FlagTarget {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  /** Hosted version number of the "off" (kill-switch) version. */
  readonly offVersion: string;
  readonly killSwitchStrategyId: string;
  /** The composite alarm AppConfig watches (its actions are paused while the flag is turned off). */
  readonly rollbackAlarmName: string;
}

export interface DeploymentsOptions {
  /** How long to wait for the off version to finish deploying. @default 120000 */
  readonly offDeployTimeoutMs?: number;
  /** @default 2000 */
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** AppConfig deployment calls for one flag: read the latest, stop, revert, deploy the off version. */
export class FlagDeployments {
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(
    private readonly appconfig: AppConfigClient,
    private readonly cloudwatch: CloudWatchClient,
    private readonly target: FlagTarget,
    private readonly options: DeploymentsOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The newest deployment of the flag profile to the environment, if any. */
  public async latest(): Promise<DeploymentView | undefined> {
    return (await this.recent())[0];
  }

  /** The flag profile's recent deployments to the environment (up to 50), newest first. */
  public async recent(): Promise<DeploymentView[]> {
    const { applicationId, environmentId, profileId } = this.target;
    const out = await this.appconfig.send(new ListDeploymentsCommand({ ApplicationId: applicationId, EnvironmentId: environmentId, MaxResults: 50 }));
    return (out.Items ?? [])
      .filter((d) => d.ConfigurationProfileId === undefined || d.ConfigurationProfileId === profileId)
      .sort((a, b) => (b.DeploymentNumber ?? 0) - (a.DeploymentNumber ?? 0))
      .map(toView);
  }

  /** One deployment, by number. */
  public async get(deploymentNumber: number): Promise<DeploymentView> {
    return toView(await this.appconfig.send(new GetDeploymentCommand({ ...this.ids(), DeploymentNumber: deploymentNumber })));
  }

  /** Starts deploying `version` with `strategyId`; returns the new deployment. */
  public async start(version: string, strategyId: string, description: string): Promise<DeploymentView> {
    const out = await this.appconfig.send(new StartDeploymentCommand({
      ...this.ids(),
      ConfigurationProfileId: this.target.profileId,
      ConfigurationVersion: version,
      DeploymentStrategyId: strategyId,
      Description: description,
    }));
    return toView(out);
  }

  /** Stops a deployment in flight; AppConfig rolls it back to the previous version. */
  public async stop(deploymentNumber: number): Promise<void> {
    await this.appconfig.send(new StopDeploymentCommand({ ...this.ids(), DeploymentNumber: deploymentNumber }));
  }

  /** Reverts a deployment completed within 72 h to the version deployed before it. */
  public async revert(deploymentNumber: number): Promise<void> {
    await this.appconfig.send(new StopDeploymentCommand({ ...this.ids(), DeploymentNumber: deploymentNumber, AllowRevert: true }));
  }

  /**
   * Deploys the off version with the all-at-once strategy and waits for it to complete.
   * AppConfig would roll this deployment back too while the rollback alarm is in ALARM —
   * undoing the kill switch — unless the alarm's actions are disabled: so they are paused for
   * the deployment and restored once it has settled. If it is still in flight when the wait
   * ends, they stay paused (`alarmActionsPaused`) and the caller says how to restore them.
   */
  public async deployOff(description: string): Promise<DeploymentView & { alarmActionsPaused: boolean }> {
    const { killSwitchStrategyId, offVersion, rollbackAlarmName } = this.target;
    await this.cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: [rollbackAlarmName] }));
    let settled = true;
    try {
      const started = await this.start(offVersion, killSwitchStrategyId, description);
      const end = await this.waitForEnd(started.number);
      settled = !isInFlight(end) && end.state !== 'ROLLING_BACK';
      return { ...end, alarmActionsPaused: !settled };
    } finally {
      if (settled) await this.cloudwatch.send(new EnableAlarmActionsCommand({ AlarmNames: [rollbackAlarmName] }));
    }
  }

  /**
   * Polls a deployment until it settles (not DEPLOYING/BAKING/VALIDATING/ROLLING_BACK) or `timeoutMs` passes;
   * `onPoll` sees every reading (for progress displays).
   */
  public async waitForEnd(deploymentNumber: number, onPoll?: (d: DeploymentView) => void, timeoutMs = this.options.offDeployTimeoutMs ?? 120_000): Promise<DeploymentView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.get(deploymentNumber);
      onPoll?.(view);
      if ((!isInFlight(view) && view.state !== 'ROLLING_BACK') || Date.now() >= deadline) return view;
      await this.sleep(this.options.pollIntervalMs ?? 2000);
    }
  }

  private ids(): { ApplicationId: string; EnvironmentId: string } {
    return { ApplicationId: this.target.applicationId, EnvironmentId: this.target.environmentId };
  }
}

function toView(d: DeploymentSummary): DeploymentView {
  return {
    number: d.DeploymentNumber ?? 0,
    version: d.ConfigurationVersion ?? '',
    label: d.VersionLabel,
    state: (d.State ?? 'COMPLETE') as DeploymentState,
    startedAt: d.StartedAt,
    completedAt: d.CompletedAt,
    percentComplete: d.PercentageComplete,
    durationMinutes: d.DeploymentDurationInMinutes,
    finalBakeMinutes: d.FinalBakeTimeInMinutes,
  };
}
