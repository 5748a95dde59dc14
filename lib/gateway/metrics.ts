import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  MODEL_DIMENSION,
  ROUTE_DIMENSION,
  type GatewayMetricName,
  type MetricName,
  type ModelMetricName,
  type Route,
} from '../domain/metric-names';

export type { GatewayMetricName, MetricName, ModelMetricName, Route };

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
  CircuitOpen: MetricUnit.Count,
  FlagErrors: MetricUnit.Count,
  VendorAuthFailures: MetricUnit.Count,
};

/** Which model and route a batch of metrics is for; none for FlagErrors and VendorAuthFailures. */
export interface MetricTarget {
  readonly model: string;
  readonly route: Route;
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
      if (this.gatewayCounts.size) this.publisher.publish(undefined, [...this.gatewayCounts]);
    } catch (err) {
      onError(err);
    } finally {
      this.byModel.clear();
      this.gatewayCounts.clear();
    }
  }

  private count(name: GatewayMetricName): void {
    this.gatewayCounts.set(name, (this.gatewayCounts.get(name) ?? 0) + 1);
  }
}
