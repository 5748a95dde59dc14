import { z } from 'zod';
import { gatewaySettingsFrom, parseGatewaySettings, type GatewaySettings } from '../../lib/domain/gateway-settings';
import { shippedConfig } from '../fixtures/config';

const EXPECTED: GatewaySettings = {
  flagKey: 'enable_claude_haiku_4_5',
  defaultModel: {
    alias: 'claude-sonnet-4-6',
    vendorModelId: 'claude-sonnet-4-6',
    inputUsdPerMillionTokens: 3,
    outputUsdPerMillionTokens: 15,
    maxOutputTokens: 128_000,
  },
  newModel: {
    alias: 'claude-haiku-4-5',
    vendorModelId: 'claude-haiku-4-5-20251001',
    inputUsdPerMillionTokens: 1,
    outputUsdPerMillionTokens: 5,
    maxOutputTokens: 64_000,
    requestRules: ['oneSamplingParameter', 'clampMaxTokens'],
  },
  models: [
    {
      alias: 'claude-sonnet-4-6',
      vendorModelId: 'claude-sonnet-4-6',
      inputUsdPerMillionTokens: 3,
      outputUsdPerMillionTokens: 15,
      maxOutputTokens: 128_000,
    },
    {
      alias: 'claude-haiku-4-5',
      vendorModelId: 'claude-haiku-4-5-20251001',
      inputUsdPerMillionTokens: 1,
      outputUsdPerMillionTokens: 5,
      maxOutputTokens: 64_000,
      requestRules: ['oneSamplingParameter', 'clampMaxTokens'],
    },
  ],
  appConfig: { application: 'llm-model-rollout', environment: 'production', profile: 'model-flags' },
  gateway: {
    vendorApiKeySecretName: 'llm-model-rollout/anthropic-api-key',
    metricsNamespace: 'ModelRollout',
    newModelTimeoutMs: 30_000,
    defaultModelTimeoutMs: 60_000,
    defaultModelMaxRetries: 2,
    streamIdleTimeoutMs: 60_000,
    flagCacheMs: 1000,
    maxRequestBytes: 6_000_000,
    circuitBreaker: { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30 },
    moderation: { outputChecks: [], blockFlaggedOutputs: false },
    memoryMb: 512,
    timeoutSeconds: 300,
  },
};

describe('gatewaySettingsFrom', () => {
  it('extracts what the gateway needs from the shipped config', () => {
    expect(gatewaySettingsFrom(shippedConfig())).toEqual(EXPECTED);
  });

  it('lists every catalog model, with its alias', () => {
    const settings = gatewaySettingsFrom(shippedConfig());
    expect(settings.models.map((m) => m.alias).sort()).toEqual(Object.keys(shippedConfig().llm.models).sort());
  });

  it('carries none of the config the gateway never reads (contacts, phases, spend, callers, KMS key)', () => {
    const config = structuredClone(shippedConfig());
    config.gateway.vendorApiKeySecretKmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd';
    const json = JSON.stringify(gatewaySettingsFrom(config));
    expect(json).not.toContain('arn:aws:kms');
    expect(json).not.toMatch(
      /llm-oncall@example\.com|infra-oncall|phases|watchWindowHours|expectedMonthlyAwsUsd|support\.anthropic\.com|callerArns/,
    );
  });

  it('throws naming the alias when a model alias is not in the catalog', () => {
    const config = structuredClone(shippedConfig());
    config.llm.newModelAlias = 'no-such-model';
    expect(() => gatewaySettingsFrom(config)).toThrow(/'no-such-model'/);
  });
});

/** zod's base error class: both zod and zod/mini throw (subclasses of) it. */
function zodErrorOf(fn: () => unknown): z.core.$ZodError {
  try {
    fn();
  } catch (err) {
    if (err instanceof z.core.$ZodError) return err;
    throw err;
  }
  throw new Error('expected a zod error, but nothing was thrown');
}

describe('parseGatewaySettings', () => {
  const settings = gatewaySettingsFrom(shippedConfig());
  const json = JSON.stringify(settings);

  it('round-trips through JSON', () => {
    expect(parseGatewaySettings(json)).toEqual(settings);
    expect(JSON.stringify(parseGatewaySettings(json))).toBe(json);
  });

  it('round-trips settings with moderation checks', () => {
    const withChecks: GatewaySettings = {
      ...settings,
      gateway: {
        ...settings.gateway,
        moderation: {
          outputChecks: [{ name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', flags: 'i' }],
          blockFlaggedOutputs: true,
        },
      },
    };
    expect(parseGatewaySettings(JSON.stringify(withChecks))).toEqual(withChecks);
  });

  it('fits easily in a Lambda environment variable', () => {
    // Lambda allows 4 KB for all variables together; the settings must leave room for the rest.
    expect(json.length).toBeLessThan(2048);
    expect(Buffer.byteLength(json, 'utf8')).toBeLessThan(2048);
  });

  it.each(['flagKey', 'defaultModel', 'newModel', 'models', 'appConfig', 'gateway'] as const)(
    'rejects settings without %s with a zod error',
    (field) => {
      const broken: Record<string, unknown> = { ...settings };
      delete broken[field];
      const error = zodErrorOf(() => parseGatewaySettings(JSON.stringify(broken)));
      expect(error.issues.map((i) => i.path[0])).toContain(field);
    },
  );

  it('rejects a missing nested field (the new model vendor id) with a zod error naming its path', () => {
    const broken = JSON.parse(json) as { newModel: Record<string, unknown> };
    delete broken.newModel.vendorModelId;
    const error = zodErrorOf(() => parseGatewaySettings(JSON.stringify(broken)));
    expect(error.issues.map((i) => i.path.join('.'))).toContain('newModel.vendorModelId');
  });

  it('rejects a value of the wrong type with a zod error naming its path', () => {
    const broken = JSON.parse(json) as { gateway: Record<string, unknown> };
    broken.gateway.newModelTimeoutMs = '30000';
    const error = zodErrorOf(() => parseGatewaySettings(JSON.stringify(broken)));
    expect(error.issues.map((i) => i.path.join('.'))).toContain('gateway.newModelTimeoutMs');
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseGatewaySettings('{not json')).toThrow(SyntaxError);
  });
});
