import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
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

/** The unit of each metric; names and units are a public contract (README, Metrics). */
export const METRIC_UNITS: Readonly<Record<MetricName, (typeof MetricUnit)[keyof typeof MetricUnit]>> = {
  Requests: MetricUnit.Count,
  ModelErrors: MetricUnit.Count,
  Throttles: MetricUnit.Count,
  Fallbacks: MetricUnit.Count,
  Latency: MetricUnit.Milliseconds,
  TimeToFirstToken: MetricUnit.Milliseconds,
  InputTokens: MetricUnit.Count,
  OutputTokens: MetricUnit.Count,
  EstimatedCostUsd: MetricUnit.NoUnit,
  ModerationFlags: MetricUnit.Count,
  IncompatibleRequests: MetricUnit.Count,
  AdaptedRequests: MetricUnit.Count,
  CircuitOpen: MetricUnit.Count,
  FlagErrors: MetricUnit.Count,
  VendorAuthFailures: MetricUnit.Count,
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

/** Writes one batch of metrics that share a model and route (or none). */
export interface MetricsPublisher {
  publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void;
}

/** Powertools Metrics (CloudWatch EMF on stdout). */
export class EmfMetricsPublisher implements MetricsPublisher {
  private readonly metrics: Metrics;

  public constructor(namespace: string) {
    this.metrics = new Metrics({ namespace, serviceName: 'model-gateway' });
    // The contract's dimensions are Model and Route (FlagErrors and VendorAuthFailures have
    // none): without this Powertools adds `service` to every metric, and alarms on {Model}
    // would match nothing.
    this.metrics.clearDefaultDimensions();
  }

  public publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void {
    if (values.length === 0) return;
    if (target) {
      // Two dimension sets, `[Model]` and `[Model, Route]`, in one blob. Model goes in as a
      // default dimension because Powertools projects defaults into every set; adding it to
      // both sets instead makes Powertools warn of a key collision on every request.
      this.metrics.setDefaultDimensions({ [MODEL_DIMENSION]: target.model });
      this.metrics.addDimensions({});
      this.metrics.addDimensions({ [ROUTE_DIMENSION]: target.route });
      if (target.extra) this.metrics.addDimensions({ [target.extra.name]: target.extra.value });
    } else {
      // No model (FlagErrors, VendorAuthFailures): one empty dimension set, `[[]]`, the EMF
      // form of "no dimensions" (Powertools would otherwise write `[]`).
      this.metrics.addDimensions({});
    }
    for (const [name, value] of values) this.metrics.addMetric(name, METRIC_UNITS[name], value);
    try {
      this.metrics.publishStoredMetrics();
    } finally {
      this.metrics.clearDefaultDimensions();
    }
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
      for (const [model, values] of this.byModel) this.publisher.publish({ model, route: this.route }, values);
      for (const { model, name, extra } of this.extras)
        this.publisher.publish({ model, route: this.route, extra }, [[name, 1]]);
      if (this.gatewayCounts.size) this.publisher.publish(undefined, [...this.gatewayCounts]);
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
