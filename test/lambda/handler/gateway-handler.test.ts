import { startHandlerFixture, urlEvent, type HandlerFixture } from './handler-fixture';

// The deployed handler, invoked by the Lambda runtime's real response-streaming code and read back
// as the Function URL's client sees it (status and headers come from the metadata prelude).
describe('Lambda handler (Function URL, response streaming)', () => {
  let f: HandlerFixture;

  beforeAll(async () => {
    f = await startHandlerFixture();
  });

  afterAll(() => f.close());

  it('answers a JSON request from the new model, with the key from Secrets Manager and the flag from the agent', async () => {
    const { response } = await f.invoke(
      urlEvent({
        model: 'claude-sonnet-4-6',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
        metadata: { user_id: 'u-1' },
      }),
    );
    expect(response).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-rollout-variant': 'new' },
    });
    expect((JSON.parse(response.body) as { model: string }).model).toBe('claude-haiku-4-5-20251001');
    const call = f.vendor.calls.at(-1)!;
    expect(call.headers.authorization ?? call.headers['x-api-key']).toMatch(/sk-test-key/);
    expect(f.agent.requests.at(-1)!.headers['entity-id']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reads each secret once per execution environment', async () => {
    const before = f.secrets.count();
    const { response } = await f.invoke(
      urlEvent({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(response.statusCode).toBe(200);
    expect(f.secrets.count() - before).toBe(0);
    // every GetSecretValue request the fake received (retries would show here), each signed correctly
    expect(f.secrets.requests.map((r) => [r.secretId, r.status, r.signatureValid]).sort()).toEqual([
      ['arn:aws:secretsmanager:us-east-1:123456789012:secret:hash', 200, true],
      ['llm-model-rollout/anthropic-api-key', 200, true],
    ]);
  });

  it('streams server-sent events through the response stream (base64 body accepted)', async () => {
    const { response } = await f.invoke(
      urlEvent(
        {
          model: 'claude-sonnet-4-6',
          max_tokens: 5,
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
          metadata: { user_id: 'u-1' },
        },
        {},
        true,
      ),
    );
    expect(response).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'x-rollout-variant': 'new' },
    });
    expect(response.body).toMatch(/^event: message_start\ndata: /);
    expect(response.body).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
  });

  it('answers bad input with an Anthropic 400 and never calls the vendor', async () => {
    const calls = f.vendor.calls.length;
    const { response } = await f.invoke(urlEvent({ model: 'claude-sonnet-4-6', messages: [] }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) },
    });
    expect(f.vendor.calls.length).toBe(calls);
  });
});
