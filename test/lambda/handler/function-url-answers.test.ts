import { errorBody } from '../../../fakes/fake-vendor';
import {
  HASH_KEY_SECRET,
  startHandlerFixture,
  urlEvent,
  urlEventWithText,
  type HandlerFixture,
} from './handler-fixture';

const DEFAULT_VENDOR_ID = 'claude-sonnet-4-6';
const ask = { model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };

// Every kind of answer the gateway gives, through the Lambda runtime's real response stream, as
// the Function URL's client gets it. None may turn into the Function URL's own 502.
describe('Function URL answers of the Lambda handler', () => {
  let f: HandlerFixture;

  beforeAll(async () => {
    f = await startHandlerFixture();
  });

  afterAll(() => f.close());

  // First in this file: the hash key is read on first use and kept once read, so this is the
  // one invocation of this execution environment that still reads it.
  it("answers the gateway's own 500 when a secret cannot be read", async () => {
    // AccessDeniedException is not retried: one request, then the gateway's answer.
    f.secrets.fail('AccessDeniedException', { secretId: HASH_KEY_SECRET, times: Number.POSITIVE_INFINITY });
    try {
      const { response } = await f.invoke(urlEvent(ask));
      expect(response).toMatchObject({ statusCode: 500, headers: { 'content-type': 'application/json' } });
      expect(JSON.parse(response.body)).toEqual({
        type: 'error',
        error: { type: 'api_error', message: 'The gateway failed to handle the request.' },
      });
      expect(f.secrets.requests.filter((r) => r.secretId === HASH_KEY_SECRET).map((r) => r.errorCode)).toEqual([
        'AccessDeniedException',
      ]);
    } finally {
      f.resolveSecrets();
    }
  });

  it('answers a JSON request with 200 and the message', async () => {
    const { response } = await f.invoke(urlEvent({ ...ask, metadata: { user_id: 'u-1' } }));
    expect(response).toMatchObject({
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        'x-rollout-variant': 'new',
        'request-id': expect.stringMatching(/^req_/),
      },
    });
    expect(JSON.parse(response.body)).toMatchObject({ type: 'message', model: 'claude-haiku-4-5-20251001' });
  });

  it("answers a body that is not JSON with the gateway's own 400", async () => {
    const { response } = await f.invoke(urlEventWithText('{"model": '));
    expect(response).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(response.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/not valid JSON/) },
    });
  });

  it("passes the vendor's 400 on the default model through, status, body and request-id", async () => {
    f.vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'status', status: 400, message: 'max_tokens: 5 is too small' });
    try {
      // No user id: not in the cohort, so the request goes to the default model only.
      const { response } = await f.invoke(urlEvent(ask));
      expect(response).toMatchObject({
        statusCode: 400,
        headers: {
          'content-type': 'application/json',
          'x-rollout-variant': 'default',
          'request-id': expect.stringMatching(/^req_/),
        },
      });
      expect(JSON.parse(response.body)).toEqual(errorBody('invalid_request_error', 'max_tokens: 5 is too small'));
      expect(f.vendor.calls.at(-1)!.model).toBe(DEFAULT_VENDOR_ID);
    } finally {
      f.vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'ok' });
    }
  });

  it('streams server-sent events with a 200 event-stream prelude', async () => {
    const { response } = await f.invoke(urlEvent({ ...ask, stream: true, metadata: { user_id: 'u-1' } }));
    expect(response).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-rollout-variant': 'new' },
    });
    const events = response.body
      .split('\n\n')
      .filter(Boolean)
      .map((block) => /^event: (\w+)\ndata: /.exec(block)?.[1]);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(events).not.toContain(undefined);
  });
});
