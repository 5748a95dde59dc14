import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AlarmDocs } from '../domain/alarm-catalog';

export type { AlarmDocs };

/** What happens when an alarm changes state. */
export interface IAlarmActionStrategy {
  apply(alarm: cloudwatch.AlarmBase): void;
}

/**
 * Notifies a topic on ALARM. The matching "back to OK" page comes from RolloutNotifications'
 * EventBridge rule: an OK action would also fire when a new alarm first leaves
 * INSUFFICIENT_DATA, paging on every first deploy.
 */
export class SnsAlarmActionStrategy implements IAlarmActionStrategy {
  public constructor(private readonly topic: sns.ITopic) {}

  public apply(alarm: cloudwatch.AlarmBase): void {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
  }
}

/** No actions: the alarm feeds a composite alarm (which notifies) and the dashboard. */
export const NO_ACTION: IAlarmActionStrategy = { apply: () => undefined };

export function notifySns(topic: sns.ITopic): IAlarmActionStrategy {
  return new SnsAlarmActionStrategy(topic);
}

export interface EvaluationSettings {
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface AlarmFactoryProps {
  /** Alarm names start with it, so the CLI finds them by prefix. */
  readonly namePrefix: string;
  readonly evaluation: EvaluationSettings;
  /** Named in every description. */
  readonly owner: string;
}

export interface RateAlarmProps {
  /** Events; several are summed (missing data as 0). */
  readonly numerator: cloudwatch.IMetric | readonly cloudwatch.IMetric[];
  /** Samples; several are summed (missing data as 0). */
  readonly denominator: cloudwatch.IMetric | readonly cloudwatch.IMetric[];
  readonly thresholdPercent: number;
  /** Judge the rate only with at least this many samples in the period... */
  readonly minSamples: number;
  /** ...or at least this many numerator events (a total failure at low traffic). */
  readonly minEvents: number;
  readonly docs: AlarmDocs;
  readonly action?: IAlarmActionStrategy;
}

export interface PercentileAlarmProps {
  /** A metric with a percentile statistic, e.g. p99. */
  readonly metric: cloudwatch.IMetric;
  readonly thresholdMs: number;
  readonly docs: AlarmDocs;
  readonly action?: IAlarmActionStrategy;
}

export interface CountAlarmProps {
  readonly metric: cloudwatch.IMetric;
  /** Alarm when the period's sum reaches this. */
  readonly threshold: number;
  /**
   * Alarm on the first breaching period instead of M of N.
   * @default false
   */
  readonly firstBreach?: boolean;
  readonly docs: AlarmDocs;
  readonly action?: IAlarmActionStrategy;
}

export interface HeartbeatAlarmProps {
  /** A count that a live sender puts at ≥ 1 in every period (e.g. Sum of a heartbeat). */
  readonly metric: cloudwatch.IMetric;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly docs: AlarmDocs;
  readonly action?: IAlarmActionStrategy;
}

/**
 * Builds the rollout's alarms with one shared policy: M-of-N evaluation from config, missing
 * data treated as not breaching (AppConfig rolls back on INSUFFICIENT_DATA, and a 0.1% phase
 * has minutes with no traffic), and descriptions that say what to do.
 */
export class RolloutAlarmFactory {
  public constructor(
    private readonly scope: Construct,
    private readonly props: AlarmFactoryProps,
  ) {}

  /** 100 × numerator / denominator, judged only with enough samples (or enough failures). */
  public addRateAlarm(id: string, name: string, p: RateAlarmProps): cloudwatch.Alarm {
    const e = sumOf('e', p.numerator);
    const n = sumOf('n', p.denominator);
    const rate = new cloudwatch.MathExpression({
      expression: `IF(${n.expression} >= ${p.minSamples} OR ${e.expression} >= ${p.minEvents}, 100 * ${e.expression} / ${n.expression}, 0)`,
      usingMetrics: { ...e.metrics, ...n.metrics },
      period: this.props.evaluation.period,
      label: `${name} (%)`,
    });
    return this.withAction(rate.createAlarm(this.scope, id, this.common(name, p.docs, p.thresholdPercent)), p.action);
  }

  /** A latency percentile above a threshold; low-sample periods leave the state unchanged. */
  public addPercentileAlarm(id: string, name: string, p: PercentileAlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      metric: p.metric,
      ...this.common(name, p.docs, p.thresholdMs),
      // Fewer than 1/(1-0.99) samples make p99 one unlucky request: don't judge those periods.
      evaluateLowSampleCountPercentile: 'ignore',
    });
    return this.withAction(alarm, p.action);
  }

  /** A count (the period's sum) at or above a threshold. */
  public addCountAlarm(id: string, name: string, p: CountAlarmProps): cloudwatch.Alarm {
    const once = p.firstBreach ? { evaluationPeriods: 1, datapointsToAlarm: 1 } : {};
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      metric: p.metric,
      ...this.common(name, p.docs, p.threshold),
      ...once,
    });
    return this.withAction(alarm, p.action);
  }

  /**
   * A heartbeat below 1 in M of N periods. The one alarm that treats missing data as
   * breaching: silence is what it watches for. It must never feed the rollback alarm — it starts
   * in INSUFFICIENT_DATA and goes to ALARM before the sender's first beat.
   */
  public addHeartbeatAlarm(id: string, name: string, p: HeartbeatAlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      metric: p.metric,
      alarmName: this.alarmName(name),
      alarmDescription: this.describe(p.docs),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: p.evaluationPeriods,
      datapointsToAlarm: p.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    return this.withAction(alarm, p.action);
  }

  /** Any of `alarms` in ALARM. */
  public addAnyOfAlarm(
    id: string,
    name: string,
    alarms: readonly cloudwatch.IAlarm[],
    docs: AlarmDocs,
    action?: IAlarmActionStrategy,
  ): cloudwatch.CompositeAlarm {
    const alarm = new cloudwatch.CompositeAlarm(this.scope, id, {
      compositeAlarmName: this.alarmName(name),
      alarmDescription: this.describe(docs),
      alarmRule: cloudwatch.AlarmRule.anyOf(...alarms),
    });
    return this.withAction(alarm, action);
  }

  /** Alarm name for `name`: `<prefix>/<name>`. */
  public alarmName(name: string): string {
    return `${this.props.namePrefix}/${name}`;
  }

  private common(name: string, docs: AlarmDocs, threshold: number): Omit<cloudwatch.AlarmProps, 'metric'> {
    const e = this.props.evaluation;
    return {
      alarmName: this.alarmName(name),
      alarmDescription: this.describe(docs),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: e.evaluationPeriods,
      datapointsToAlarm: e.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
  }

  private withAction<T extends cloudwatch.AlarmBase>(alarm: T, action: IAlarmActionStrategy | undefined): T {
    (action ?? NO_ACTION).apply(alarm);
    return alarm;
  }

  private describe(docs: AlarmDocs): string {
    return `${docs.meaning} First: ${docs.firstStep} Runbook: RUNBOOK.md#${docs.runbookSection}. Owner: ${this.props.owner}.`.slice(
      0,
      1024,
    );
  }
}

/** One metric as `id`, or several as `(FILL(id0, 0) + FILL(id1, 0) ...)`. */
function sumOf(
  id: string,
  metrics: cloudwatch.IMetric | readonly cloudwatch.IMetric[],
): { expression: string; metrics: Record<string, cloudwatch.IMetric> } {
  if (!Array.isArray(metrics)) return { expression: id, metrics: { [id]: metrics as cloudwatch.IMetric } };
  const list = metrics as readonly cloudwatch.IMetric[];
  if (list.length === 1) return { expression: id, metrics: { [id]: list[0]! } };
  return {
    expression: `(${list.map((_, i) => `FILL(${id}${i}, 0)`).join(' + ')})`,
    metrics: Object.fromEntries(list.map((m, i) => [`${id}${i}`, m])),
  };
}
