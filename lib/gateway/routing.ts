import type { CohortDecision } from '../domain/cohort';
import type { GatewaySettings, ModelRoute } from '../domain/gateway-settings';
import type { FailureCategory } from './vendor-failure';

/** Metrics dimension for requests naming a model outside the catalog (bounded cardinality). */
export const OTHER_MODEL = 'other';

/** One model call the gateway may make for a request. */
export interface CallTarget {
  readonly role: 'new' | 'default' | 'requested';
  /** The `Model` dimension: the catalog alias, or 'other'. */
  readonly metricsModel: string;
  readonly vendorModelId: string;
  /** Catalog prices, when the model is in the catalog. */
  readonly model?: ModelRoute;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Failures after which the next target is tried; anything else is answered as is. */
  readonly fallBackOn: readonly FailureCategory[];
}

export interface RoutePlan {
  /** `x-rollout-variant`: whether the cohort decision chose the new model. */
  readonly variant: 'new' | 'default';
  /** Whether the rollout applied at all (the request named the default model). */
  readonly rolloutApplies: boolean;
  /** True when the new model was skipped because its circuit breaker is open. */
  readonly circuitOpen: boolean;
  readonly targets: readonly CallTarget[];
}

/** Whether `model` (alias or vendor id) names the configured default model. */
export function namesDefaultModel(settings: GatewaySettings, model: string): boolean {
  return model === settings.defaultModel.alias || model === settings.defaultModel.vendorModelId;
}

/**
 * The fallback policy as data: which models to try, in order, with which timeouts and
 * retries, and on which failures to move on. The new model gets no SDK retries: when it
 * fails the default model answers at once instead of the user waiting on backoff.
 */
export interface RouteRequest {
  readonly settings: GatewaySettings;
  /** The request body's `model`: an alias or a vendor id. */
  readonly requestedModel: string;
  readonly decision: CohortDecision;
  /** False while the new model's circuit breaker is open. */
  readonly newModelAllowed: boolean;
}

export function planRoute({ settings, requestedModel, decision, newModelAllowed }: RouteRequest): RoutePlan {
  const g = settings.gateway;
  const defaultTarget: CallTarget = {
    role: 'default',
    metricsModel: settings.defaultModel.alias,
    vendorModelId: settings.defaultModel.vendorModelId,
    model: settings.defaultModel,
    timeoutMs: g.defaultModelTimeoutMs,
    maxRetries: g.defaultModelMaxRetries,
    fallBackOn: [],
  };
  if (!namesDefaultModel(settings, requestedModel)) {
    const known = settings.models.find((m) => m.alias === requestedModel || m.vendorModelId === requestedModel);
    return {
      variant: 'default',
      rolloutApplies: false,
      circuitOpen: false,
      targets: [
        {
          ...defaultTarget,
          role: 'requested',
          metricsModel: known?.alias ?? OTHER_MODEL,
          vendorModelId: requestedModel,
          model: known,
        },
      ],
    };
  }
  if (!decision.inCohort)
    return { variant: 'default', rolloutApplies: true, circuitOpen: false, targets: [defaultTarget] };
  if (!newModelAllowed) return { variant: 'new', rolloutApplies: true, circuitOpen: true, targets: [defaultTarget] };
  const newTarget: CallTarget = {
    role: 'new',
    metricsModel: settings.newModel.alias,
    vendorModelId: settings.newModel.vendorModelId,
    model: settings.newModel,
    timeoutMs: g.newModelTimeoutMs,
    maxRetries: 0,
    // A 4xx (client-error) or a refused key that a fresh read did not fix (credential): the
    // request was written for the default model, which may take it (the gateway decides what
    // the refusal means from the default model's answer).
    fallBackOn: ['throttle', 'model-error', 'flagged', 'client-error', 'credential'],
  };
  return { variant: 'new', rolloutApplies: true, circuitOpen: false, targets: [newTarget, defaultTarget] };
}
