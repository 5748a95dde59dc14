import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
  type AppConfigClient,
  type DeploymentEvent as SdkDeploymentEvent,
  type DeploymentSummary,
} from '@aws-sdk/client-appconfig';
import {
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch';
import { offDeploymentDescription, type AlarmPauser } from '../domain/alarm-pause';
import { undoneAtOf } from '../domain/deployment-events';
import { isOffDeployment, isUnsettled, type DeploymentView } from '../domain/rollback-plan';

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
  /** The clock waits are measured on (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** The off deployment as its wait left it. */
export type OffDeployment = DeploymentView & {
  /** Still in flight when the wait ended: the alarm's actions stay paused for it. */
  readonly alarmActionsPaused: boolean;
};

/** Whether the rollback alarm's actions were restored, or which off deployment still needs them paused. */
export type AlarmRestore = { readonly restored: true } | { readonly restored: false; readonly heldBy: DeploymentView };

/** AppConfig deployment calls for one flag: read, stop, revert, deploy the off version. */
export class FlagDeployments {
  private readonly sleep: (ms: number) => Promise<void>;
  public readonly now: () => number;

  public constructor(
    private readonly appconfig: AppConfigClient,
    private readonly cloudwatch: CloudWatchClient,
    private readonly target: FlagTarget,
    private readonly options: DeploymentsOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  public get offVersion(): string {
    return this.target.offVersion;
  }

  /** The newest deployment of the flag profile to the environment, if any. */
  public async latest(): Promise<DeploymentView | undefined> {
    return (await this.recent())[0];
  }

  /**
   * The flag profile's recent deployments to the environment (up to 50), newest first.
   * `signal` aborts the call (the judge's deadline for its run).
   */
  public async recent(signal?: AbortSignal): Promise<DeploymentView[]> {
    const { applicationId, environmentId, profileId } = this.target;
    const out = await this.appconfig.send(
      new ListDeploymentsCommand({ ApplicationId: applicationId, EnvironmentId: environmentId, MaxResults: 50 }),
      { abortSignal: signal },
    );
    return (out.Items ?? [])
      .filter((d) => d.ConfigurationProfileId === undefined || d.ConfigurationProfileId === profileId)
      .sort((a, b) => (b.DeploymentNumber ?? 0) - (a.DeploymentNumber ?? 0))
      .map(toView);
  }

  /** One deployment, by number, with its Description and (rolled back or reverted) when it was undone. */
  public async get(deploymentNumber: number, signal?: AbortSignal): Promise<DeploymentView> {
    const out = await this.appconfig.send(
      new GetDeploymentCommand({ ...this.ids(), DeploymentNumber: deploymentNumber }),
      { abortSignal: signal },
    );
    const undoneAt = undoneAtOf((out.EventLog ?? []).map(toEvent));
    return {
      ...toView(out),
      ...(out.Description !== undefined ? { description: out.Description } : {}),
      ...(undoneAt ? { undoneAt } : {}),
    };
  }

  /** Starts deploying `version` with `strategyId`; returns the new deployment. */
  public async start(version: string, strategyId: string, description: string): Promise<DeploymentView> {
    const out = await this.appconfig.send(
      new StartDeploymentCommand({
        ...this.ids(),
        ConfigurationProfileId: this.target.profileId,
        ConfigurationVersion: version,
        DeploymentStrategyId: strategyId,
        Description: description,
      }),
    );
    return toView(out);
  }

  /**
   * Stops a deployment in flight; AppConfig rolls it back to the previous version. Without
   * AllowRevert AppConfig stops only a DEPLOYING deployment: a bake needs `allowRevert`.
   */
  public async stop(deploymentNumber: number, allowRevert = false): Promise<void> {
    await this.appconfig.send(
      new StopDeploymentCommand({
        ...this.ids(),
        DeploymentNumber: deploymentNumber,
        ...(allowRevert ? { AllowRevert: true } : {}),
      }),
    );
  }

  /** Reverts a deployment completed within 72 h to the version deployed before it. */
  public async revert(deploymentNumber: number): Promise<void> {
    await this.appconfig.send(
      new StopDeploymentCommand({ ...this.ids(), DeploymentNumber: deploymentNumber, AllowRevert: true }),
    );
  }

  /**
   * Deploys the off version with the all-at-once strategy and waits for it to settle.
   * AppConfig would roll this deployment back too while the rollback alarm is in ALARM —
   * undoing the kill switch — unless the alarm's actions are disabled: so they are paused for
   * the deployment, `pausedBy` is recorded in its Description, and they are restored once no
   * off deployment is in flight. Still in flight when the wait ends, it keeps them paused
   * (`alarmActionsPaused`); the next guard run or `rollout rollback` restores them.
   */
  public async deployOff(
    reason: string,
    pausedBy: AlarmPauser,
    timeoutMs = this.options.offDeployTimeoutMs ?? 120_000,
  ): Promise<OffDeployment> {
    const { killSwitchStrategyId, offVersion } = this.target;
    await this.setAlarmActions(false);
    let failed = false;
    try {
      const started = await this.start(offVersion, killSwitchStrategyId, offDeploymentDescription(reason, pausedBy));
      const end = await this.waitForEnd(started.number, undefined, timeoutMs);
      return { ...end, alarmActionsPaused: isUnsettled(end) };
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // A failure to restore must not hide the failure that got us here.
      await this.restoreAlarmActions().catch((err: unknown) => {
        if (!failed) throw err;
      });
    }
  }

  /**
   * Re-enables the rollback alarm's actions unless an off deployment — anyone's — is in flight
   * and still needs them paused. Read again after enabling: an off deployment started in
   * between paused them just before it started, so they are paused again for it.
   */
  public async restoreAlarmActions(): Promise<AlarmRestore> {
    const before = await this.latest();
    // Read in full for its Description: who paused the actions for it.
    if (before && this.holdsPause(before)) return { restored: false, heldBy: await this.get(before.number) };
    await this.setAlarmActions(true);
    const after = await this.latest();
    if (after && after.number !== before?.number && this.holdsPause(after)) {
      await this.setAlarmActions(false);
      return { restored: false, heldBy: await this.get(after.number) };
    }
    return { restored: true };
  }

  /**
   * Polls a deployment until it settles (not DEPLOYING/BAKING/VALIDATING/ROLLING_BACK) or `timeoutMs` passes;
   * `onPoll` sees every reading (for progress displays).
   */
  public async waitForEnd(
    deploymentNumber: number,
    onPoll?: (d: DeploymentView) => void,
    timeoutMs = this.options.offDeployTimeoutMs ?? 120_000,
  ): Promise<DeploymentView> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const view = await this.get(deploymentNumber);
      onPoll?.(view);
      const left = deadline - this.now();
      if (!isUnsettled(view) || left <= 0) return view;
      await this.sleep(Math.min(this.options.pollIntervalMs ?? 2000, left));
    }
  }

  private holdsPause(d: DeploymentView): boolean {
    return isOffDeployment(d, this.target.offVersion) && isUnsettled(d);
  }

  private async setAlarmActions(enabled: boolean): Promise<void> {
    const input = { AlarmNames: [this.target.rollbackAlarmName] };
    await this.cloudwatch.send(enabled ? new EnableAlarmActionsCommand(input) : new DisableAlarmActionsCommand(input));
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
    state: d.State ?? 'COMPLETE',
    startedAt: d.StartedAt,
    completedAt: d.CompletedAt,
    percentComplete: d.PercentageComplete,
    durationMinutes: d.DeploymentDurationInMinutes,
    finalBakeMinutes: d.FinalBakeTimeInMinutes,
  };
}

function toEvent(e: SdkDeploymentEvent): { type: string; triggeredBy?: string; occurredAt?: Date } {
  return { type: e.EventType ?? '', triggeredBy: e.TriggeredBy, occurredAt: e.OccurredAt };
}
