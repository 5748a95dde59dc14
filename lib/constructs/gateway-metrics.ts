import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { MODEL_DIMENSION, type MetricName } from '../domain/metric-names';

/** CloudWatch metrics of the gateway's EMF output (DESIGN §5), by name and model alias. */
export class GatewayMetrics {
  public constructor(private readonly namespace: string, private readonly period: Duration) {}

  /** `name` for `model` (omit the model for FlagErrors). */
  public metric(name: MetricName, model: string | undefined, statistic: string = 'Sum', period: Duration = this.period): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: model ? { [MODEL_DIMENSION]: model } : undefined,
      statistic,
      period,
      // No label: a labelled metric makes alarms use the metric-query form, and percentile
      // alarms need the plain form (ExtendedStatistic) for EvaluateLowSampleCountPercentile.
    });
  }
}
