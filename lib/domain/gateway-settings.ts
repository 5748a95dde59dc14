import * as z from 'zod/mini';
import type { RolloutConfig } from './config-schema';
import { REQUEST_RULE_NAMES } from './request-rules';

/**
 * What the gateway needs from the rollout config, small enough for a Lambda environment
 * variable (the full config holds contacts, phases and spend the gateway never reads).
 *
 * zod/mini, not the config's zod schema: the config was validated at synth, and this keeps
 * ~430 KB of zod out of the Lambda bundle. `gatewaySettingsFrom` is type-checked against
 * this schema, so the two cannot drift apart.
 */
const ModelRouteSchema = z.object({
  alias: z.string(),
  vendorModelId: z.string(),
  inputUsdPerMillionTokens: z.number(),
  outputUsdPerMillionTokens: z.number(),
  maxOutputTokens: z.optional(z.number()),
  /** Applied to the request before the model is called as the new model. */
  requestRules: z.optional(z.array(z.enum(REQUEST_RULE_NAMES))),
});

const positive = () => z.number().check(z.positive());

export const GatewaySettingsSchema = z.object({
  flagKey: z.string().check(z.minLength(1)),
  defaultModel: ModelRouteSchema,
  newModel: ModelRouteSchema,
  /** Every catalog model, so metrics and cost cover pass-through requests to them too. */
  models: z.array(ModelRouteSchema),
  appConfig: z.object({ application: z.string(), environment: z.string(), profile: z.string() }),
  gateway: z.object({
    vendorApiKeySecretName: z.string(),
    metricsNamespace: z.string(),
    newModelTimeoutMs: positive(),
    defaultModelTimeoutMs: positive(),
    defaultModelMaxRetries: z.number().check(z.nonnegative()),
    streamIdleTimeoutMs: positive(),
    flagCacheMs: z.number().check(z.nonnegative()),
    maxRequestBytes: positive(),
    circuitBreaker: z.object({ failureThreshold: positive(), windowSeconds: positive(), cooldownSeconds: positive() }),
    moderation: z.object({
      outputChecks: z.array(z.object({ name: z.string(), pattern: z.string(), flags: z.string() })),
      blockFlaggedOutputs: z.boolean(),
    }),
    memoryMb: positive(),
    timeoutSeconds: positive(),
  }),
});

export type GatewaySettings = z.output<typeof GatewaySettingsSchema>;
export type ModelRoute = z.output<typeof ModelRouteSchema>;

export function gatewaySettingsFrom(config: RolloutConfig): GatewaySettings {
  const route = (alias: string): ModelRoute => {
    const model = config.llm.models[alias];
    if (!model) throw new Error(`model alias '${alias}' is not in llm.models`);
    return { alias, ...model };
  };
  // Who may call the gateway, and which key it may decrypt with, are the template's business.
  const { callerArns: _callers, vendorApiKeySecretKmsKeyArn: _key, ...gateway } = config.gateway;
  return {
    flagKey: config.llm.useNewModelFlagKey,
    defaultModel: route(config.llm.defaultModel),
    newModel: route(config.llm.newModelAlias),
    models: Object.keys(config.llm.models).map(route),
    appConfig: {
      application: config.appConfig.applicationName,
      environment: config.appConfig.environmentName,
      profile: config.appConfig.profileName,
    },
    gateway,
  };
}

/** Parses settings serialized by gatewaySettingsFrom (the Lambda's environment variable). */
export function parseGatewaySettings(json: string): GatewaySettings {
  return z.parse(GatewaySettingsSchema, JSON.parse(json));
}
