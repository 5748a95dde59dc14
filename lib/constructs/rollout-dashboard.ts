import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { RolloutConfig } from '../domain/config-schema';
import type { GatewayMetrics } from './gateway-metrics';

export interface RolloutDashboardProps {
  readonly config: RolloutConfig;
  readonly metrics: GatewayMetrics;
  /** Shown in an alarm-status widget: the rollback alarm first. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The judge's metrics, for a row of their own: one verdict per check (1 = fail) and the
   * heartbeat (completed runs per interval).
   * @default - no judge row
   */
  readonly judge?: JudgeDashboardMetrics;
}

export interface JudgeDashboardMetrics {
  readonly verdicts: readonly cloudwatch.IMetric[];
  readonly heartbeat: cloudwatch.IMetric;
}

/** The judge's verdicts (any line at 1 rolls back) beside its heartbeat (a gap pages). */
function judgeRow(judge: JudgeDashboardMetrics): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'Judge verdicts (1 = fail: rolls back)',
      left: [...judge.verdicts],
      width: 16,
      height: 6,
      leftYAxis: { min: 0, max: 1, showUnits: false },
    }),
    new cloudwatch.GraphWidget({
      title: 'Judge heartbeat (runs per interval)',
      left: [judge.heartbeat],
      width: 8,
      height: 6,
      leftYAxis: { min: 0, showUnits: false },
    }),
  ];
}

/** The new model beside the default one, metric by metric, with the rollout's alarm states on top. */
export class RolloutDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RolloutDashboardProps) {
    super(scope, id);
    const { config, metrics } = props;
    const models = [config.llm.newModelAlias, config.llm.defaultModel];
    const period = Duration.minutes(Math.max(config.alarms.periodMinutes, 1));
    const perModel = (name: Parameters<GatewayMetrics['metric']>[0], statistic = 'Sum'): cloudwatch.IMetric[] =>
      models.map((m) => metrics.metric(name, m, statistic, period));
    const graph = (title: string, left: cloudwatch.IMetric[], unit?: string): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({
        title,
        left,
        width: 8,
        height: 6,
        leftYAxis: unit ? { label: unit, showUnits: false } : undefined,
      });
    const errorRate = models.map(
      (m, i) =>
        new cloudwatch.MathExpression({
          expression: `IF(n${i} > 0, 100 * e${i} / n${i}, 0)`,
          usingMetrics: {
            [`e${i}`]: metrics.metric('ModelErrors', m, 'Sum', period),
            [`n${i}`]: metrics.metric('Requests', m, 'Sum', period),
          },
          label: `error rate ${m}`,
          period,
        }),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      // Dashboard names are per account, not per region: the region keeps a second deployment
      // of the same stack name (another region) from colliding with this one.
      dashboardName: `${config.stackName}-${Stack.of(this).region}-rollout`,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Rollout alarms',
            alarms: [...props.alarms],
            width: 24,
            height: 4,
          }),
        ],
        [
          graph('Requests', perModel('Requests')),
          graph('Error rate (%)', errorRate, '%'),
          graph('Throttles (429)', perModel('Throttles')),
        ],
        [
          graph('Latency p95 / p99 (ms)', [...perModel('Latency', 'p95'), ...perModel('Latency', 'p99')], 'ms'),
          graph('Time to first token p99 (ms)', perModel('TimeToFirstToken', 'p99'), 'ms'),
          graph('Fallbacks and circuit-open skips', [
            metrics.metric('Fallbacks', config.llm.newModelAlias, 'Sum', period),
            metrics.metric('CircuitOpen', config.llm.newModelAlias, 'Sum', period),
          ]),
        ],
        [
          graph('Tokens (input, output)', [...perModel('InputTokens'), ...perModel('OutputTokens')]),
          graph('Estimated cost (USD)', perModel('EstimatedCostUsd'), 'USD'),
          graph('Moderation flags and flag errors', [
            metrics.metric('ModerationFlags', config.llm.newModelAlias, 'Sum', period),
            metrics.metric('FlagErrors', undefined, 'Sum', period),
          ]),
        ],
        ...(props.judge ? [judgeRow(props.judge)] : []),
      ],
    });
  }
}
