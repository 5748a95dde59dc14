import { Writable } from 'node:stream';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { gatewaySettingsFrom } from '../../../lib/domain/gateway-settings';
import { shippedConfig } from '../../fixtures/config';
import { startFakeAgent, type FakeAgent } from '../../helpers/fake-agent';
import { startFakeVendor, type FakeVendor } from '../../helpers/fake-vendor';

/** What the Lambda runtime's response stream receives: the metadata prelude, then the body. */
class CapturedResponse extends Writable {
  public metadata?: { statusCode: number; headers: Record<string, string> };
  public readonly chunks: string[] = [];

  public override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }

  public get body(): string {
    return this.chunks.join('');
  }
}

type StreamHandler = (event: LambdaFunctionURLEvent, stream: Writable, context: Context) => Promise<void>;

// The Lambda runtime's `awslambda` global, as the Node.js runtime provides it.
Object.assign(globalThis, {
  awslambda: {
    streamifyResponse: (fn: StreamHandler) => fn,
    HttpResponseStream: {
      from: (stream: CapturedResponse, metadata: CapturedResponse['metadata']) => {
        stream.metadata = metadata;
        return stream;
      },
    },
  },
});

function urlEvent(body: unknown, headers: Record<string, string> = {}, base64 = false): LambdaFunctionURLEvent {
  const text = JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/messages',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012', apiId: 'x', domainName: 'x.lambda-url.us-east-1.on.aws', domainPrefix: 'x',
      http: { method: 'POST', path: '/v1/messages', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0,
    },
    body: base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: base64,
  };
}

describe('Lambda handler (Function URL, response streaming)', () => {
  const secrets = mockClient(SecretsManagerClient);
  let vendor: FakeVendor;
  let agent: FakeAgent;
  let handler: StreamHandler;

  beforeAll(async () => {
    const config = shippedConfig();
    vendor = await startFakeVendor();
    agent = await startFakeAgent({ application: 'llm-model-rollout', environment: 'production', profile: 'model-flags' });
    agent.serve({ json: { enable_claude_haiku_4_5: { enabled: true, rolloutPercent: 100, allowlist: [], phase: 'full' } } });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      ROLLOUT_GATEWAY_SETTINGS: JSON.stringify(gatewaySettingsFrom(config)),
      VENDOR_API_KEY_SECRET_ID: 'llm-model-rollout/anthropic-api-key',
      ID_HASH_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash',
      ANTHROPIC_BASE_URL: vendor.url,
      AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(agent.port),
    });
    secrets.on(GetSecretValueCommand, { SecretId: 'llm-model-rollout/anthropic-api-key' }).resolves({ SecretString: '{"apiKey":"sk-test-key"}' });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash' }).resolves({ SecretString: 'h'.repeat(64) });
    ({ handler } = (await import('../../../lambda/gateway/handler')) as unknown as { handler: StreamHandler });
  });

  afterAll(async () => {
    secrets.restore();
    await Promise.all([vendor.close(), agent.close()]);
  });

  it('answers a JSON request from the new model, with the key from Secrets Manager and the flag from the agent', async () => {
    const out = new CapturedResponse();
    await handler(urlEvent({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'u-1' } }), out, {} as Context);
    expect(out.metadata).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json', 'x-rollout-variant': 'new' } });
    expect((JSON.parse(out.body) as { model: string }).model).toBe('claude-haiku-4-5-20251001');
    const call = vendor.calls.at(-1)!;
    expect(call.headers.authorization ?? call.headers['x-api-key']).toMatch(/sk-test-key/);
    expect(agent.requests.at(-1)!.headers['entity-id']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reads each secret once per execution environment', async () => {
    const before = secrets.commandCalls(GetSecretValueCommand).length;
    await handler(urlEvent({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }), new CapturedResponse(), {} as Context);
    expect(secrets.commandCalls(GetSecretValueCommand).length - before).toBe(0);
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId).sort()).toEqual([
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash',
      'llm-model-rollout/anthropic-api-key',
    ]);
  });

  it('streams server-sent events through the response stream (base64 body accepted)', async () => {
    const out = new CapturedResponse();
    await handler(urlEvent({ model: 'claude-sonnet-4-6', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'u-1' } }, {}, true), out, {} as Context);
    expect(out.metadata).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream', 'x-rollout-variant': 'new' } });
    expect(out.body).toMatch(/^event: message_start\ndata: /);
    expect(out.body).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
  });

  it('answers bad input with an Anthropic 400 and never calls the vendor', async () => {
    const calls = vendor.calls.length;
    const out = new CapturedResponse();
    await handler(urlEvent({ model: 'claude-sonnet-4-6', messages: [] }), out, {} as Context);
    expect(out.metadata?.statusCode).toBe(400);
    expect(JSON.parse(out.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) } });
    expect(vendor.calls.length).toBe(calls);
  });
});
