/**
 * Bad input (docs/ARCHITECTURE.md, Gateway): the gateway answers it itself, in Anthropic's error format and status,
 * and nothing invalid reaches the vendor. Sent with fetch so anything can be sent.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  anthropicError,
  caught,
  DEFAULT_ALIAS,
  FlagFile,
  flagOn,
  messageParams,
  postRaw,
  startGateway,
  type GatewayHarness,
} from './harness';

const MAX_BYTES = 1000;

let vendor: FakeVendor;
let flags: FlagFile;
let gw: GatewayHarness;

beforeAll(async () => {
  vendor = await startFakeVendor();
  flags = await FlagFile.create(flagOn(100));
  gw = await startGateway({ vendor, flags: { kind: 'file', file: flags }, gateway: { maxRequestBytes: MAX_BYTES } });
});
afterEach(() => {
  // nothing invalid may ever reach the vendor
  expect(vendor.requests).toEqual([]);
  vendor.reset();
});
afterAll(async () => {
  await gw.close();
  await vendor.close();
  await flags.remove();
});

const valid = (): Record<string, unknown> => ({
  model: DEFAULT_ALIAS,
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hi' }],
  metadata: { user_id: 'u1' },
});

function without(key: string): Record<string, unknown> {
  const body = valid();
  delete body[key];
  return body;
}

interface Case {
  readonly name: string;
  readonly body: string | Record<string, unknown> | unknown[];
  /** A pattern the error message must match: it names the field or the problem. */
  readonly message: RegExp;
}

const badRequests: Case[] = [
  { name: 'invalid JSON', body: '{"model": "claude-sonnet-4-6",', message: /JSON/ },
  { name: 'empty body', body: '', message: /JSON/ },
  { name: 'body is a JSON array', body: [valid()], message: /JSON object/ },
  { name: 'body is a JSON string', body: '"hello"', message: /JSON object/ },
  { name: 'body is null', body: 'null', message: /JSON object/ },
  { name: 'model missing', body: without('model'), message: /^model: / },
  { name: 'model empty', body: { ...valid(), model: '' }, message: /^model: / },
  { name: 'model a number', body: { ...valid(), model: 4 }, message: /^model: / },
  { name: 'max_tokens 0', body: { ...valid(), max_tokens: 0 }, message: /^max_tokens: / },
  { name: 'max_tokens negative', body: { ...valid(), max_tokens: -5 }, message: /^max_tokens: / },
  { name: 'max_tokens 1.5', body: { ...valid(), max_tokens: 1.5 }, message: /^max_tokens: / },
  { name: 'max_tokens a string', body: { ...valid(), max_tokens: '16' }, message: /^max_tokens: / },
  { name: 'max_tokens missing', body: without('max_tokens'), message: /^max_tokens: / },
  { name: 'messages missing', body: without('messages'), message: /^messages: / },
  { name: 'messages empty', body: { ...valid(), messages: [] }, message: /^messages: / },
  {
    name: 'messages not an array',
    body: { ...valid(), messages: { role: 'user', content: 'hi' } },
    message: /^messages: /,
  },
  {
    name: 'message with role system',
    body: { ...valid(), messages: [{ role: 'system', content: 'hi' }] },
    message: /messages\[0\]\.role/,
  },
  {
    name: 'message content a number',
    body: { ...valid(), messages: [{ role: 'user', content: 42 }] },
    message: /messages\[0\]\.content/,
  },
  {
    name: 'content block without type',
    body: { ...valid(), messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
    message: /messages\[0\]\.content/,
  },
  { name: 'stream "yes"', body: { ...valid(), stream: 'yes' }, message: /^stream: / },
  { name: 'system a number', body: { ...valid(), system: 7 }, message: /^system: / },
  { name: 'metadata.user_id a number', body: { ...valid(), metadata: { user_id: 42 } }, message: /metadata\.user_id/ },
  {
    name: 'metadata.user_id over 256 characters',
    body: { ...valid(), metadata: { user_id: 'u'.repeat(257) } },
    message: /metadata\.user_id/,
  },
];

describe('400 invalid_request_error, never forwarded', () => {
  test.each(badRequests)('$name', async ({ body, message }) => {
    const res = await postRaw(gw.url, typeof body === 'string' ? body : JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const error = anthropicError(res.text);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(message);
  });

  test('several problems are all named', async () => {
    const res = await postRaw(gw.url, { ...valid(), max_tokens: 0, stream: 'yes' });
    expect(res.status).toBe(400);
    const { message } = anthropicError(res.text);
    expect(message).toMatch(/max_tokens/);
    expect(message).toMatch(/stream/);
  });

  test('content-type text/plain → 400 naming the content type', async () => {
    const res = await postRaw(gw.url, JSON.stringify(valid()), { headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(anthropicError(res.text)).toEqual({
      type: 'invalid_request_error',
      message: expect.stringMatching(/Content-Type/),
    });
  });

  test('through the SDK a 400 raises Anthropic.BadRequestError', async () => {
    const err = await caught(() => gw.client.messages.create({ ...messageParams({ user: 'u1' }), max_tokens: 0 }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.status).toBe(400);
    expect(apiErr.type).toBe('invalid_request_error');
    expect(apiErr.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: /) },
    });
  });

  test('a streaming request with bad input gets a JSON 400, not an event stream', async () => {
    const res = await postRaw(gw.url, { ...valid(), stream: true, messages: [] });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(anthropicError(res.text).type).toBe('invalid_request_error');
    const err = await caught(() => gw.client.messages.stream({ ...messageParams(), messages: [] }).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('size, method and path', () => {
  test('a body over maxRequestBytes → 413 request_too_large', async () => {
    const body = JSON.stringify({ ...valid(), messages: [{ role: 'user', content: 'x'.repeat(MAX_BYTES) }] });
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BYTES);
    const res = await postRaw(gw.url, body);
    expect(res.status).toBe(413);
    const error = anthropicError(res.text);
    expect(error.type).toBe('request_too_large');
    expect(error.message).toMatch(String(MAX_BYTES));
    const err = await caught(() =>
      gw.client.messages.create({ ...messageParams(), messages: [{ role: 'user', content: 'x'.repeat(MAX_BYTES) }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
  });

  test('a much larger body (1 MB) also gets 413, and the server keeps serving', async () => {
    const res = await postRaw(gw.url, Buffer.alloc(1_000_000, 'a'));
    expect(res.status).toBe(413);
    expect(anthropicError(res.text).type).toBe('request_too_large');
    // a body exactly at the limit is accepted
    const base = JSON.stringify({ ...valid(), messages: [{ role: 'user', content: '' }] });
    const atLimit = JSON.stringify({
      ...valid(),
      messages: [{ role: 'user', content: 'y'.repeat(MAX_BYTES - Buffer.byteLength(base)) }],
    });
    expect(Buffer.byteLength(atLimit)).toBe(MAX_BYTES);
    const ok = await postRaw(gw.url, atLimit);
    expect(ok.status).toBe(200);
    vendor.reset(); // this one was meant to reach the vendor
  });

  test('GET /v1/messages → 405', async () => {
    const res = await postRaw(gw.url, '', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(anthropicError(res.text)).toEqual({ type: 'invalid_request_error', message: expect.stringMatching(/POST/) });
  });

  // RFC 9110 §15.5.6: a 405 carries Allow.
  it('GET /v1/messages → 405 carries Allow: POST', async () => {
    const res = await postRaw(gw.url, '', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  test.each([
    ['POST', '/v1/complete'],
    ['POST', '/v1/messages/count_tokens/extra'],
    ['POST', '/'],
    ['GET', '/v1/files'],
  ])('%s %s → 404 not_found_error', async (method, path) => {
    const res = await postRaw(gw.url, valid(), { method, path });
    expect(res.status).toBe(404);
    expect(anthropicError(res.text).type).toBe('not_found_error');
  });

  test('the SDK raises NotFoundError for a path the gateway does not serve', async () => {
    const err = await caught(() => gw.client.files.list());
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test('bad input publishes no model metrics and logs the rejection without the body', async () => {
    const before = gw.metrics.publishes.length;
    await postRaw(gw.url, { ...valid(), max_tokens: 0, messages: [{ role: 'user', content: 'BODY-MARKER-7731' }] });
    expect(gw.metrics.publishes.slice(before)).toEqual([]);
    const log = gw.requestLogs().at(-1);
    expect(log).toMatchObject({ status: 400, rejected: expect.stringMatching(/max_tokens/) });
    expect(JSON.stringify(gw.logger.calls)).not.toContain('BODY-MARKER-7731');
  });
});
