import { ALARM_NAMES, alarmName, type AlarmKey } from '../../../lib/domain/alarm-names';
import { phaseLabels } from '../../../lib/domain/phases';
import { shippedConfig } from '../../fixtures/config';
import { FakeAppConfig } from './fake-appconfig';
import { FakeCloudWatch } from './fake-cloudwatch';

export interface ShippedRollout {
  readonly appconfig: FakeAppConfig;
  readonly cloudwatch: FakeCloudWatch;
  /** `<stackName>/rollback`: the composite alarm AppConfig watches. */
  readonly rollbackAlarm: string;
}

/**
 * The AppConfig resources and CloudWatch alarms the stack creates for the shipped
 * rollout.config.json, all alarms OK since `createdAt`: the rollback alarm is a composite
 * alarm (as the stack builds it), every other one a metric alarm.
 */
export function shippedRollout(createdAt: Date): ShippedRollout {
  const config = shippedConfig();
  const labels = phaseLabels(config);
  const appconfig = new FakeAppConfig({
    applicationName: config.appConfig.applicationName,
    environmentName: config.appConfig.environmentName,
    profileName: config.appConfig.profileName,
    labels,
    strategyNames: labels.map((l) => `${config.appConfig.applicationName}-${l}`),
  });
  const cloudwatch = new FakeCloudWatch(config.aws.region);
  for (const key of Object.keys(ALARM_NAMES) as AlarmKey[]) {
    const name = alarmName(config, key);
    cloudwatch.putAlarm(name, key === 'rollback' ? 'CompositeAlarm' : 'MetricAlarm', createdAt).setState(name, 'OK', createdAt, 'Initial evaluation: OK');
  }
  return { appconfig, cloudwatch, rollbackAlarm: alarmName(config, 'rollback') };
}

/** A phase deployed and completed `completedHoursAgo` (it took half an hour). */
export function completedPhase(appconfig: FakeAppConfig, label: string, completedHoursAgo: number, now = new Date()): void {
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
