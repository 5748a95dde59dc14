import type { ModelRoute } from '../../lib/domain/gateway-settings';

/** Token counts of one answer (cache tokens included in input). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheCreationInputTokens: number;
  readonly cacheReadInputTokens: number;
}

interface VendorUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export function toTokenUsage(usage: VendorUsage | null | undefined): TokenUsage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cacheCreationInputTokens: usage?.cache_creation_input_tokens ?? 0,
    cacheReadInputTokens: usage?.cache_read_input_tokens ?? 0,
  };
}

/** Cache writes cost 1.25× and cache reads 0.1× the input price (Anthropic's price list). */
const CACHE_WRITE_FACTOR = 1.25;
const CACHE_READ_FACTOR = 0.1;

/** Estimated USD cost of `usage` at the catalog prices of `model`. */
export function estimateCostUsd(usage: TokenUsage, model: ModelRoute): number {
  const input = usage.inputTokens + usage.cacheCreationInputTokens * CACHE_WRITE_FACTOR + usage.cacheReadInputTokens * CACHE_READ_FACTOR;
  return (input * model.inputUsdPerMillionTokens + usage.outputTokens * model.outputUsdPerMillionTokens) / 1_000_000;
}

export function totalInputTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
}
