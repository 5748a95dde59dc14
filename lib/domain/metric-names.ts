/**
 * The gateway's metric names (DESIGN §5) — a public contract shared by the gateway that
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
  /** Requests of the cohort sent straight to the default model while the breaker is open. */
  'CircuitOpen',
  /** Flag could not be read or was invalid; the only metric without a Model dimension. */
  'FlagErrors',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export type ModelMetricName = Exclude<MetricName, 'FlagErrors'>;

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
