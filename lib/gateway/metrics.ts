import {
  MODEL_DIMENSION,
  ROUTE_DIMENSION,
  type ExtraDimensionName,
  type GatewayMetricName,
  type MetricName,
  type ModelMetricName,
  type Route,
} from '../domain/metric-names';

export type { ExtraDimensionName, GatewayMetricName, MetricName, ModelMetricName, Route };

/** The CloudWatch units the gateway's metrics use (EMF `Unit`). */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'None';

/** The unit of each metric; names and units are a public contract (README, Metrics). */
export const METRIC_UNITS: Readonly<Record<MetricName, MetricUnitName>> = {
  Requests: 'Count',
  ModelErrors: 'Count',
  Throttles: 'Count',
  Fallbacks: 'Count',
  Latency: 'Milliseconds',
  TimeToFirstToken: 'Milliseconds',
  InputTokens: 'Count',
  OutputTokens: 'Count',
  EstimatedCostUsd: 'None',
  ModerationFlags: 'Count',
  IncompatibleRequests: 'Count',
  AdaptedRequests: 'Count',
  CircuitOpen: 'Count',
  FlagErrors: 'Count',
  VendorAuthFailures: 'Count',
};

/** Which model and route a batch of metrics is for; none for FlagErrors and VendorAuthFailures. */
export interface MetricTarget {
  readonly model: string;
  readonly route: Route;
  /** A third dimension set `[Model, name]` (IncompatibleRequests by ErrorType, AdaptedRequests by Rule). */
  readonly extra?: ExtraDimension;
}

export interface ExtraDimension {
  readonly name: ExtraDimensionName;
  readonly value: string;
}

/** One batch: metrics that share a model and route (or none). */
export interface MetricBatch {
  readonly target: MetricTarget | undefined;
  readonly values: ReadonlyArray<readonly [MetricName, number]>;
}

/** Writes one batch of metrics that share a model and route (or none). */
export interface MetricsPublisher {
  publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void;
  /** Writes a request's batches together (one write), when the publisher can; else `publish` per batch. */
  publishAll?(batches: readonly MetricBatch[]): void;
}

/**
 * CloudWatch EMF on stdout, one JSON document ("blob") per batch, in the shape Powertools
 * Metrics writes: `_aws` (Timestamp, one directive with the namespace, dimension sets and
 * metric units), then the dimension values, then the metric values (a name given twice in one
 * batch gets an array of values). Written by hand rather than through Powertools Metrics: its
 * per-metric bookkeeping cost more CPU than the rest of a request's telemetry, and it loads
 * in about 10 ms at cold start. A request's blobs go out in one write.
 */
export class EmfMetricsPublisher implements MetricsPublisher {
  /** The directive's namespace, JSON-encoded once. */
  private readonly namespaceJson: string;

  public constructor(namespace: string) {
    this.namespaceJson = JSON.stringify(namespace);
  }

  public publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void {
    this.publishAll([{ target, values }]);
  }

  public publishAll(batches: readonly MetricBatch[]): void {
    const timestamp = Date.now();
    let out = '';
    for (const { target, values } of batches) {
      if (values.length > 0) out += `${this.blob(timestamp, target, values)}\n`;
    }
    if (out) process.stdout.write(out);
  }

  private blob(
    timestamp: number,
    target: MetricTarget | undefined,
    values: ReadonlyArray<readonly [MetricName, number]>,
  ): string {
    // Two dimension sets, `[Model]` and `[Model, Route]` (a third `[Model, <extra>]` for counts
    // by error type or rule); no model (FlagErrors, VendorAuthFailures): one empty set, `[[]]`,
    // the EMF form of "no dimensions".
    let dimensionSets = '[[]]';
    let dimensionValues = '';
    if (target) {
      const model = JSON.stringify(target.model);
      dimensionSets = `[["${MODEL_DIMENSION}"],["${MODEL_DIMENSION}","${ROUTE_DIMENSION}"]`;
      dimensionValues = `,"${MODEL_DIMENSION}":${model},"${ROUTE_DIMENSION}":${JSON.stringify(target.route)}`;
      if (target.extra) {
        dimensionSets += `,["${MODEL_DIMENSION}","${target.extra.name}"]`;
        dimensionValues += `,"${target.extra.name}":${JSON.stringify(target.extra.value)}`;
      }
      dimensionSets += ']';
    }
    const byName = new Map<MetricName, number | number[]>();
    for (const [name, value] of values) {
      const seen = byName.get(name);
      byName.set(name, seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]);
    }
    let metrics = '';
    let metricValues = '';
    for (const [name, value] of byName) {
      metrics += `${metrics ? ',' : ''}{"Name":"${name}","Unit":"${METRIC_UNITS[name]}"}`;
      metricValues += `,"${name}":${JSON.stringify(value)}`;
    }
    return `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":[{"Namespace":${this.namespaceJson},"Dimensions":${dimensionSets},"Metrics":[${metrics}]}]}${dimensionValues}${metricValues}}`;
  }
}

/**
 * Collects one request's metrics and publishes them together at the end, one EMF blob per
 * model. Publishing happens synchronously, so concurrent requests in `rollout serve` never
 * mix their dimensions.
 */
export class RequestMetrics {
  private readonly byModel = new Map<string, Array<[MetricName, number]>>();
  /**
   * Counts that carry a third dimension set. A blob's dimension sets apply to every metric in
   * it, so these go in a blob of their own (only on the requests that have one): in the model's
   * blob, `[Model, ErrorType]` would split Requests and Latency by error type too.
   */
  private readonly extras: Array<{ model: string; name: ModelMetricName; extra: ExtraDimension }> = [];
  private readonly gatewayCounts = new Map<GatewayMetricName, number>();
  // Until the route is known, assume `direct`: a metric that went astray then can never roll
  // a phase back.
  private route: Route = 'direct';

  public constructor(private readonly publisher: MetricsPublisher) {}

  /** The request's route: `rollout` when it named the default model, else `direct`. */
  public setRoute(route: Route): void {
    this.route = route;
  }

  public add(model: string, name: ModelMetricName, value: number): void {
    const values = this.byModel.get(model) ?? [];
    values.push([name, value]);
    this.byModel.set(model, values);
  }

  /** One count of `name` for `model` in `[Model]`, `[Model, Route]` and `[Model, extra.name]`. */
  public addWithDimension(model: string, name: ModelMetricName, extra: ExtraDimension): void {
    this.extras.push({ model, name, extra });
  }

  public flagError(): void {
    this.count('FlagErrors');
  }

  /** The vendor refused the gateway's key even after a fresh read of the secret. */
  public vendorAuthFailure(): void {
    this.count('VendorAuthFailures');
  }

  /** Publishes everything collected; never throws (metrics must not fail a request). */
  public flush(onError: (err: unknown) => void): void {
    try {
      const batches: MetricBatch[] = [];
      for (const [model, values] of this.byModel) batches.push({ target: { model, route: this.route }, values });
      for (const { model, name, extra } of this.extras)
        batches.push({ target: { model, route: this.route, extra }, values: [[name, 1]] });
      if (this.gatewayCounts.size) batches.push({ target: undefined, values: [...this.gatewayCounts] });
      if (this.publisher.publishAll) this.publisher.publishAll(batches);
      else for (const { target, values } of batches) this.publisher.publish(target, values);
    } catch (err) {
      onError(err);
    } finally {
      this.byModel.clear();
      this.extras.length = 0;
      this.gatewayCounts.clear();
    }
  }

  private count(name: GatewayMetricName): void {
    this.gatewayCounts.set(name, (this.gatewayCounts.get(name) ?? 0) + 1);
  }
}
