import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CHECK_DIMENSION,
  JUDGE_HEARTBEAT_METRIC,
  JUDGE_VERDICT_METRIC,
  type VerdictCheck,
} from '../../lib/domain/judge/judge-metric-names';

/** Where a run's verdicts and heartbeat go. */
export interface JudgeMetricsSink {
  /** One JudgeVerdict datapoint per check: 1 = fail, 0 = pass or inconclusive. */
  verdicts(values: ReadonlyArray<readonly [VerdictCheck, 0 | 1]>): void;
  heartbeat(): void;
}

/**
 * Powertools Metrics (CloudWatch EMF on stdout), one document per datapoint: a dimension has
 * one value per document. No default dimensions: Powertools would add `service` to each, and the
 * alarms on {Check} and on no dimension would then match nothing.
 */
export class EmfJudgeMetrics implements JudgeMetricsSink {
  private readonly metrics: Metrics;

  public constructor(namespace: string) {
    this.metrics = new Metrics({ namespace, serviceName: 'rollout-judge' });
    this.metrics.clearDefaultDimensions();
  }

  public verdicts(values: ReadonlyArray<readonly [VerdictCheck, 0 | 1]>): void {
    for (const [check, value] of values) {
      this.metrics.addDimensions({ [CHECK_DIMENSION]: check });
      this.metrics.addMetric(JUDGE_VERDICT_METRIC, MetricUnit.Count, value);
      this.metrics.publishStoredMetrics();
    }
  }

  public heartbeat(): void {
    // One empty dimension set, `[[]]`: the EMF form of "no dimensions" (Powertools would
    // otherwise write `[]`, a directive with no dimension set).
    this.metrics.addDimensions({});
    this.metrics.addMetric(JUDGE_HEARTBEAT_METRIC, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();
  }
}
