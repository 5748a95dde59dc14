import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient, paginateDescribeAlarmHistory, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { alarmName, alarmNamePrefix } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import type { PhaseName } from '../domain/phases';
import type { DeploymentView } from '../domain/rollback-plan';
import { inFlightOf, livePhaseOf, type AlarmReading, type LivePhase } from '../domain/rollout-progress';
import { FlagDeployments, type DeploymentsOptions } from './appconfig-deployments';
import { evaluateJudge, type JudgeEvaluation } from './judge-evaluation';
import { judgeRuntimeSettingsFrom } from '../domain/judge/judge-runtime-settings';
import { windowResetParameterName } from '../domain/judge/window-reset-parameter';
import { flagTarget, resolveRolloutResources, type RolloutResources } from './rollout-resources';

/** Everything status and the advance gates look at, read once. */
export interface RolloutSnapshot {
  readonly resources: RolloutResources;
  readonly deployments: readonly DeploymentView[];
  readonly live: LivePhase;
  readonly inFlight?: DeploymentView;
  readonly alarms: readonly AlarmReading[];
  /**
   * When the rollback alarm's actions are disabled: the newest off deployment, read in full — its
   * Description says who paused them for it.
   */
  readonly pausedFor?: DeploymentView;
}

/**
 * Wraps each AWS read with what it was for (`action`), so a failure can be explained in those
 * words (the CLI passes its `withAwsErrors`): lib/ops knows AWS, not how on-call is told.
 */
export type AwsCallExplainer = <T>(action: string, fn: () => Promise<T>) => Promise<T>;

/** No explanation: the AWS SDK's own errors. */
export const unexplained: AwsCallExplainer = (_action, fn) => fn();

export interface AwsClients {
  readonly appconfig: AppConfigClient;
  readonly cloudwatch: CloudWatchClient;
  /** Parameter Store: the judge's window-reset record. */
  readonly ssm: SSMClient;
}

/** Attempts per AWS call (the SDK retries throttling and AWS's 5xx failures in between). */
export const AWS_MAX_ATTEMPTS = 5;

/**
 * Clients in the stack's region (from config). The SDK's standard settings apply: credentials
 * from the default provider chain, endpoints overridable with AWS_ENDPOINT_URL_APPCONFIG,
 * AWS_ENDPOINT_URL_CLOUDWATCH and AWS_ENDPOINT_URL_SSM (how tests point them at a local fake).
 */
export function createAwsClients(config: RolloutConfig): AwsClients {
  const options = { region: config.aws.region, maxAttempts: AWS_MAX_ATTEMPTS };
  return {
    appconfig: new AppConfigClient(options),
    cloudwatch: new CloudWatchClient(options),
    ssm: new SSMClient(options),
  };
}

/** Reads the rollout's AppConfig and CloudWatch state. */
export class RolloutReader {
  public constructor(
    private readonly config: RolloutConfig,
    private readonly clients: AwsClients,
    private readonly deploymentOptions: DeploymentsOptions = {},
    private readonly explain: AwsCallExplainer = unexplained,
  ) {}

  public deploymentsFor(resources: RolloutResources): FlagDeployments {
    return new FlagDeployments(
      this.clients.appconfig,
      this.clients.cloudwatch,
      flagTarget(resources, this.config),
      this.deploymentOptions,
    );
  }

  public async snapshot(): Promise<RolloutSnapshot> {
    const resources = await this.explain('find the rollout in AppConfig', () =>
      resolveRolloutResources(this.clients.appconfig, this.config),
    );
    const flag = this.deploymentsFor(resources);
    const listed = await this.explain('list the flag deployments', () => flag.recent());
    const deployments = await this.explain('read when the flag was rolled back', () => withUndoneTimes(flag, listed));
    const labels = new Map([...resources.versions].map(([label, version]) => [version, label]));
    const labelOf = (version: string): PhaseName | undefined => labels.get(version);
    const named = deployments.map((d) => ({ ...d, label: labelOf(d.version) ?? d.label }));
    const alarms = await this.explain('read the rollout alarms', () => this.alarms());
    const paused = alarms.some((a) => a.name === alarmName(this.config, 'rollback') && a.actionsEnabled === false);
    const newestOff = paused ? named.find((d) => d.version === flag.offVersion) : undefined;
    const pausedFor = newestOff
      ? {
          ...(await this.explain(`read deployment #${newestOff.number}`, () => flag.get(newestOff.number))),
          label: newestOff.label,
        }
      : undefined;
    return {
      resources,
      deployments: named,
      live: livePhaseOf(named, labelOf),
      inFlight: inFlightOf(named),
      alarms,
      ...(pausedFor ? { pausedFor } : {}),
    };
  }

  /**
   * The judge's look now, by its own code on the same reads (lib/ops/judge-evaluation.ts): the
   * window since the live phase's deployment, last rollback or window reset, and its verdicts.
   */
  public async judge(resources: RolloutResources, now: Date): Promise<JudgeEvaluation> {
    return this.explain("read the judge's window and metrics", () =>
      evaluateJudge({
        settings: judgeRuntimeSettingsFrom(this.config),
        deployments: this.deploymentsFor(resources),
        ssm: this.clients.ssm,
        resetParameter: windowResetParameterName(this.config),
        cloudwatch: this.clients.cloudwatch,
        now,
      }),
    );
  }

  /** Every alarm of the stack (`<stackName>/...`), composite first. */
  public async alarms(): Promise<AlarmReading[]> {
    const out: AlarmReading[] = [];
    const pages = paginateDescribeAlarms(
      { client: this.clients.cloudwatch },
      {
        AlarmNamePrefix: `${alarmNamePrefix(this.config)}/`,
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
      },
    );
    for await (const page of pages) {
      for (const a of [...(page.CompositeAlarms ?? []), ...(page.MetricAlarms ?? [])]) {
        out.push({
          name: a.AlarmName ?? '?',
          state: a.StateValue ?? 'INSUFFICIENT_DATA',
          reason: a.StateReason,
          updatedAt: a.StateUpdatedTimestamp,
          actionsEnabled: a.ActionsEnabled,
        });
      }
    }
    return out;
  }

  /**
   * When the rollback alarm entered ALARM between `since` and `until`. Without AlarmTypes,
   * DescribeAlarmHistory returns metric alarms' history only, and the rollback alarm is a
   * composite alarm: so both types are asked for, which also keeps working should the
   * rollback alarm ever become a metric alarm.
   */
  public async rollbackAlarmFirings(since: Date, until: Date): Promise<Date[]> {
    const fired: Date[] = [];
    const pages = paginateDescribeAlarmHistory(
      { client: this.clients.cloudwatch },
      {
        AlarmName: alarmName(this.config, 'rollback'),
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
        HistoryItemType: 'StateUpdate',
        StartDate: since,
        EndDate: until,
      },
    );
    await this.explain('read the rollback alarm history', async () => {
      for await (const page of pages) {
        for (const item of page.AlarmHistoryItems ?? []) {
          if (item.Timestamp && enteredAlarm(item.HistoryData)) fired.push(item.Timestamp);
        }
      }
    });
    return fired;
  }
}

/**
 * The deployments newer than the one in effect that were rolled back or reverted, read in full
 * for when that happened (their event log): the live phase's watch window restarts then.
 */
async function withUndoneTimes(
  flag: FlagDeployments,
  deployments: readonly DeploymentView[],
): Promise<DeploymentView[]> {
  const live = deployments.findIndex((d) => d.state === 'COMPLETE');
  return Promise.all(
    deployments.map(async (d, i) => {
      // With no phase in effect there is no watch window to restart.
      if (live < 0 || i > live || (d.state !== 'ROLLED_BACK' && d.state !== 'REVERTED')) return d;
      const full = await flag.get(d.number);
      return full.undoneAt ? { ...d, undoneAt: full.undoneAt } : d;
    }),
  );
}

function enteredAlarm(historyData: string | undefined): boolean {
  if (!historyData) return false;
  try {
    const data = JSON.parse(historyData) as { newState?: { stateValue?: string } };
    return data.newState?.stateValue === 'ALARM';
  } catch {
    return false;
  }
}
