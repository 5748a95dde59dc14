/**
 * The gateway's metric names (docs/ARCHITECTURE.md, Metrics) — a public contract shared by the gateway that
 * emits them and the alarms and dashboard that read them. No AWS import.
 */
export const METRIC_NAMES = [
  'Requests',
  'ModelErrors',
  'Throttles',
  'Fallbacks',
  'Latency',
  'TimeToFirstToken',
  'InputTokens',
  'OutputTokens',
  'EstimatedCostUsd',
  'ModerationFlags',
  /**
   * The new model refused a request with a 4xx (not 429) and the default model then answered
   * it: a request the new model cannot take as written. Also in the set `[Model, ErrorType]`.
   */
  'IncompatibleRequests',
  /** A request rule changed a request before the new model's call; also in the set `[Model, Rule]`. */
  'AdaptedRequests',
  /** Requests of the cohort sent straight to the default model while the breaker is open. */
  'CircuitOpen',
  /** Flag could not be read or was invalid; no Model dimension. */
  'FlagErrors',
  /**
   * The vendor refused the gateway's own API key (401/403) even after a fresh read of the
   * secret; no Model dimension (every model shares the key). Pages: nobody is being served.
   */
  'VendorAuthFailures',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
/** Metrics without a Model dimension: they are about the gateway, not one model. */
export type GatewayMetricName = 'FlagErrors' | 'VendorAuthFailures';
export type ModelMetricName = Exclude<MetricName, GatewayMetricName>;

/** The dimension that names the model (its alias from config). */
export const MODEL_DIMENSION = 'Model';

/**
 * The dimension that says which traffic a per-model metric counts: `rollout` (requests that
 * named the default model — the cohort and the rest) or `direct` (requests that named a model
 * themselves). Rollback alarms read `rollout` only, so direct calls to the new model can never
 * roll a phase back; spend reads the `[Model]` set, which counts both.
 */
export const ROUTE_DIMENSION = 'Route';

export const ROUTES = ['rollout', 'direct'] as const;
export type Route = (typeof ROUTES)[number];

/** The vendor's error type (e.g. invalid_request_error) of an IncompatibleRequests count: never its message. */
export const ERROR_TYPE_DIMENSION = 'ErrorType';

/** The request rule (lib/domain/request-rules.ts) of an AdaptedRequests count. */
export const RULE_DIMENSION = 'Rule';

/** A third dimension set, `[Model, <name>]`, that one metric carries besides `[Model]` and `[Model, Route]`. */
export type ExtraDimensionName = typeof ERROR_TYPE_DIMENSION | typeof RULE_DIMENSION;
