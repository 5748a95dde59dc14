import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  MODEL_DIMENSION,
  ROUTE_DIMENSION,
  type ExtraDimensionName,
  type MetricName,
  type ModelMetricName,
  type Route,
} from '../domain/metric-names';

/**
 * CloudWatch metrics of the gateway's EMF output, by name and model alias: `[Model]` counts
 * all traffic to a model (spend, dashboards), `[Model, Route]` one route of it (rollback alarms
 * read `Route=rollout` only).
 */
export class GatewayMetrics {
  public constructor(
    private readonly namespace: string,
    private readonly period: Duration,
  ) {}

  /** `name` for `model` (omit the model for FlagErrors). */
  public metric(
    name: MetricName,
    model: string | undefined,
    statistic: string = 'Sum',
    period: Duration = this.period,
  ): cloudwatch.Metric {
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

  /**
   * `name` for `model` split by its third dimension set: IncompatibleRequests by `ErrorType`,
   * AdaptedRequests by `Rule` (e.g. `value` = invalid_request_error, clampMaxTokens).
   */
  public extraMetric(
    name: 'IncompatibleRequests' | 'AdaptedRequests',
    model: string,
    dimension: ExtraDimensionName,
    value: string,
    statistic: string = 'Sum',
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [MODEL_DIMENSION]: model, [dimension]: value },
      statistic,
      period: this.period,
    });
  }

  /** `name` for `model` on one route: the series rollback alarms read (`route` = rollout). */
  public routeMetric(name: ModelMetricName, model: string, route: Route, statistic: string = 'Sum'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { [MODEL_DIMENSION]: model, [ROUTE_DIMENSION]: route },
      statistic,
      period: this.period,
    });
  }
}
