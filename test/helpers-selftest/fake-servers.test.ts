import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { startFakeVendor, type FakeVendor, DEFAULT_ANSWER_EVENT_TYPES } from '../../fakes/fake-vendor';
import { startFakeAgent, type FakeAgent } from '../../fakes/fake-agent';

const MODEL = 'claude-haiku-4-5';
const FALLBACK = 'claude-haiku-4-5-20251001';
const PARAMS = { model: MODEL, max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('fake vendor driven by @anthropic-ai/sdk', () => {
  let vendor: FakeVendor;
  let client: Anthropic;

  beforeAll(async () => {
    vendor = await startFakeVendor();
    client = new Anthropic({ apiKey: 'test', baseURL: vendor.url, maxRetries: 0 });
  });
  afterEach(() => vendor.reset());
  afterAll(() => vendor.close());

  test('non-streaming ok: content, usage, model, headers', async () => {
    const { data, response } = await client.messages.create(PARAMS).withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text: `Hello from ${MODEL}` }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 7 }, // ceil(27 chars / 4)
    });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('1000');
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('999');
    expect(Date.parse(response.headers.get('anthropic-ratelimit-requests-reset') ?? '')).toBeGreaterThan(Date.now());

    expect(vendor.calls).toHaveLength(1);
    const call = vendor.calls[0];
    expect(call).toMatchObject({ model: MODEL, stream: false, body: { max_tokens: 64 } });
    expect(call?.headers.authorization).toBe('Bearer test');
    expect(call?.headers['anthropic-version']).toBeDefined();
  });

  test('ok options: text, stop reason and token counts', async () => {
    vendor.setBehaviour(MODEL, { kind: 'ok', text: 'no', stopReason: 'refusal', inputTokens: 123, outputTokens: 7 });
    const message = await client.messages.create(PARAMS);
    expect(message.content).toEqual([{ type: 'text', text: 'no', citations: null }]);
    expect(message.stop_reason).toBe('refusal');
    expect(message.usage).toMatchObject({ input_tokens: 123, output_tokens: 7 });
  });

  test('streaming ok via messages.create({stream: true})', async () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    vendor.setBehaviour(MODEL, { kind: 'ok', text, inputTokens: 20, outputTokens: 9 });
    const stream = await client.messages.create({ ...PARAMS, stream: true });
    const events: RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.map((e) => e.type)).toEqual(DEFAULT_ANSWER_EVENT_TYPES);
    let assembled = '';
    let finalOutputTokens = -1;
    let stopReason: string | null = null;
    for (const event of events) {
      if (event.type === 'message_start') {
        expect(event.message.usage).toMatchObject({ input_tokens: 20, output_tokens: 1 });
        expect(event.message.model).toBe(MODEL);
      }
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') assembled += event.delta.text;
      if (event.type === 'message_delta') {
        finalOutputTokens = event.usage.output_tokens;
        stopReason = event.delta.stop_reason;
      }
    }
    expect(assembled).toBe(text);
    expect(finalOutputTokens).toBe(9);
    expect(stopReason).toBe('end_turn');
    expect(vendor.calls[0]).toMatchObject({ model: MODEL, stream: true });
  });

  test('messages.stream().finalMessage()', async () => {
    vendor.setBehaviour(MODEL, { kind: 'ok', text: 'streamed answer', stopReason: 'max_tokens', outputTokens: 64 });
    const message = await client.messages.stream(PARAMS).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'streamed answer', citations: null }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 64 });
  });

  test('429 raises RateLimitError with retry-after visible', async () => {
    vendor.setBehaviour(MODEL, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const err = await caught(() => client.messages.create(PARAMS));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const apiErr = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiErr.status).toBe(429);
    expect(apiErr.headers.get('retry-after')).toBe('1');
    expect(apiErr.type).toBe('rate_limit_error');
    expect(apiErr.requestID).toMatch(/^req_/);
  });

  test('529 raises InternalServerError (overloaded_error)', async () => {
    vendor.setBehaviour(MODEL, { kind: 'status', status: 529 });
    const err = await caught(() => client.messages.create(PARAMS));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    const apiErr = err as InstanceType<typeof Anthropic.InternalServerError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  test('default error types by status', async () => {
    const expected: [number, string, new (...args: never[]) => Error][] = [
      [400, 'invalid_request_error', Anthropic.BadRequestError],
      [401, 'authentication_error', Anthropic.AuthenticationError],
      [500, 'api_error', Anthropic.InternalServerError],
      [503, 'api_error', Anthropic.InternalServerError],
    ];
    for (const [status, type, errorClass] of expected) {
      vendor.setBehaviour(MODEL, { kind: 'status', status });
      const err = await caught(() => client.messages.create(PARAMS));
      expect(err).toBeInstanceOf(errorClass);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe(type);
    }
    vendor.setBehaviour(MODEL, {
      kind: 'status',
      status: 400,
      errorType: 'invalid_request_error',
      message: 'bad model',
    });
    const err = (await caught(() => client.messages.create(PARAMS))) as InstanceType<typeof Anthropic.APIError>;
    expect(err.apiMessage).toBe('bad model');
  });

  test('function behaviour fails the first call per model, and the SDK retry succeeds', async () => {
    const seen: number[] = [];
    vendor.setBehaviour(MODEL, (i) => {
      seen.push(i);
      return i === 0 ? { kind: 'status', status: 529, headers: { 'retry-after-ms': '10' } } : { kind: 'ok' };
    });
    const retrying = new Anthropic({ apiKey: 'test', baseURL: vendor.url, maxRetries: 1 });
    const message = await retrying.messages.create(PARAMS);
    expect(message.content[0]).toMatchObject({ text: `Hello from ${MODEL}` });
    expect(seen).toEqual([0, 1]);
    // other models are counted separately and default to ok
    await client.messages.create({ ...PARAMS, model: FALLBACK });
    expect(vendor.calls.map((c) => c.model)).toEqual([MODEL, MODEL, FALLBACK]);
  });

  test('reset raises APIConnectionError (not a timeout)', async () => {
    vendor.setBehaviour(MODEL, { kind: 'reset' });
    const err = await caught(() => client.messages.create(PARAMS));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(err).not.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
  });

  test('hang with timeout 300 raises APIConnectionTimeoutError', async () => {
    vendor.setBehaviour(MODEL, { kind: 'hang' });
    const started = Date.now();
    const err = await caught(() => client.messages.create(PARAMS, { timeout: 300 }));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(vendor.calls).toHaveLength(1);
  });

  test('midstream-error raises while iterating, after the first events', async () => {
    vendor.setBehaviour(MODEL, { kind: 'midstream-error', afterEvents: 3 });
    const stream = await client.messages.create({ ...PARAMS, stream: true });
    const types: string[] = [];
    const err = await caught(async () => {
      for await (const event of stream) types.push(event.type);
    });
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBeUndefined();
    expect(apiErr.type).toBe('overloaded_error');
  });

  test('midstream-reset raises while iterating, after the first events', async () => {
    vendor.setBehaviour(MODEL, { kind: 'midstream-reset', afterEvents: 2 });
    const stream = await client.messages.create({ ...PARAMS, stream: true });
    const types: string[] = [];
    const err = await caught(async () => {
      for await (const event of stream) types.push(event.type);
    });
    expect(types).toEqual(['message_start', 'content_block_start']);
    // undici's TypeError('terminated') comes from another realm than jest's, so no toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  test('midstream behaviours on a non-streaming request: 529 and connection error', async () => {
    vendor.setBehaviour(MODEL, { kind: 'midstream-error', afterEvents: 1 });
    expect(await caught(() => client.messages.create(PARAMS))).toBeInstanceOf(Anthropic.InternalServerError);
    vendor.setBehaviour(MODEL, { kind: 'midstream-reset', afterEvents: 1 });
    expect(await caught(() => client.messages.create(PARAMS))).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  test('models.retrieve works and 404s', async () => {
    const info = await client.models.retrieve(MODEL);
    expect(info).toMatchObject({ type: 'model', id: MODEL, display_name: MODEL, created_at: '2025-10-01T00:00:00Z' });
    vendor.setBehaviour('claude-2.1', { kind: 'status', status: 404 });
    const err = await caught(() => client.models.retrieve('claude-2.1'));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).type).toBe('not_found_error');
    expect(vendor.calls).toHaveLength(0);
    expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1/models/${MODEL}`,
      'GET /v1/models/claude-2.1',
    ]);
  });

  test('x-api-key header style, unknown paths and bad JSON', async () => {
    const ok = await fetch(`${vendor.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(PARAMS),
    });
    expect(ok.status).toBe(200);
    expect(vendor.calls[0]?.headers['x-api-key']).toBe('k');

    const missing = await fetch(`${vendor.url}/v1/complete`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    const bad = await fetch(`${vendor.url}/v1/messages`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  test('reset() clears calls and behaviours', async () => {
    vendor.setBehaviour(MODEL, { kind: 'status', status: 500 });
    await caught(() => client.messages.create(PARAMS));
    expect(vendor.calls).toHaveLength(1);
    vendor.reset();
    expect(vendor.calls).toHaveLength(0);
    await expect(client.messages.create(PARAMS)).resolves.toMatchObject({ model: MODEL });
  });
});

describe('fake vendor without records (record: false, for benchmarks)', () => {
  test('answers as ever, behaviours and per-model call counts included, and keeps no call, request or count', async () => {
    const vendor = await startFakeVendor({ record: false });
    try {
      const client = new Anthropic({ apiKey: 'test', baseURL: vendor.url, maxRetries: 0 });
      vendor.setBehaviour(MODEL, (i) => (i === 0 ? { kind: 'status', status: 529 } : { kind: 'ok', text: 'second' }));
      await expect(client.messages.create(PARAMS)).rejects.toMatchObject({ status: 529 });
      await expect(client.messages.create(PARAMS)).resolves.toMatchObject({
        content: [{ type: 'text', text: 'second' }],
      });
      await client.messages.countTokens({ model: MODEL, messages: PARAMS.messages });
      expect(vendor.calls).toHaveLength(0);
      expect(vendor.requests).toHaveLength(0);
      expect(vendor.counts).toHaveLength(0);
    } finally {
      await vendor.close();
    }
  });
});

describe('fake vendor latency and close', () => {
  test('latencyMs delays every answer; delayMs adds to it', async () => {
    const vendor = await startFakeVendor({ latencyMs: 150 });
    try {
      const client = new Anthropic({ apiKey: 'test', baseURL: vendor.url, maxRetries: 0 });
      let started = Date.now();
      await client.messages.create(PARAMS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      vendor.setBehaviour(MODEL, { kind: 'ok', delayMs: 150 });
      started = Date.now();
      await client.messages.create(PARAMS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      vendor.setBehaviour(MODEL, { kind: 'status', status: 429 });
      started = Date.now();
      await caught(() => client.messages.create(PARAMS));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await vendor.close();
    }
  });

  test('close() ends hanging and delayed requests', async () => {
    const vendor = await startFakeVendor({ latencyMs: 60_000 });
    const client = new Anthropic({ apiKey: 'test', baseURL: vendor.url, maxRetries: 0, timeout: 10_000 });
    vendor.setBehaviour(FALLBACK, { kind: 'hang' });
    const delayed = caught(() => client.messages.create(PARAMS));
    const hanging = caught(() => client.messages.create({ ...PARAMS, model: FALLBACK }));
    while (vendor.calls.length < 2) await new Promise((r) => setTimeout(r, 10));
    await vendor.close();
    expect(await delayed).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(await hanging).toBeInstanceOf(Anthropic.APIConnectionError);
    await vendor.close(); // idempotent
  });
});

describe('fake AppConfig agent', () => {
  const app = 'llm-gateway';
  const env = 'prod';
  const profile = 'model-flags';
  const configUrl = (agent: FakeAgent): string =>
    `${agent.url}/applications/${app}/environments/${env}/configurations/${profile}`;
  let agent: FakeAgent;

  beforeEach(async () => {
    agent = await startFakeAgent({ application: app, environment: env, profile });
  });
  afterEach(() => agent.close());

  test('404 before serve() is called', async () => {
    const res = await fetch(configUrl(agent));
    expect(res.status).toBe(404);
    await res.text();
  });

  test('json', async () => {
    const doc = { model: { enabled: true, variant: 'canary' } };
    agent.serve({ json: doc });
    const res = await fetch(configUrl(agent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(doc);
    expect(agent.url).toBe(`http://127.0.0.1:${agent.port}`);
  });

  test('raw text (bad JSON)', async () => {
    agent.serve({ text: '{"model": ' });
    const res = await fetch(configUrl(agent));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"model": ');
  });

  test('status failure', async () => {
    agent.serve({ status: 500 });
    const res = await fetch(configUrl(agent));
    expect(res.status).toBe(500);
    await res.text();
  });

  test('entity-specific answers via the Entity-Id header', async () => {
    agent.serve({ json: { variant: 'stable' } });
    agent.serveForEntity('user-42', { json: { variant: 'canary' } });
    const forEntity = await fetch(configUrl(agent), { headers: { 'Entity-Id': 'user-42' } });
    expect(await forEntity.json()).toEqual({ variant: 'canary' });
    const other = await fetch(configUrl(agent), { headers: { 'Entity-Id': 'user-7' } });
    expect(await other.json()).toEqual({ variant: 'stable' });
    const none = await fetch(configUrl(agent));
    expect(await none.json()).toEqual({ variant: 'stable' });
  });

  test('wrong path → 404 text, and the requests log', async () => {
    agent.serve({ json: {} });
    const wrong = await fetch(`${agent.url}/applications/${app}/environments/dev/configurations/${profile}`);
    expect(wrong.status).toBe(404);
    expect(wrong.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await wrong.text()).toMatch(/not found/i);
    await (await fetch(`${configUrl(agent)}?flag=model`, { headers: { 'Entity-Id': 'u1' } })).text();
    expect(agent.requests.map((r) => r.path)).toEqual([
      `/applications/${app}/environments/dev/configurations/${profile}`,
      `/applications/${app}/environments/${env}/configurations/${profile}?flag=model`,
    ]);
    expect(agent.requests[1]?.headers['entity-id']).toBe('u1');
  });

  test('hang: the client times out, close() still completes', async () => {
    agent.serve('hang');
    await expect(fetch(configUrl(agent), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(agent.requests).toHaveLength(1);
  });
});
