import fc from 'fast-check';
import { gatewaySettingsFrom, type ModelRoute } from '../../../lib/domain/gateway-settings';
import { estimateCostUsd, toTokenUsage, totalInputTokens, type TokenUsage } from '../../../lambda/gateway/usage';
import { shippedConfig } from '../../fixtures/config';

const settings = gatewaySettingsFrom(shippedConfig());
/** claude-sonnet-4-6: $3 in / $15 out per million tokens (rollout.config.json). */
const SONNET: ModelRoute = settings.defaultModel;
/** claude-haiku-4-5: $1 in / $5 out per million tokens. */
const HAIKU: ModelRoute = settings.newModel;

function usage(u: Partial<TokenUsage>): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, ...u };
}

describe('toTokenUsage', () => {
  it('maps the vendor usage fields', () => {
    expect(toTokenUsage({ input_tokens: 10, output_tokens: 20, cache_creation_input_tokens: 30, cache_read_input_tokens: 40 })).toEqual<TokenUsage>({
      inputTokens: 10,
      outputTokens: 20,
      cacheCreationInputTokens: 30,
      cacheReadInputTokens: 40,
    });
  });

  it('gives zeros for null, undefined and missing or null fields', () => {
    const zero = usage({});
    expect(toTokenUsage(null)).toEqual(zero);
    expect(toTokenUsage(undefined)).toEqual(zero);
    expect(toTokenUsage({})).toEqual(zero);
    expect(toTokenUsage({ input_tokens: null, output_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null })).toEqual(zero);
    expect(toTokenUsage({ input_tokens: 5 })).toEqual(usage({ inputTokens: 5 }));
  });
});

describe('totalInputTokens', () => {
  it('adds cache writes and reads to the uncached input', () => {
    expect(totalInputTokens(usage({ inputTokens: 1, cacheCreationInputTokens: 20, cacheReadInputTokens: 300, outputTokens: 4000 }))).toBe(321);
  });
});

describe('estimateCostUsd (shipped prices)', () => {
  it('checks the shipped prices it is computed from', () => {
    expect([SONNET.alias, SONNET.inputUsdPerMillionTokens, SONNET.outputUsdPerMillionTokens]).toEqual(['claude-sonnet-4-6', 3, 15]);
    expect([HAIKU.alias, HAIKU.inputUsdPerMillionTokens, HAIKU.outputUsdPerMillionTokens]).toEqual(['claude-haiku-4-5', 1, 5]);
  });

  it('prices plain input and output tokens', () => {
    expect(estimateCostUsd(usage({ inputTokens: 1_000_000 }), SONNET)).toBeCloseTo(3, 12);
    expect(estimateCostUsd(usage({ outputTokens: 1_000_000 }), SONNET)).toBeCloseTo(15, 12);
    expect(estimateCostUsd(usage({ inputTokens: 1_200, outputTokens: 400 }), SONNET)).toBeCloseTo((1_200 * 3 + 400 * 15) / 1e6, 15);
    expect(estimateCostUsd(usage({ inputTokens: 1_200, outputTokens: 400 }), HAIKU)).toBeCloseTo((1_200 * 1 + 400 * 5) / 1e6, 15);
  });

  it('prices cache writes at 1.25× the input price', () => {
    expect(estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000 }), SONNET)).toBeCloseTo(3.75, 12);
    expect(estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000 }), HAIKU)).toBeCloseTo(1.25, 12);
  });

  it('prices cache reads at 0.1× the input price', () => {
    expect(estimateCostUsd(usage({ cacheReadInputTokens: 1_000_000 }), SONNET)).toBeCloseTo(0.3, 12);
    expect(estimateCostUsd(usage({ cacheReadInputTokens: 1_000_000 }), HAIKU)).toBeCloseTo(0.1, 12);
  });

  it('adds everything up', () => {
    // haiku: (1,000 + 2,000×1.25 + 10,000×0.1) × $1 + 500 × $5, per million.
    expect(estimateCostUsd(usage({ inputTokens: 1_000, cacheCreationInputTokens: 2_000, cacheReadInputTokens: 10_000, outputTokens: 500 }), HAIKU)).toBeCloseTo(
      0.007,
      15,
    );
  });

  it('is zero for no tokens and for a free model', () => {
    expect(estimateCostUsd(usage({}), SONNET)).toBe(0);
    expect(estimateCostUsd(usage({ inputTokens: 5, outputTokens: 5 }), { ...SONNET, inputUsdPerMillionTokens: 0, outputUsdPerMillionTokens: 0 })).toBe(0);
  });

  it('is linear and never negative', () => {
    const count = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(count, count, count, count, (inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens) => {
        const u = usage({ inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens });
        const cost = estimateCostUsd(u, SONNET);
        expect(cost).toBeGreaterThanOrEqual(0);
        const parts =
          estimateCostUsd(usage({ inputTokens }), SONNET) +
          estimateCostUsd(usage({ outputTokens }), SONNET) +
          estimateCostUsd(usage({ cacheCreationInputTokens }), SONNET) +
          estimateCostUsd(usage({ cacheReadInputTokens }), SONNET);
        expect(cost).toBeCloseTo(parts, 9);
      }),
    );
  });
});
