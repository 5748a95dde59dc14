import fc from 'fast-check';
import { gatewaySettingsFrom, type ModelRoute } from '../../../lib/domain/gateway-settings';
import { estimateCostUsd, toTokenUsage, totalInputTokens, type TokenUsage } from '../../../lib/gateway/usage';
import { shippedConfig } from '../../fixtures/config';

const settings = gatewaySettingsFrom(shippedConfig());
/** claude-sonnet-4-6: $3 in / $15 out per million tokens (rollout.config.json). */
const SONNET: ModelRoute = settings.defaultModel;
/** claude-haiku-4-5: $1 in / $5 out per million tokens. */
const HAIKU: ModelRoute = settings.newModel;

function usage(u: Partial<TokenUsage>): TokenUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheCreationInputTokens: 0,
    cacheCreation1hInputTokens: 0,
    cacheReadInputTokens: 0,
    webSearchRequests: 0,
    ...u,
  };
}

describe('toTokenUsage', () => {
  it('maps the vendor usage fields', () => {
    expect(
      toTokenUsage({
        input_tokens: 10,
        output_tokens: 20,
        cache_creation_input_tokens: 30,
        cache_read_input_tokens: 40,
      }),
    ).toEqual<TokenUsage>({
      inputTokens: 10,
      outputTokens: 20,
      cacheCreationInputTokens: 30,
      cacheCreation1hInputTokens: 0,
      cacheReadInputTokens: 40,
      webSearchRequests: 0,
    });
  });

  it('gives zeros for null, undefined and missing or null fields', () => {
    const zero = usage({});
    expect(toTokenUsage(null)).toEqual(zero);
    expect(toTokenUsage(undefined)).toEqual(zero);
    expect(toTokenUsage({})).toEqual(zero);
    expect(
      toTokenUsage({
        input_tokens: null,
        output_tokens: null,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
      }),
    ).toEqual(zero);
    expect(toTokenUsage({ input_tokens: 5 })).toEqual(usage({ inputTokens: 5 }));
  });
});

describe('toTokenUsage: cache writes by TTL and server tools (the Messages API usage object)', () => {
  it('takes the 1-hour part of the cache writes from cache_creation, and web searches from server_tool_use', () => {
    const wire = {
      input_tokens: 12,
      output_tokens: 34,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      server_tool_use: { web_search_requests: 3, web_fetch_requests: 1 },
    };
    expect(toTokenUsage(wire)).toEqual<TokenUsage>({
      inputTokens: 12,
      outputTokens: 34,
      cacheCreationInputTokens: 3000,
      cacheCreation1hInputTokens: 2000,
      cacheReadInputTokens: 0,
      webSearchRequests: 3,
    });
  });

  it('counts every cache write as 5-minute when the TTL breakdown is missing, and sums the breakdown when the total is', () => {
    expect(toTokenUsage({ cache_creation_input_tokens: 500, cache_creation: null })).toEqual(
      usage({ cacheCreationInputTokens: 500 }),
    );
    expect(toTokenUsage({ cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 7 } })).toEqual(
      usage({ cacheCreationInputTokens: 12, cacheCreation1hInputTokens: 7 }),
    );
  });

  it('never reports more 1-hour writes than writes in all', () => {
    expect(
      toTokenUsage({
        cache_creation_input_tokens: 10,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 50 },
      }).cacheCreation1hInputTokens,
    ).toBe(10);
  });
});

describe('totalInputTokens', () => {
  it('adds cache writes and reads to the uncached input', () => {
    expect(
      totalInputTokens(
        usage({ inputTokens: 1, cacheCreationInputTokens: 20, cacheReadInputTokens: 300, outputTokens: 4000 }),
      ),
    ).toBe(321);
  });
});

describe('estimateCostUsd (shipped prices)', () => {
  it('checks the shipped prices it is computed from', () => {
    expect([SONNET.alias, SONNET.inputUsdPerMillionTokens, SONNET.outputUsdPerMillionTokens]).toEqual([
      'claude-sonnet-4-6',
      3,
      15,
    ]);
    expect([HAIKU.alias, HAIKU.inputUsdPerMillionTokens, HAIKU.outputUsdPerMillionTokens]).toEqual([
      'claude-haiku-4-5',
      1,
      5,
    ]);
  });

  it('prices plain input and output tokens', () => {
    expect(estimateCostUsd(usage({ inputTokens: 1_000_000 }), SONNET)).toBeCloseTo(3, 12);
    expect(estimateCostUsd(usage({ outputTokens: 1_000_000 }), SONNET)).toBeCloseTo(15, 12);
    expect(estimateCostUsd(usage({ inputTokens: 1_200, outputTokens: 400 }), SONNET)).toBeCloseTo(
      (1_200 * 3 + 400 * 15) / 1e6,
      15,
    );
    expect(estimateCostUsd(usage({ inputTokens: 1_200, outputTokens: 400 }), HAIKU)).toBeCloseTo(
      (1_200 * 1 + 400 * 5) / 1e6,
      15,
    );
  });

  it('prices cache writes at 1.25× the input price', () => {
    expect(estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000 }), SONNET)).toBeCloseTo(3.75, 12);
    expect(estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000 }), HAIKU)).toBeCloseTo(1.25, 12);
  });

  it('prices 1-hour cache writes at 2× the input price, 5-minute ones at 1.25×', () => {
    expect(
      estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000, cacheCreation1hInputTokens: 1_000_000 }), SONNET),
    ).toBeCloseTo(6, 12);
    expect(
      estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000, cacheCreation1hInputTokens: 1_000_000 }), HAIKU),
    ).toBeCloseTo(2, 12);
    // 400k 5-minute + 600k 1-hour on haiku: 400k × 1.25 + 600k × 2 = 1.7M input-priced tokens
    expect(
      estimateCostUsd(usage({ cacheCreationInputTokens: 1_000_000, cacheCreation1hInputTokens: 600_000 }), HAIKU),
    ).toBeCloseTo(1.7, 12);
  });

  it('adds $10 per 1,000 web searches, whatever the model', () => {
    expect(estimateCostUsd(usage({ webSearchRequests: 1000 }), SONNET)).toBeCloseTo(10, 12);
    expect(estimateCostUsd(usage({ webSearchRequests: 3 }), HAIKU)).toBeCloseTo(0.03, 12);
    expect(
      estimateCostUsd(usage({ webSearchRequests: 3 }), {
        ...HAIKU,
        inputUsdPerMillionTokens: 0,
        outputUsdPerMillionTokens: 0,
      }),
    ).toBeCloseTo(0.03, 12);
  });

  it('prices cache reads at 0.1× the input price', () => {
    expect(estimateCostUsd(usage({ cacheReadInputTokens: 1_000_000 }), SONNET)).toBeCloseTo(0.3, 12);
    expect(estimateCostUsd(usage({ cacheReadInputTokens: 1_000_000 }), HAIKU)).toBeCloseTo(0.1, 12);
  });

  it('adds everything up', () => {
    // haiku: (1,000 + 2,000×1.25 + 10,000×0.1) × $1 + 500 × $5, per million.
    expect(
      estimateCostUsd(
        usage({ inputTokens: 1_000, cacheCreationInputTokens: 2_000, cacheReadInputTokens: 10_000, outputTokens: 500 }),
        HAIKU,
      ),
    ).toBeCloseTo(0.007, 15);
  });

  it('is zero for no tokens and for a free model', () => {
    expect(estimateCostUsd(usage({}), SONNET)).toBe(0);
    expect(
      estimateCostUsd(usage({ inputTokens: 5, outputTokens: 5 }), {
        ...SONNET,
        inputUsdPerMillionTokens: 0,
        outputUsdPerMillionTokens: 0,
      }),
    ).toBe(0);
  });

  it('is linear and never negative', () => {
    const count = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(
        count,
        count,
        count,
        count,
        count,
        fc.integer({ min: 0, max: 1000 }),
        (inputTokens, outputTokens, fiveMinute, oneHour, cacheReadInputTokens, webSearchRequests) => {
          const u = usage({
            inputTokens,
            outputTokens,
            cacheCreationInputTokens: fiveMinute + oneHour,
            cacheCreation1hInputTokens: oneHour,
            cacheReadInputTokens,
            webSearchRequests,
          });
          const cost = estimateCostUsd(u, SONNET);
          expect(cost).toBeGreaterThanOrEqual(0);
          const parts =
            estimateCostUsd(usage({ inputTokens }), SONNET) +
            estimateCostUsd(usage({ outputTokens }), SONNET) +
            estimateCostUsd(usage({ cacheCreationInputTokens: fiveMinute }), SONNET) +
            estimateCostUsd(usage({ cacheCreationInputTokens: oneHour, cacheCreation1hInputTokens: oneHour }), SONNET) +
            estimateCostUsd(usage({ cacheReadInputTokens }), SONNET) +
            estimateCostUsd(usage({ webSearchRequests }), SONNET);
          expect(cost).toBeCloseTo(parts, 9);
        },
      ),
    );
  });
});
