import type { ModelRoute } from '../domain/gateway-settings';

/** Token counts of one answer (cache tokens included in input), and the server-tool calls billed per use. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Every cache write, whatever its TTL. */
  readonly cacheCreationInputTokens: number;
  /** The part of `cacheCreationInputTokens` written with the 1-hour TTL (priced higher than 5-minute writes). */
  readonly cacheCreation1hInputTokens: number;
  readonly cacheReadInputTokens: number;
  /** `server_tool_use.web_search_requests`: searches run by the web search tool. */
  readonly webSearchRequests: number;
}

/** The vendor's usage object (message, message_start and message_delta all carry a subset). */
export interface VendorUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  server_tool_use?: { web_search_requests?: number | null } | null;
}

export function toTokenUsage(usage: VendorUsage | null | undefined): TokenUsage {
  const byTtl = usage?.cache_creation;
  const oneHour = byTtl?.ephemeral_1h_input_tokens ?? 0;
  // The total is authoritative; the TTL breakdown only says how much of it is 1-hour.
  const cacheWrites = usage?.cache_creation_input_tokens ?? (byTtl?.ephemeral_5m_input_tokens ?? 0) + oneHour;
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cacheCreationInputTokens: cacheWrites,
    cacheCreation1hInputTokens: Math.min(oneHour, cacheWrites),
    cacheReadInputTokens: usage?.cache_read_input_tokens ?? 0,
    webSearchRequests: usage?.server_tool_use?.web_search_requests ?? 0,
  };
}

// Anthropic's price list (https://platform.claude.com/docs/en/about-claude/pricing, "Prompt
// caching" and "Web search tool"): cache writes with the default 5-minute TTL cost 1.25× the
// model's input price, writes with the 1-hour TTL 2×, cache reads 0.1×; web search is $10 per
// 1,000 searches on top of tokens. Web fetch has no per-use fee (its content is billed as input
// tokens), so it needs no term here.
const CACHE_WRITE_5M_FACTOR = 1.25;
const CACHE_WRITE_1H_FACTOR = 2;
const CACHE_READ_FACTOR = 0.1;
const WEB_SEARCH_USD_EACH = 10 / 1000;

/** Estimated USD cost of `usage` at the catalog prices of `model`. */
export function estimateCostUsd(usage: TokenUsage, model: ModelRoute): number {
  const fiveMinuteWrites = usage.cacheCreationInputTokens - usage.cacheCreation1hInputTokens;
  const input =
    usage.inputTokens +
    fiveMinuteWrites * CACHE_WRITE_5M_FACTOR +
    usage.cacheCreation1hInputTokens * CACHE_WRITE_1H_FACTOR +
    usage.cacheReadInputTokens * CACHE_READ_FACTOR;
  const tokens =
    (input * model.inputUsdPerMillionTokens + usage.outputTokens * model.outputUsdPerMillionTokens) / 1_000_000;
  return tokens + usage.webSearchRequests * WEB_SEARCH_USD_EACH;
}

export function totalInputTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.cacheReadInputTokens;
}
