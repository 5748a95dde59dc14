import { ALARM_NAMES, alarmName, type AlarmKey } from '../../../lib/domain/alarm-names';
import { phaseLabels } from '../../../lib/domain/phases';
import { shippedConfig } from '../../fixtures/config';
import { FakeAppConfig, type StrategyTiming } from './fake-appconfig';
import { FakeCloudWatch } from './fake-cloudwatch';
import { FakeSsm } from './fake-ssm';
import { putHealthyTraffic } from './gateway-traffic';
import { NO_WINDOW_RESET } from '../../../lib/domain/judge/window-reset';
import { windowResetParameterName } from '../../../lib/domain/judge/window-reset-parameter';

export interface ShippedRollout {
  readonly appconfig: FakeAppConfig;
  readonly cloudwatch: FakeCloudWatch;
  /** Parameter Store, with the judge's window-reset parameter as the stack creates it (`{}`). */
  readonly ssm: FakeSsm;
  /** `<stackName>/rollback`: the composite alarm AppConfig watches. */
  readonly rollbackAlarm: string;
}

export interface ShippedRolloutOptions {
  /** How long a rollback stays ROLLING_BACK. @default 10 */
  readonly rollbackSeconds?: number;
  /** How long AppConfig's monitor takes to act on the rollback alarm. @default 0 */
  readonly monitorDelaySeconds?: number;
  /** The least time any deployment is DEPLOYING. @default 1 */
  readonly minimumDeploySeconds?: number;
  /**
   * When the fake CloudWatch holds a healthy minute of gateway traffic (a million calls to each
   * model, none failed), so the judge passes the phase and its planned sample is met; null for
   * none. @default 10 minutes before the real time now
   */
  readonly healthyTrafficAt?: Date | null;
}

/**
 * The AppConfig resources and CloudWatch alarms the stack creates for the shipped
 * rollout.config.json, all alarms OK since `createdAt`: the rollback alarm is a composite
 * alarm (as the stack builds it), every other one a metric alarm. Each strategy runs with its
 * phase's duration and bake (the off strategy all at once, no bake, as the stack makes it), and
 * the rollback alarm is the environment's monitor.
 */
export function shippedRollout(createdAt: Date, options: ShippedRolloutOptions = {}): ShippedRollout {
  const config = shippedConfig();
  const labels = phaseLabels(config);
  const strategyOf = (label: string): string => `${config.appConfig.applicationName}-${label}`;
  const strategyTimings: Record<string, StrategyTiming> = {};
  for (const p of config.rollout.phases) {
    strategyTimings[strategyOf(p.name)] = {
      durationMinutes: p.deployment.durationMinutes,
      finalBakeMinutes: p.deployment.finalBakeMinutes,
      growthFactor: p.deployment.growthFactor,
    };
  }
  const appconfig = new FakeAppConfig({
    applicationName: config.appConfig.applicationName,
    environmentName: config.appConfig.environmentName,
    profileName: config.appConfig.profileName,
    labels,
    strategyNames: labels.map(strategyOf),
    strategyTimings,
    rollbackSeconds: options.rollbackSeconds,
    monitorDelaySeconds: options.monitorDelaySeconds,
    minimumDeploySeconds: options.minimumDeploySeconds,
  });
  const cloudwatch = new FakeCloudWatch(config.aws.region);
  for (const key of Object.keys(ALARM_NAMES) as AlarmKey[]) {
    const name = alarmName(config, key);
    cloudwatch
      .putAlarm(name, key === 'rollback' ? 'CompositeAlarm' : 'MetricAlarm', createdAt)
      .setState(name, 'OK', createdAt, 'Initial evaluation: OK');
  }
  const rollbackAlarm = alarmName(config, 'rollback');
  appconfig.watch(() => cloudwatch.firingSince(rollbackAlarm));
  const trafficAt = options.healthyTrafficAt === undefined ? new Date(Date.now() - 600_000) : options.healthyTrafficAt;
  if (trafficAt) putHealthyTraffic(cloudwatch.metrics, config, trafficAt, 1_000_000);
  const ssm = new FakeSsm().seed(windowResetParameterName(config), NO_WINDOW_RESET, createdAt);
  return { appconfig, cloudwatch, ssm, rollbackAlarm };
}

/** A phase deployed and completed `completedHoursAgo` (it took half an hour). */
export function completedPhase(
  appconfig: FakeAppConfig,
  label: string,
  completedHoursAgo: number,
  now = new Date(),
): void {
  const completedAt = new Date(now.getTime() - completedHoursAgo * 3_600_000);
  appconfig.addDeployment({
    version: appconfig.versionOf(label),
    strategyId: appconfig.strategyIdOf(`${shippedConfig().appConfig.applicationName}-${label}`),
    state: 'COMPLETE',
    percentComplete: 100,
    startedAt: new Date(completedAt.getTime() - 1_800_000),
    completedAt,
  });
}

/** A phase deployment started `startedHoursAgo`, left to progress on the fake's clock (deploying, then baking). */
export function startedPhase(
  appconfig: FakeAppConfig,
  label: string,
  startedHoursAgo: number,
  now = new Date(),
): number {
  return appconfig.addDeployment({
    version: appconfig.versionOf(label),
    strategyId: appconfig.strategyIdOf(`${shippedConfig().appConfig.applicationName}-${label}`),
    state: 'DEPLOYING',
    percentComplete: 0,
    startedAt: new Date(now.getTime() - startedHoursAgo * 3_600_000),
  }).number;
}
