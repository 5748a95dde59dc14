import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmCatalog, type AlarmDocs } from '../domain/alarm-catalog';
import { ALARM_NAMES, alarmNamePrefix, ownerText, type AlarmKey } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import type { ModelMetricName } from '../domain/metric-names';
import { notifySns, RolloutAlarmFactory, type IAlarmActionStrategy } from './alarm-factory';
import type { GatewayMetrics } from './gateway-metrics';

export interface RolloutAlarmsProps {
  readonly config: RolloutConfig;
  /** The gateway function, for its own health alarms. */
  readonly gatewayFunction: lambda.IFunction;
  /** The gateway's metrics (owned by the gateway, which emits them). */
  readonly metrics: GatewayMetrics;
  /** Where pages go (ALARM and OK). */
  readonly pageTopic: sns.ITopic;
}

/**
 * The guard rails on the gateway's metrics: cohort-scoped alarms on the new model, the
 * flag's health, and one composite rollback alarm over them — the AppConfig environment's
 * monitor and the guard's trigger. The gateway's own health pages separately: rolling the
 * flag back does not mend a broken function.
 */
export class RolloutAlarms extends Construct {
  /** Any new-model or flag alarm in ALARM: roll the phase back. */
  public readonly rollbackAlarm: cloudwatch.CompositeAlarm;
  /** The alarms the rollback alarm combines. */
  public readonly rolloutAlarms: readonly cloudwatch.Alarm[];
  /** Gateway function health (pages, does not roll back). */
  public readonly healthAlarms: readonly cloudwatch.Alarm[];
  private readonly factory: RolloutAlarmFactory;
  private readonly page: IAlarmActionStrategy;
  private readonly catalog: Readonly<Record<AlarmKey, AlarmDocs>>;

  public constructor(scope: Construct, id: string, props: RolloutAlarmsProps) {
    super(scope, id);
    const { config, gatewayFunction, pageTopic, metrics: m } = props;
    const a = config.alarms;
    const period = Duration.minutes(a.periodMinutes);
    const model = config.llm.newModelAlias;
    const factory = (this.factory = new RolloutAlarmFactory(this, {
      namePrefix: alarmNamePrefix(config),
      evaluation: { period, evaluationPeriods: a.evaluationPeriods, datapointsToAlarm: a.datapointsToAlarm },
      owner: ownerText(config),
    }));
    const page = (this.page = notifySns(pageTopic));
    const catalog = (this.catalog = alarmCatalog(config));
    // The new model's calls on the rollout route only: a request that names the new model
    // itself (Route=direct) must never roll a phase back or page as the rollout.
    const rollout = (name: ModelMetricName, statistic?: string): cloudwatch.Metric =>
      m.routeMetric(name, model, 'rollout', statistic);
    const requests = rollout('Requests');

    const rolloutAlarms = [
      factory.addRateAlarm('NewModelErrorRate', ALARM_NAMES.newModelErrorRate, {
        // Requests the circuit breaker kept from the new model count as failed: otherwise an
        // open breaker leaves too few calls to judge, and a dead model would never alarm.
        numerator: [rollout('ModelErrors'), rollout('CircuitOpen')],
        denominator: [requests, rollout('CircuitOpen')],
        thresholdPercent: a.errorRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        docs: catalog.newModelErrorRate,
      }),
      factory.addPercentileAlarm('NewModelLatencyP99', ALARM_NAMES.newModelLatencyP99, {
        metric: rollout('Latency', 'p99'),
        thresholdMs: a.latencyP99Ms,
        docs: catalog.newModelLatencyP99,
      }),
      factory.addPercentileAlarm('NewModelTtftP99', ALARM_NAMES.newModelTimeToFirstTokenP99, {
        metric: rollout('TimeToFirstToken', 'p99'),
        thresholdMs: a.timeToFirstTokenP99Ms,
        docs: catalog.newModelTimeToFirstTokenP99,
      }),
      factory.addRateAlarm('NewModelThrottleRate', ALARM_NAMES.newModelThrottleRate, {
        numerator: rollout('Throttles'),
        denominator: requests,
        thresholdPercent: a.throttleRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        docs: catalog.newModelThrottleRate,
      }),
      factory.addRateAlarm('NewModelModerationRate', ALARM_NAMES.newModelModerationRate, {
        numerator: rollout('ModerationFlags'),
        denominator: requests,
        thresholdPercent: a.moderationFlagRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        docs: catalog.newModelModerationRate,
      }),
      factory.addCountAlarm('FlagErrors', ALARM_NAMES.flagErrors, {
        metric: m.metric('FlagErrors', undefined),
        threshold: a.flagErrorsPerPeriod,
        docs: catalog.flagErrors,
      }),
    ];
    this.rolloutAlarms = rolloutAlarms;

    this.rollbackAlarm = factory.addAnyOfAlarm('Rollback', ALARM_NAMES.rollback, rolloutAlarms, catalog.rollback, page);

    const fnMetric = (name: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: name,
        dimensionsMap: { FunctionName: gatewayFunction.functionName },
        statistic: 'Sum',
        period,
      });
    this.healthAlarms = [
      factory.addCountAlarm('GatewayErrors', ALARM_NAMES.gatewayErrors, {
        metric: gatewayFunction.metricErrors({ period, statistic: 'Sum' }),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: catalog.gatewayErrors,
      }),
      factory.addCountAlarm('GatewayThrottles', ALARM_NAMES.gatewayThrottles, {
        metric: gatewayFunction.metricThrottles({ period, statistic: 'Sum' }),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: catalog.gatewayThrottles,
      }),
      // The vendor refuses the gateway's own key: every request fails for every model. It pages
      // but never rolls back — the new model is not at fault.
      factory.addCountAlarm('VendorAuthFailures', ALARM_NAMES.vendorAuthFailures, {
        metric: m.metric('VendorAuthFailures', undefined),
        threshold: 1,
        firstBreach: true,
        action: page,
        docs: catalog.vendorAuthFailures,
      }),
      factory.addCountAlarm('GatewayUrl5xx', ALARM_NAMES.gatewayUrl5xx, {
        metric: fnMetric('Url5xxCount'),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: catalog.gatewayUrl5xx,
      }),
    ];
  }

  /** Pages when the rollback guard fails (after Lambda's retries the flag may still be on). */
  public addGuardFailureAlarm(guardFunction: lambda.IFunction): cloudwatch.Alarm {
    return this.factory.addCountAlarm('GuardFailures', ALARM_NAMES.guardFailures, {
      // Not Errors: a failed attempt that Lambda's retry then fixes is no failure of the guard.
      // AWS Lambda Developer Guide, "Types of metrics for Lambda functions", asynchronous
      // invocation metrics: AsyncEventsDropped counts the events dropped without the function
      // succeeding — after the retries are spent (or the event aged out), once the event went
      // to the on-failure destination, which pages with it.
      metric: guardFunction.metric('AsyncEventsDropped', { period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      firstBreach: true,
      action: this.page,
      docs: this.catalog.guardFailures,
    });
  }
}
