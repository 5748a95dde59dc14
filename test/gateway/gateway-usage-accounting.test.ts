/**
 * Cost and stream accounting through the real SDK: the vendor's usage object as the Messages API
 * reports it (cache writes split by TTL in `cache_creation`, server-tool calls in
 * `server_tool_use`), and a 200 stream that ends without `message_stop`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import {
  anthropicError,
  callsFor,
  caught,
  DEFAULT_VENDOR_ID,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  parseSse,
  postRaw,
  type GatewayHarness,
  useFlagFileWorld,
} from './harness';

const USER = 'accounting-user';

const world = useFlagFileWorld();
const gateway = (): Promise<GatewayHarness> => world.start();

// The new model (claude-haiku-4-5, $1 in / $5 out per million) answers with 100 uncached input
// tokens, 1,000 tokens written to the 5-minute cache, 2,000 to the 1-hour cache, 50 output tokens
// and 3 web searches: (100 + 1,000 × 1.25 + 2,000 × 2) × $1 / 1M + 50 × $5 / 1M + 3 × $10 / 1,000.
const CACHED_ANSWER = {
  kind: 'ok' as const,
  inputTokens: 100,
  cacheWrite5mTokens: 1000,
  cacheWrite1hTokens: 2000,
  outputTokens: 50,
  webSearchRequests: 3,
};
const EXPECTED_COST = (100 + 1000 * 1.25 + 2000 * 2) / 1e6 + (50 * 5) / 1e6 + 0.03;

describe('EstimatedCostUsd prices what the usage object reports', () => {
  test('non-streaming: 1-hour cache writes at 2× input, 5-minute at 1.25×, web searches at $10 per 1,000', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, CACHED_ANSWER);
    const h = await gateway();
    const message = await h.client.messages.create(messageParams({ user: USER }));
    expect(message.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 });
    expect(h.metrics.sum(NEW_ALIAS, 'InputTokens')).toBe(3100);
    expect(h.metrics.sum(NEW_ALIAS, 'EstimatedCostUsd')).toBeCloseTo(EXPECTED_COST, 12);
  });

  test('streaming: the TTL split from message_start and the searches from message_delta', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, CACHED_ANSWER);
    const h = await gateway();
    const message = await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    expect(message.usage.server_tool_use).toEqual({ web_search_requests: 3, web_fetch_requests: 0 });
    expect(h.metrics.sum(NEW_ALIAS, 'InputTokens')).toBe(3100);
    expect(h.metrics.sum(NEW_ALIAS, 'EstimatedCostUsd')).toBeCloseTo(EXPECTED_COST, 12);
  });
});

describe('a stream that ends without message_stop is a mid-stream failure', () => {
  const streamParams = { ...messageParams({ user: USER }), stream: true as const };

  test('the client gets the events, then an error event; ModelErrors counts it', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'truncated', afterEvents: 4 });
    const h = await gateway();

    const raw = await postRaw(h.url, streamParams);
    expect(raw.status).toBe(200);
    const events = parseSse(raw.text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'error',
    ]);
    expect(anthropicError(JSON.stringify(events[4]?.data)).type).toBe('api_error');

    // through the SDK: iterating raises instead of ending as if the answer were whole
    const stream = await h.client.messages.create(streamParams);
    const err = await caught(async () => {
      for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) void event;
    });
    expect(err).toBeInstanceOf(Anthropic.APIError);

    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(2);
    expect(h.requestLogs()[0]).toMatchObject({
      servedBy: NEW_ALIAS,
      attempts: [{ model: NEW_ALIAS, outcome: expect.stringMatching(/^served, then /) }],
    });
    // bytes had reached the client: no fallback
    expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
  });

  test('non-streaming: the cut-short answer is not served; the default model answers', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'truncated', afterEvents: 4 });
    const h = await gateway();
    const message = await h.client.messages.create(messageParams({ user: USER }));
    expect(message.model).toBe(DEFAULT_VENDOR_ID);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(1);
  });
});
