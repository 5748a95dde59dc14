import { jsonObjectsIn } from '../../gateway/harness';
import { startHandlerFixture, urlEvent, type HandlerFixture } from './handler-fixture';

// The deployed handler against its own Lambda timeout, counted down by the runtime's
// `context.getRemainingTimeInMillis()`: a 4 s function with a 2.5 s margin must end its answer
// itself after ~1.5 s, with the request logged and metered, well before the runtime gives up
// on it (the harness fails an invocation that outlives its timeout, as Lambda kills it).
const TIMEOUT_MS = 4000;
const MARGIN_MS = 2500;
const NEW_VENDOR_ID = 'claude-haiku-4-5-20251001';
const ask = {
  model: 'claude-sonnet-4-6',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
  metadata: { user_id: 'u-deadline' },
};

describe('Lambda handler deadline (timeout less ROLLOUT_GATEWAY_DEADLINE_MARGIN_MS)', () => {
  let f: HandlerFixture;
  let written: string[];
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    f = await startHandlerFixture({
      timeoutMs: TIMEOUT_MS,
      env: { ROLLOUT_GATEWAY_DEADLINE_MARGIN_MS: String(MARGIN_MS) },
    });
  });
  beforeEach(() => {
    written = [];
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  });
  afterEach(() => {
    stdout.mockRestore();
    f.vendor.reset();
  });
  afterAll(() => f.close());

  /** What the function wrote to stdout: its log lines and EMF blobs. */
  const lines = (): Record<string, unknown>[] => jsonObjectsIn(written.join(''));
  const requestLog = (): Record<string, unknown> | undefined => lines().find((l) => l.message === 'request');

  it('nothing sent yet (the model has not answered) → a 504 Anthropic error, logged and metered, before the Lambda timeout', async () => {
    f.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'hang' });
    const started = Date.now();
    const { response } = await f.invoke(urlEvent(ask));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS - 1000);
    expect(response).toMatchObject({
      statusCode: 504,
      headers: { 'content-type': 'application/json', 'x-rollout-variant': 'new' },
    });
    expect(JSON.parse(response.body)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: expect.any(String) },
    });
    expect(requestLog()).toMatchObject({ status: 504, cut: 'deadline' });
    // metered, but not as a model error: the deadline is the gateway's, and no fallback was tried
    const emf = lines().find((l) => l.Model === 'claude-haiku-4-5');
    expect(emf).toMatchObject({ Requests: 1, ModelErrors: 0 });
    expect(f.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID]);
  });

  it('mid-stream → the stream ends with an SSE error event, logged and metered, before the Lambda timeout', async () => {
    // ~4 s of answer: an event every 500 ms
    f.vendor.setBehaviour(NEW_VENDOR_ID, {
      kind: 'ok',
      text: 'a long answer that will not fit in time',
      eventDelayMs: 500,
    });
    const started = Date.now();
    const { response } = await f.invoke(urlEvent({ ...ask, stream: true }));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS - 1000);
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
    expect(response.failure).toBeUndefined();
    expect(response.body).toMatch(/^event: message_start\n/);
    expect(response.body).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]+"\}\}\n\n$/,
    );
    expect(response.body).not.toMatch(/message_stop/);
    expect(requestLog()).toMatchObject({ status: 200, cut: 'deadline' });
    expect(lines().find((l) => l.Model === 'claude-haiku-4-5')).toMatchObject({ Requests: 1, ModelErrors: 0 });
    // the vendor call was stopped, not left running
    const call = f.vendor.calls.at(-1);
    for (let i = 0; i < 50 && call?.closedAt === undefined; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(call?.closedEarly).toBe(true);
  });
});
