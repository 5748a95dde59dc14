import { z } from 'zod';
import { GatewaySchema, ModelSchema, type RolloutConfig } from './config-schema';

/**
 * What the gateway needs from the rollout config, small enough for a Lambda environment
 * variable (the full config holds contacts, phases and spend the gateway never reads).
 */
const ModelRouteSchema = ModelSchema.extend({ alias: z.string().min(1) });

export const GatewaySettingsSchema = z.strictObject({
  flagKey: z.string().min(1),
  defaultModel: ModelRouteSchema,
  newModel: ModelRouteSchema,
  /** Every catalog model, so metrics and cost cover pass-through requests to them too. */
  models: z.array(ModelRouteSchema),
  appConfig: z.strictObject({ application: z.string(), environment: z.string(), profile: z.string() }),
  // Who may call the gateway is the template's business, not the function's.
  gateway: GatewaySchema.omit({ callerArns: true }),
});

export type GatewaySettings = z.output<typeof GatewaySettingsSchema>;
export type ModelRoute = z.output<typeof ModelRouteSchema>;

export function gatewaySettingsFrom(config: RolloutConfig): GatewaySettings {
  const route = (alias: string): ModelRoute => {
    const model = config.llm.models[alias];
    if (!model) throw new Error(`model alias '${alias}' is not in llm.models`);
    return { alias, ...model };
  };
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
    gateway: withoutCallers(config.gateway),
  };
}

/** Parses settings serialized by gatewaySettingsFrom (the Lambda's environment variable). */
export function parseGatewaySettings(json: string): GatewaySettings {
  return GatewaySettingsSchema.parse(JSON.parse(json));
}

function withoutCallers(gateway: RolloutConfig['gateway']): GatewaySettings['gateway'] {
  const { callerArns: _callers, ...rest } = gateway;
  return rest;
}
