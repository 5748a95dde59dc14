import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALARM_NAMES, alarmNamePrefix, ownerText } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import type { ModelMetricName } from '../domain/metric-names';
import { notifySns, RolloutAlarmFactory, type IAlarmActionStrategy } from './alarm-factory';
import { GatewayMetrics } from './gateway-metrics';

export interface RolloutAlarmsProps {
  readonly config: RolloutConfig;
  /** The gateway function, for its own health alarms. */
  readonly gatewayFunction: lambda.IFunction;
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
  public readonly metrics: GatewayMetrics;
  private readonly factory: RolloutAlarmFactory;
  private readonly page: IAlarmActionStrategy;

  public constructor(scope: Construct, id: string, props: RolloutAlarmsProps) {
    super(scope, id);
    const { config, gatewayFunction, pageTopic } = props;
    const a = config.alarms;
    const period = Duration.minutes(a.periodMinutes);
    const model = config.llm.newModelAlias;
    this.metrics = new GatewayMetrics(config.gateway.metricsNamespace, period);
    const m = this.metrics;
    const factory = (this.factory = new RolloutAlarmFactory(this, {
      namePrefix: alarmNamePrefix(config),
      evaluation: { period, evaluationPeriods: a.evaluationPeriods, datapointsToAlarm: a.datapointsToAlarm },
      owner: ownerText(config),
    }));
    const page = (this.page = notifySns(pageTopic));
    // The new model's calls on the rollout route only: a request that names the new model
    // itself (Route=direct) must never roll a phase back or page as the rollout.
    const rollout = (name: ModelMetricName, statistic?: string): cloudwatch.Metric => m.routeMetric(name, model, 'rollout', statistic);
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
        docs: {
          meaning: `${model} is failing (5xx, 529, timeouts, connection errors, or skipped by the open circuit breaker) on ≥ ${a.errorRatePercent}% of its calls; users are being served by the fallback.`,
          firstStep: 'Check the vendor status page and the gateway logs (attempts[].outcome); the rollback alarm rolls the phase back on its own — confirm with `npx rollout status`.',
          runbookSection: 'new-model-error-rate',
        },
      }),
      factory.addPercentileAlarm('NewModelLatencyP99', ALARM_NAMES.newModelLatencyP99, {
        metric: rollout('Latency', 'p99'),
        thresholdMs: a.latencyP99Ms,
        docs: {
          meaning: `p99 latency of ${model} calls is ≥ ${a.latencyP99Ms} ms.`,
          firstStep: 'Compare with the default model on the dashboard; if only the new model is slow, let the rollback stand and raise it with the vendor.',
          runbookSection: 'new-model-latency-p99',
        },
      }),
      factory.addPercentileAlarm('NewModelTtftP99', ALARM_NAMES.newModelTimeToFirstTokenP99, {
        metric: rollout('TimeToFirstToken', 'p99'),
        thresholdMs: a.timeToFirstTokenP99Ms,
        docs: {
          meaning: `p99 time to first token of streamed ${model} answers is ≥ ${a.timeToFirstTokenP99Ms} ms.`,
          firstStep: 'Check the dashboard for the default model; a slow first token on the new model alone is a vendor capacity problem.',
          runbookSection: 'new-model-ttft-p99',
        },
      }),
      factory.addRateAlarm('NewModelThrottleRate', ALARM_NAMES.newModelThrottleRate, {
        numerator: rollout('Throttles'),
        denominator: requests,
        thresholdPercent: a.throttleRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        docs: {
          meaning: `The vendor rate-limits ${model} (429) on ≥ ${a.throttleRatePercent}% of calls: the account's limits for the new model are too low for this phase.`,
          firstStep: 'Run `npx rollout preflight` to see the rate-limit headers; ask the vendor contact for higher limits before advancing again.',
          runbookSection: 'new-model-throttle-rate',
        },
      }),
      factory.addRateAlarm('NewModelModerationRate', ALARM_NAMES.newModelModerationRate, {
        numerator: rollout('ModerationFlags'),
        denominator: requests,
        thresholdPercent: a.moderationFlagRatePercent,
        minSamples: a.minRequestsPerPeriod,
        minEvents: a.minErrorsToJudge,
        docs: {
          meaning: `≥ ${a.moderationFlagRatePercent}% of ${model} answers were flagged (refusals or configured output checks).`,
          firstStep: 'Read the gateway logs for moderation reasons (check names only, never text) and decide with the owner whether the new model may go on.',
          runbookSection: 'new-model-moderation-rate',
        },
      }),
      factory.addCountAlarm('FlagErrors', ALARM_NAMES.flagErrors, {
        metric: m.metric('FlagErrors', undefined),
        threshold: a.flagErrorsPerPeriod,
        docs: {
          meaning: `The gateway could not read the rollout flag ${a.flagErrorsPerPeriod}+ times in a period (agent down, or an invalid flag version); it uses the last good flag meanwhile.`,
          firstStep: 'Check the flag version just deployed in AppConfig; if it is malformed, the rollback restores the previous one.',
          runbookSection: 'flag-errors',
        },
      }),
    ];
    this.rolloutAlarms = rolloutAlarms;

    this.rollbackAlarm = factory.addAnyOfAlarm('Rollback', ALARM_NAMES.rollback, rolloutAlarms, {
      meaning: `A rollout alarm fired for ${model}: AppConfig rolls back a deployment or bake in progress, and the rollback guard reverts a finished phase or turns the flag off.`,
      firstStep: 'Run `npx rollout status` to see which alarm fired and what the rollback did; do not advance until the cause is understood.',
      runbookSection: 'rollback',
    }, page);

    const fnMetric = (name: string): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: name, dimensionsMap: { FunctionName: gatewayFunction.functionName }, statistic: 'Sum', period });
    this.healthAlarms = [
      factory.addCountAlarm('GatewayErrors', ALARM_NAMES.gatewayErrors, {
        metric: gatewayFunction.metricErrors({ period, statistic: 'Sum' }),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: {
          meaning: 'The gateway Lambda itself is failing (crashes, timeouts), for every model.',
          firstStep: 'Read the gateway log group for "gateway failure" entries; roll back the last stack deploy if it started then.',
          runbookSection: 'gateway-health',
        },
      }),
      factory.addCountAlarm('GatewayThrottles', ALARM_NAMES.gatewayThrottles, {
        metric: gatewayFunction.metricThrottles({ period, statistic: 'Sum' }),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: {
          meaning: 'Lambda is throttling the gateway: requests are refused for lack of concurrency.',
          firstStep: 'Check the account concurrency quota and other functions using it; request a quota increase.',
          runbookSection: 'gateway-health',
        },
      }),
      // The vendor refuses the gateway's own key: every request fails for every model. It pages
      // but never rolls back — the new model is not at fault.
      factory.addCountAlarm('VendorAuthFailures', ALARM_NAMES.vendorAuthFailures, {
        metric: m.metric('VendorAuthFailures', undefined),
        threshold: 1,
        firstBreach: true,
        action: page,
        docs: {
          meaning: 'The model vendor refused the gateway\'s API key (401/403) even after the gateway re-read it from Secrets Manager: requests are answered 502.',
          firstStep: 'Check the vendor key secret against the vendor console (revoked, wrong organisation, missing permission); store a valid key as its current version: the gateway picks it up on the next refusal, no redeploy.',
          runbookSection: 'vendor-auth-failures',
        },
      }),
      factory.addCountAlarm('GatewayUrl5xx', ALARM_NAMES.gatewayUrl5xx, {
        metric: fnMetric('Url5xxCount'),
        threshold: a.gatewayErrorsPerPeriod,
        action: page,
        docs: {
          meaning: 'The gateway Function URL answers 5xx: both models failed, or the gateway could not answer.',
          firstStep: 'Check the dashboard: if both models fail the vendor is down (call the vendor contact); otherwise read the gateway logs.',
          runbookSection: 'gateway-health',
        },
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
      docs: {
        meaning: 'The rollback guard gave up after its retries: the new model may still be on while its alarm fires.',
        firstStep: 'Pull the kill switch by hand now: `npx rollout rollback` (or deploy the version labelled off with the -off strategy in the AppConfig console).',
        runbookSection: 'guard-failures',
      },
    });
  }
}
