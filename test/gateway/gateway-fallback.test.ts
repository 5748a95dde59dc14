/**
 * The fallback matrix (docs/ARCHITECTURE.md, Gateway): a user in the cohort (flag at 100%), the new model failing in
 * each way the vendor can fail, and what the SDK client on the other side of the gateway sees.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { DEFAULT_ANSWER_EVENT_TYPES, type VendorBehaviour } from '../../fakes/fake-vendor';
import {
  anthropicError,
  callsFor,
  caught,
  DEFAULT_ALIAS,
  DEFAULT_VENDOR_ID,
  flagOn,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  parseSse,
  postRaw,
  sleep,
  startStallingVendor,
  type GatewayHarness,
  type GatewayOverrides,
  useFlagFileWorld,
} from './harness';

const USER = 'cohort-user';

const world = useFlagFileWorld();
const gateway = (overrides: GatewayOverrides = {}): Promise<GatewayHarness> => world.start({ gateway: overrides });

const newCalls = (): number => callsFor(world.vendor, NEW_VENDOR_ID).length;
const defaultCalls = (): number => callsFor(world.vendor, DEFAULT_VENDOR_ID).length;

describe('non-streaming: the default model answers when the new one fails', () => {
  const cases: Array<[string, VendorBehaviour, 'Throttles' | 'ModelErrors']> = [
    ['429 with retry-after: 1', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 'Throttles'],
    ['529 overloaded', { kind: 'status', status: 529 }, 'ModelErrors'],
    ['500', { kind: 'status', status: 500 }, 'ModelErrors'],
    ['503', { kind: 'status', status: 503 }, 'ModelErrors'],
    ['connection reset', { kind: 'reset' }, 'ModelErrors'],
  ];

  test.each(cases)(
    '%s → default model, x-rollout-fallback: true, one new-model call',
    async (_name, behaviour, counted) => {
      world.vendor.setBehaviour(NEW_VENDOR_ID, behaviour);
      const h = await gateway();
      const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();

      expect(data.model).toBe(DEFAULT_VENDOR_ID);
      expect(data.content).toEqual([{ type: 'text', text: `Hello from ${DEFAULT_VENDOR_ID}`, citations: null }]);
      expect(response.headers.get('x-rollout-variant')).toBe('new');
      expect(response.headers.get('x-rollout-fallback')).toBe('true');
      expect(response.headers.get('request-id')).toMatch(/^req_/);
      // exactly one call to the new model (no SDK retry), then one to the default model
      expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
      // the default model was called at once, not after the world.vendor's retry-after of 1 s
      expect(world.vendor.calls[1]!.at - world.vendor.calls[0]!.at).toBeLessThan(500);

      expect(h.metrics.sum(NEW_ALIAS, 'Requests')).toBe(1);
      expect(h.metrics.sum(NEW_ALIAS, counted)).toBe(1);
      expect(h.metrics.sum(NEW_ALIAS, counted === 'Throttles' ? 'ModelErrors' : 'Throttles')).toBe(0);
      expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(1);
      expect(h.metrics.sum(DEFAULT_ALIAS, 'Requests')).toBe(1);
      expect(h.metrics.sum(DEFAULT_ALIAS, 'ModelErrors')).toBe(0);
      expect(h.requestLogs()[0]).toMatchObject({
        variant: 'new',
        servedBy: DEFAULT_ALIAS,
        fallback: true,
        status: 200,
      });
    },
  );

  test('hang → the new model times out after newModelTimeoutMs, then the default answers', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'hang' });
    const h = await gateway({ newModelTimeoutMs: 300 });
    const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    // the fallback waited for the timeout (a lower bound, not a speed assertion)
    expect(world.vendor.calls[1]!.at - world.vendor.calls[0]!.at).toBeGreaterThanOrEqual(250);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(1);
    expect(h.metrics.values(NEW_ALIAS, 'Latency')[0]).toBeGreaterThanOrEqual(250);
  });

  test('a flagged-and-blocked answer is not the only route: the default model answers', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'no', stopReason: 'refusal' });
    const h = await gateway({ moderation: { blockFlaggedOutputs: true } });
    const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
  });
});

// A 4xx from the new model may be a request it cannot take as written (it was written for the
// default model): the default model is tried once (gateway-migration.test.ts covers the rest).
describe('client errors from the new model: the default model is tried once', () => {
  test('400 → the default answers, x-rollout-fallback: true; IncompatibleRequests and Fallbacks on the new model', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, {
      kind: 'status',
      status: 400,
      errorType: 'invalid_request_error',
      message: 'messages.0.content: world.vendor says no',
    });
    const h = await gateway();
    const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(response.headers.get('x-rollout-variant')).toBe('new');
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Throttles')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(1);
    expect(h.metrics.byExtra(NEW_ALIAS, 'IncompatibleRequests')).toEqual({ invalid_request_error: 1 });
  });

  test("400 from both → BadRequestError with the default model's error body: the client's own mistake", async () => {
    const refusal: VendorBehaviour = {
      kind: 'status',
      status: 400,
      errorType: 'invalid_request_error',
      message: 'messages.0.content: world.vendor says no',
    };
    world.vendor.setBehaviour(NEW_VENDOR_ID, refusal);
    world.vendor.setBehaviour(DEFAULT_VENDOR_ID, { ...refusal, message: 'the default model says no' });
    const h = await gateway();
    const err = await caught(() => h.client.messages.create(messageParams({ user: USER })));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.status).toBe(400);
    expect(apiErr.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'the default model says no' },
    });
    expect(apiErr.headers.get('x-rollout-variant')).toBe('new');
    expect(newCalls()).toBe(1);
    expect(defaultCalls()).toBe(1);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
  });

  // 401/403 are first the gateway's own key (gateway-vendor-key.test.ts covers the re-read of
  // the secret); when the default model accepts the same key, it was the new model's access.
  test.each([
    [401, 'authentication_error'],
    [403, 'permission_error'],
  ])(
    '%p from the new model only → one retry with the key read again, then the default answers: the new model’s access, not the key',
    async (status, errorType) => {
      world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status });
      const h = await gateway();
      const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
      expect(data.model).toBe(DEFAULT_VENDOR_ID);
      expect(response.headers.get('x-rollout-fallback')).toBe('true');
      expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
      expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(0);
      expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
      expect(h.metrics.sum(NEW_ALIAS, 'Requests')).toBe(1);
      expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(1);
      expect(h.metrics.byExtra(NEW_ALIAS, 'IncompatibleRequests')).toEqual({ [errorType]: 1 });
    },
  );

  test('request-specific refusals (400) do not open the circuit breaker', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, (i) => (i < 4 ? { kind: 'status', status: 400 } : { kind: 'ok' }));
    const h = await gateway({ circuitBreaker: { failureThreshold: 2, cooldownSeconds: 60 } });
    for (let i = 0; i < 4; i++) await h.client.messages.create(messageParams({ user: USER }));
    const data = await h.client.messages.create(messageParams({ user: USER }));
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(newCalls()).toBe(5);
    expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(0);
  });
});

describe('both models fail', () => {
  test("new 529, default 500 → the client gets the default model's 500 and body", async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    world.vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'status', status: 500 });
    const h = await gateway({ defaultModelMaxRetries: 0 });
    const err = await caught(() => h.client.messages.create(messageParams({ user: USER })));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    const apiErr = err as InstanceType<typeof Anthropic.InternalServerError>;
    expect(apiErr.status).toBe(500);
    expect(apiErr.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(1);
    expect(h.metrics.sum(DEFAULT_ALIAS, 'ModelErrors')).toBe(1);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(0);
    expect(h.requestLogs()[0]).toMatchObject({ status: 500 });
  });

  test('new 529, default 429 with retry-after → the client gets 429 and retry-after', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    world.vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const h = await gateway({ defaultModelMaxRetries: 0 });
    const res = await postRaw(h.url, messageParams({ user: USER }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(anthropicError(res.text)).toEqual({
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit',
    });
    const err = await caught(() => h.client.messages.create(messageParams({ user: USER })));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('7');
  });

  test('the default model keeps its SDK retries (defaultModelMaxRetries), the new model has none', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529, headers: { 'retry-after-ms': '10' } });
    world.vendor.setBehaviour(DEFAULT_VENDOR_ID, (i) =>
      i === 0 ? { kind: 'status', status: 529, headers: { 'retry-after-ms': '10' } } : { kind: 'ok' },
    );
    const h = await gateway({ defaultModelMaxRetries: 1 });
    const data = await h.client.messages.create(messageParams({ user: USER }));
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID, DEFAULT_VENDOR_ID]);
  });
});

describe('streaming', () => {
  const streamParams = { ...messageParams({ user: USER }), stream: true as const };

  test('new model 529 on a stream → a complete SSE stream from the default model', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    const h = await gateway();
    const message = await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    expect(message.model).toBe(DEFAULT_VENDOR_ID);
    expect(message.content).toEqual([{ type: 'text', text: `Hello from ${DEFAULT_VENDOR_ID}`, citations: null }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(world.vendor.calls.map((c) => [c.model, c.stream])).toEqual([
      [NEW_VENDOR_ID, true],
      [DEFAULT_VENDOR_ID, true],
    ]);

    // the raw stream: headers and a whole event sequence, nothing of the failed attempt
    const raw = await postRaw(h.url, streamParams);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    expect(raw.headers.get('x-rollout-variant')).toBe('new');
    expect(raw.headers.get('x-rollout-fallback')).toBe('true');
    const events = parseSse(raw.text);
    expect(events.map((e) => e.event)).toEqual(DEFAULT_ANSWER_EVENT_TYPES);
    expect((events[0]?.data as { message: { model: string } }).message.model).toBe(DEFAULT_VENDOR_ID);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(2);
  });

  test.each<[string, VendorBehaviour]>([
    ['429', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
    ['hang', { kind: 'hang' }],
    ['error event before the first event', { kind: 'midstream-error', afterEvents: 0 }],
  ])('new model %s on a stream → the default model streams the answer', async (_name, behaviour) => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, behaviour);
    const h = await gateway({ newModelTimeoutMs: 300 });
    const message = await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    expect(message.model).toBe(DEFAULT_VENDOR_ID);
    expect(message.content).toEqual([{ type: 'text', text: `Hello from ${DEFAULT_VENDOR_ID}`, citations: null }]);
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
  });

  test('a streamed answer from the new model in the cohort', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'The quick brown fox jumps over the lazy dog' });
    const h = await gateway();
    const stream = h.client.messages.stream(messageParams({ user: USER }));
    const message = await stream.finalMessage();
    expect(message.model).toBe(NEW_VENDOR_ID);
    expect(message.content).toEqual([
      { type: 'text', text: 'The quick brown fox jumps over the lazy dog', citations: null },
    ]);
    expect(defaultCalls()).toBe(0);
    const raw = await postRaw(h.url, streamParams);
    expect(raw.headers.get('x-rollout-variant')).toBe('new');
    expect(raw.headers.get('x-rollout-fallback')).toBeNull();
    expect(raw.headers.get('request-id')).toMatch(/^req_/);
  });

  test("both models fail on a stream → a JSON error with the default model's status, not an event stream", async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    world.vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'status', status: 503 });
    const h = await gateway({ defaultModelMaxRetries: 0 });
    const raw = await postRaw(h.url, streamParams);
    expect(raw.status).toBe(503);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    expect(anthropicError(raw.text)).toEqual({ type: 'api_error', message: 'Internal server error' });
    const err = await caught(() => h.client.messages.stream(messageParams({ user: USER })).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(503);
  });

  test.each<[string, VendorBehaviour, string]>([
    ['midstream-error', { kind: 'midstream-error', afterEvents: 3 }, 'overloaded_error'],
    ['midstream-reset', { kind: 'midstream-reset', afterEvents: 3 }, 'api_error'],
  ])(
    '%s after the first events → no fallback; the stream ends with an error event',
    async (_name, behaviour, errorType) => {
      world.vendor.setBehaviour(NEW_VENDOR_ID, behaviour);
      const h = await gateway();

      // through the SDK: events, then an error while iterating
      const stream = await h.client.messages.create(streamParams);
      const types: string[] = [];
      const err = await caught(async () => {
        for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) types.push(event.type);
      });
      expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe(errorType);

      // raw: the last event is `event: error` with an Anthropic error body
      const raw = await postRaw(h.url, streamParams);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('x-rollout-variant')).toBe('new');
      expect(raw.headers.get('x-rollout-fallback')).toBeNull();
      const events = parseSse(raw.text);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'error',
      ]);
      const last = events[events.length - 1];
      expect(anthropicError(JSON.stringify(last?.data)).type).toBe(errorType);

      expect(defaultCalls()).toBe(0);
      expect(newCalls()).toBe(2);
      expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(2);
      expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(0);
    },
  );
});

describe('stalled streams (streamIdleTimeoutMs)', () => {
  test('new model sends 200 headers then nothing → after the idle timeout the default model streams the answer', async () => {
    const stalling = await startStallingVendor({ stallModel: NEW_VENDOR_ID, afterEvents: 0 });
    try {
      const gw = await world.start({ vendor: stalling, gateway: { newModelTimeoutMs: 300, streamIdleTimeoutMs: 300 } });
      const message = await gw.client.messages.stream(messageParams({ user: USER })).finalMessage();
      expect(message.model).toBe(DEFAULT_VENDOR_ID);
      expect(message.content).toEqual([{ type: 'text', text: `Hello from ${DEFAULT_VENDOR_ID}`, citations: null }]);
      expect(stalling.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
      expect(stalling.calls[1]!.at - stalling.calls[0]!.at).toBeGreaterThanOrEqual(250);
      expect(gw.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(1);
      expect(gw.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(1);
    } finally {
      await stalling.close();
    }
  });

  // Regression: the SDK ends an aborted stream quietly; a stall after the first events must still
  // end with an error event and count as a model error.
  it('a stream that stalls after its first events is ended with an error event after the idle timeout', async () => {
    const stalling = await startStallingVendor({ stallModel: NEW_VENDOR_ID, afterEvents: 3 });
    try {
      const gw = await world.start({ vendor: stalling, gateway: { streamIdleTimeoutMs: 300 } });
      const raw = await postRaw(gw.url, { ...messageParams({ user: USER }), stream: true });
      const events = parseSse(raw.text);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'error',
      ]);
      expect(anthropicError(JSON.stringify(events[3]?.data)).type).toBe('api_error');
      expect(stalling.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID]);
      // the same through the SDK: iterating raises
      const stream = await gw.client.messages.create({ ...messageParams({ user: USER }), stream: true });
      await expect(
        (async () => {
          for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) void event;
        })(),
      ).rejects.toBeInstanceOf(Anthropic.APIError);
      expect(gw.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(2);
    } finally {
      await stalling.close();
    }
  });
});

describe('circuit breaker', () => {
  test('opens after failureThreshold consecutive failures, skips the new model, and retries after the cooldown', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    const h = await gateway({ circuitBreaker: { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 1 } });
    const ask = async (): Promise<{ model: string; variant: string | null; fallback: string | null }> => {
      const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
      return {
        model: data.model,
        variant: response.headers.get('x-rollout-variant'),
        fallback: response.headers.get('x-rollout-fallback'),
      };
    };

    for (let i = 0; i < 3; i++)
      expect(await ask()).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'new', fallback: 'true' });
    expect(newCalls()).toBe(3);
    expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(0);

    // open: straight to the default model
    expect((await ask()).model).toBe(DEFAULT_VENDOR_ID);
    expect((await ask()).model).toBe(DEFAULT_VENDOR_ID);
    expect(newCalls()).toBe(3);
    expect(defaultCalls()).toBe(5);
    expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(2);
    expect(h.metrics.sum(NEW_ALIAS, 'Requests')).toBe(3);

    // users outside the cohort are unaffected; pass-through is unaffected
    await world.flags.writeFlag(flagOn(0));
    expect((await ask()).variant).toBe('default');
    await world.flags.writeFlag(flagOn(100));

    // after the cooldown: one trial call; still failing → open again at once
    await sleep(1100);
    expect((await ask()).model).toBe(DEFAULT_VENDOR_ID);
    expect(newCalls()).toBe(4);
    expect((await ask()).model).toBe(DEFAULT_VENDOR_ID);
    expect(newCalls()).toBe(4);

    // after the next cooldown the new model is healthy: it serves, and the breaker closes
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok' });
    await sleep(1100);
    expect(await ask()).toEqual({ model: NEW_VENDOR_ID, variant: 'new', fallback: null });
    expect(await ask()).toEqual({ model: NEW_VENDOR_ID, variant: 'new', fallback: null });
    expect(newCalls()).toBe(6);
  });

  test('a success resets the count of consecutive failures', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, (i) => (i === 2 ? { kind: 'ok' } : { kind: 'status', status: 503 }));
    const h = await gateway({ circuitBreaker: { failureThreshold: 3, cooldownSeconds: 60 } });
    // fail, fail, ok, fail, fail → never 3 in a row: every request reaches the new model
    for (let i = 0; i < 5; i++) await h.client.messages.create(messageParams({ user: USER }));
    expect(newCalls()).toBe(5);
    expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(0);
  });
});
