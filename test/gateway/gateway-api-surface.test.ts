/**
 * The API surface beside POST /v1/messages that a drop-in endpoint needs, through the real SDK:
 * count_tokens is routed like a message (cohort, request rules), models and batches pass
 * through to the vendor with the rollout not applied. None of them writes model metrics.
 */
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { apiKeyOf, baseTokenCount, FAKE_MODEL_IDS } from '../../fakes/fake-vendor';
import type { GatewaySettings } from '../../lib/domain/gateway-settings';
import {
  anthropicError,
  caught,
  DEFAULT_VENDOR_ID,
  NEW_VENDOR_ID,
  postRaw,
  useFlagFileWorld,
  type GatewayHarness,
} from './harness';

const world = useFlagFileWorld(100);
const USER = { 'x-user-id': 'surface-user' };
const MESSAGES = [{ role: 'user' as const, content: 'How many tokens is this?' }];
/** A client call's headers, the way an app passes beta features and a pinned API version. */
const PINNED = { 'anthropic-beta': 'some-beta-2026-01-01', 'anthropic-version': '2023-06-01' };

const MODEL_METRICS = ['Requests', 'Latency', 'InputTokens', 'OutputTokens', 'EstimatedCostUsd'] as const;

function expectNoModelMetrics(gw: GatewayHarness): void {
  for (const p of gw.metrics.publishes) {
    expect(p.model).toBeUndefined();
    for (const [name] of p.values) expect(MODEL_METRICS).not.toContain(name);
  }
}

describe('POST /v1/messages/count_tokens', () => {
  it('is counted by the new model for a user in the cohort (x-user-id), by the default model without a user key', async () => {
    const gw = await world.start();
    world.vendor.setTokenRatio(NEW_VENDOR_ID, 1.3);
    const { data: inCohort, response } = await gw.client.messages
      .countTokens({ model: DEFAULT_VENDOR_ID, messages: MESSAGES }, { headers: USER })
      .withResponse();
    expect(response.headers.get('x-rollout-variant')).toBe('new');
    const { data: outside, response: outsideResponse } = await gw.client.messages
      .countTokens({ model: DEFAULT_VENDOR_ID, messages: MESSAGES })
      .withResponse();
    expect(outsideResponse.headers.get('x-rollout-variant')).toBe('default');

    expect(world.vendor.counts.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    const base = baseTokenCount({ messages: MESSAGES });
    expect(inCohort).toEqual({ input_tokens: Math.ceil(base * 1.3) });
    expect(outside).toEqual({ input_tokens: base });
    expect(inCohort.input_tokens).toBeGreaterThan(outside.input_tokens);
    expectNoModelMetrics(gw);
    expect(gw.requestLogs().map((l) => [l.endpoint, l.variant, l.servedBy, l.status])).toEqual([
      ['count_tokens', 'new', 'claude-haiku-4-5', 200],
      ['count_tokens', 'default', 'claude-sonnet-4-6', 200],
    ]);
  });

  it("applies the new model's request rules, never adding max_tokens (clampMaxTokens is skipped)", async () => {
    const withThinkingRule = (s: GatewaySettings): GatewaySettings => ({
      ...s,
      newModel: { ...s.newModel, requestRules: ['adaptiveThinking', 'clampMaxTokens'] },
    });
    const gw = await world.start({ settings: withThinkingRule });
    world.vendor.setModelRules(NEW_VENDOR_ID, { noManualThinking: true });
    const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
    const count = await gw.client.messages.countTokens(
      { model: DEFAULT_VENDOR_ID, messages: MESSAGES, thinking },
      { headers: USER },
    );
    expect(count.input_tokens).toBeGreaterThan(0);
    const sent = world.vendor.counts[0]?.body;
    expect(sent).toEqual({ model: NEW_VENDOR_ID, messages: MESSAGES, thinking: { type: 'adaptive' } });
    expect(gw.requestLogs()[0]).toMatchObject({ endpoint: 'count_tokens', adapted: ['adaptiveThinking'] });
  });

  it('is counted by the default model, marked as a fallback, when the new model refuses the body', async () => {
    const gw = await world.start();
    world.vendor.setModelRules(NEW_VENDOR_ID, { noManualThinking: true });
    const { data, response } = await gw.client.messages
      .countTokens(
        { model: DEFAULT_VENDOR_ID, messages: MESSAGES, thinking: { type: 'enabled', budget_tokens: 2048 } },
        { headers: USER },
      )
      .withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-rollout-variant')).toBe('new');
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(world.vendor.counts.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expectNoModelMetrics(gw);
  });

  it("passes the vendor's 400 through when the default model refuses it too", async () => {
    const gw = await world.start();
    const err = await caught(() =>
      gw.client.messages.countTokens({ model: DEFAULT_VENDOR_ID, messages: MESSAGES, max_tokens: 5 } as never),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).apiMessage).toBe('max_tokens: Extra inputs are not permitted');
  });

  it('validates the body itself: no messages → 400 without a vendor call', async () => {
    const gw = await world.start();
    const res = await postRaw(gw.url, { model: DEFAULT_VENDOR_ID }, { path: '/v1/messages/count_tokens' });
    expect(res.status).toBe(400);
    expect(anthropicError(res.text)).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/messages/),
    });
    expect(world.vendor.counts).toHaveLength(0);
  });
});

describe('GET /v1/models passes through', () => {
  it('lists every model page by page, the query string sent as the client wrote it', async () => {
    const gw = await world.start();
    const ids: string[] = [];
    for await (const model of gw.client.models.list({ limit: 1 }, { headers: USER })) ids.push(model.id);
    expect(ids).toEqual(FAKE_MODEL_IDS);
    const listCalls = world.vendor.requests.filter((r) => r.path === '/v1/models');
    expect(listCalls.map((r) => r.query)).toEqual([
      'limit=1',
      `limit=1&after_id=${FAKE_MODEL_IDS[0]}`,
      `limit=1&after_id=${FAKE_MODEL_IDS[1]}`,
    ]);
    expectNoModelMetrics(gw);
    expect(gw.requestLogs().map((l) => [l.endpoint, l.status])).toEqual([
      ['models', 200],
      ['models', 200],
      ['models', 200],
    ]);
  });

  it("retrieves one model, and passes the vendor's 404 for an unknown one through", async () => {
    const gw = await world.start();
    const info = await gw.client.models.retrieve(NEW_VENDOR_ID);
    expect(info).toMatchObject({ type: 'model', id: NEW_VENDOR_ID });
    world.vendor.setBehaviour('claude-nope', { kind: 'status', status: 404, message: 'model: claude-nope' });
    const err = await caught(() => gw.client.models.retrieve('claude-nope'));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as APIError).apiMessage).toBe('model: claude-nope');
  });

  it('answers 405 with Allow for a method the endpoint does not take, without a vendor call', async () => {
    const gw = await world.start();
    const res = await postRaw(gw.url, '', { method: 'DELETE', path: '/v1/models' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(world.vendor.requests).toHaveLength(0);
  });
});

describe('/v1/messages/batches passes through, the rollout not applied', () => {
  it('creates, retrieves and reads the results of a batch through the gateway', async () => {
    const gw = await world.start();
    const params = { model: DEFAULT_VENDOR_ID, max_tokens: 16, messages: MESSAGES, metadata: { user_id: 'u-1' } };
    const created = await gw.client.messages.batches.create({ requests: [{ custom_id: 'one', params }] });
    expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null });

    world.vendor.endBatches();
    const ended = await gw.client.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    // The vendor's results_url is rewritten to the gateway, which the client can call.
    expect(ended.results_url).toBe(`${gw.url}/v1/messages/batches/${created.id}/results`);

    const results = [];
    for await (const line of await gw.client.messages.batches.results(created.id)) results.push(line);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ custom_id: 'one', result: { type: 'succeeded' } });
    // The cohort user's request (metadata.user_id, flag at 100%) still went to the default model.
    expect(results[0]?.result.type === 'succeeded' && results[0].result.message.model).toBe(DEFAULT_VENDOR_ID);
    expect(world.vendor.calls).toHaveLength(0); // no model call: the vendor processed the batch
    expectNoModelMetrics(gw);
    expect(gw.requestLogs().map((l) => l.endpoint)).toEqual(['batches', 'batches', 'batches', 'batches']);
  });

  it('refuses a body over gateway.maxRequestBytes with 413, without a vendor call', async () => {
    const gw = await world.start({ gateway: { maxRequestBytes: 2_000 } });
    const big = {
      requests: [
        {
          custom_id: 'x',
          params: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'y'.repeat(3_000) }] },
        },
      ],
    };
    const res = await postRaw(gw.url, big, { path: '/v1/messages/batches' });
    expect(res.status).toBe(413);
    expect(anthropicError(res.text).type).toBe('request_too_large');
    expect(world.vendor.requests).toHaveLength(0);
  });
});

describe('anthropic-beta and anthropic-version reach the vendor unchanged', () => {
  it('on messages, count_tokens, models and batches', async () => {
    const gw = await world.start();
    await gw.client.messages.create(
      { model: DEFAULT_VENDOR_ID, max_tokens: 8, messages: MESSAGES },
      { headers: { ...PINNED, ...USER } },
    );
    await gw.client.messages.countTokens({ model: DEFAULT_VENDOR_ID, messages: MESSAGES }, { headers: PINNED });
    await gw.client.models.retrieve(NEW_VENDOR_ID, {}, { headers: PINNED });
    const batch = await gw.client.messages.batches.create(
      { requests: [{ custom_id: 'a', params: { model: DEFAULT_VENDOR_ID, max_tokens: 8, messages: MESSAGES } }] },
      { headers: PINNED },
    );
    await gw.client.messages.batches.retrieve(batch.id, {}, { headers: PINNED });
    expect(world.vendor.requests).toHaveLength(5);
    for (const r of world.vendor.requests) {
      expect([r.path, r.headers['anthropic-beta'], r.headers['anthropic-version']]).toEqual([
        r.path,
        PINNED['anthropic-beta'],
        PINNED['anthropic-version'],
      ]);
      // The gateway's own key, never the caller's.
      expect(apiKeyOf(r)).toBe('k');
    }
  });
});
