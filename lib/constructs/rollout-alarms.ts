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
  /**
   * The judge's JudgeVerdict alarms (RolloutJudge): with the flag-errors alarm, what the rollback
   * alarm combines.
   */
  readonly judgeVerdictAlarms: readonly cloudwatch.IAlarm[];
}

/**
 * The guard rails on the gateway's metrics, and the composite rollback alarm — the AppConfig
 * environment's monitor and the guard's trigger — over the judge's verdicts and the flag's
 * health. The new model's fixed thresholds page but do not roll back: a threshold on the new
 * model alone is blind at canary traffic and fires on a vendor-wide blip that hits both models;
 * the judge compares the two models instead. The gateway's own health pages too: rolling the
 * flag back does not mend a broken function.
 */
export class RolloutAlarms extends Construct {
  /** Any judge verdict or the flag-errors alarm in ALARM: roll the phase back. */
  public readonly rollbackAlarm: cloudwatch.CompositeAlarm;
  /** Fixed thresholds on the new model's rollout calls: they page, they do not roll back. */
  public readonly newModelAlarms: readonly cloudwatch.Alarm[];
  /**
   * The flag could not be read: it rolls back (a malformed flag version is undone by the
   * rollback), since no comparison of the models can see it.
   */
  public readonly flagErrorsAlarm: cloudwatch.Alarm;
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

    this.newModelAlarms = [
      factory.addRateAlarm('NewModelErrorRate', ALARM_NAMES.newModelErrorRate, {
        // Requests the circuit breaker kept from the new model count as failed: otherwise an
        // open breaker leaves too few calls to judge, and a dead model would never alarm.
        numerator: [rollout('ModelErrors'), rollout('CircuitOpen')],
        denominator: [requests, rollout('CircuitOpen')],
        thresholdPercent: a.errorRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        action: page,
        docs: catalog.newModelErrorRate,
      }),
      factory.addPercentileAlarm('NewModelLatencyP99', ALARM_NAMES.newModelLatencyP99, {
        metric: rollout('Latency', 'p99'),
        thresholdMs: a.latencyP99Ms,
        action: page,
        docs: catalog.newModelLatencyP99,
      }),
      factory.addPercentileAlarm('NewModelTtftP99', ALARM_NAMES.newModelTimeToFirstTokenP99, {
        metric: rollout('TimeToFirstToken', 'p99'),
        thresholdMs: a.timeToFirstTokenP99Ms,
        action: page,
        docs: catalog.newModelTimeToFirstTokenP99,
      }),
      factory.addRateAlarm('NewModelThrottleRate', ALARM_NAMES.newModelThrottleRate, {
        numerator: rollout('Throttles'),
        denominator: requests,
        thresholdPercent: a.throttleRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        action: page,
        docs: catalog.newModelThrottleRate,
      }),
      factory.addRateAlarm('NewModelModerationRate', ALARM_NAMES.newModelModerationRate, {
        numerator: rollout('ModerationFlags'),
        denominator: requests,
        thresholdPercent: a.moderationFlagRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        action: page,
        docs: catalog.newModelModerationRate,
      }),
      // Requests the new model refused (4xx) that the default model then answered: they page,
      // and never roll back (the users were served; the requests or the catalog rules need work).
      factory.addRateAlarm('NewModelIncompatibleRate', ALARM_NAMES.newModelIncompatibleRate, {
        numerator: rollout('IncompatibleRequests'),
        denominator: requests,
        thresholdPercent: a.incompatibleRequestPercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        action: page,
        docs: catalog.newModelIncompatibleRate,
      }),
    ];
    this.flagErrorsAlarm = factory.addCountAlarm('FlagErrors', ALARM_NAMES.flagErrors, {
      metric: m.metric('FlagErrors', undefined),
      threshold: a.flagErrorsPerPeriod,
      docs: catalog.flagErrors,
    });

    // Never the judge's heartbeat: it starts in INSUFFICIENT_DATA and goes to ALARM before the
    // judge's first run (missing data is breaching there). Every alarm here treats missing data
    // as not breaching, and ALARM(x) is false while x is INSUFFICIENT_DATA, so at first deploy
    // the composite goes to OK, never ALARM.
    this.rollbackAlarm = factory.addAnyOfAlarm(
      'Rollback',
      ALARM_NAMES.rollback,
      [...props.judgeVerdictAlarms, this.flagErrorsAlarm],
      catalog.rollback,
      page,
    );

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
