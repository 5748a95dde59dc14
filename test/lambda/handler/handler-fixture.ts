/**
 * The deployed gateway handler (lambda/gateway/handler.ts) run by the Lambda runtime's real
 * response-streaming code (test/helpers/lambda-runtime), with a fake vendor, a fake AppConfig
 * agent serving the new-model flag at 100%, and the fake Secrets Manager
 * (fakes/fake-secrets-manager.ts), which the handler's SecretsManagerReader reaches through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER with the role credentials set here, as Lambda sets them.
 * Each test file gets its own handler module, so its own execution environment (secrets read
 * once, flag cache).
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { gatewaySettingsFrom } from '../../../lib/domain/gateway-settings';
import { shippedConfig } from '../../fixtures/config';
import { startFakeAgent } from '../../../fakes/fake-agent';
import { FAKE_SECRETS_MANAGER_CREDENTIALS, startFakeSecretsManager } from '../../../fakes/fake-secrets-manager';
import { startFakeVendor } from '../../../fakes/fake-vendor';
import { startLambdaRuntime } from '../../helpers/lambda-runtime/lambda-runtime';

export const VENDOR_KEY_SECRET = 'llm-model-rollout/anthropic-api-key';
export const HASH_KEY_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash';

export type HandlerFixture = Awaited<ReturnType<typeof startHandlerFixture>>;

export interface HandlerFixtureOptions {
  /** The function's timeout, as `context.getRemainingTimeInMillis()` counts it down. @default 10 s */
  readonly timeoutMs?: number;
  /** More environment variables for the function (set before the handler module loads). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startHandlerFixture(options: HandlerFixtureOptions = {}) {
  const secrets = await startFakeSecretsManager();
  const resolveSecrets = (): void => {
    secrets.clearFaults();
    secrets.set(VENDOR_KEY_SECRET, '{"apiKey":"sk-test-key"}');
    secrets.set(HASH_KEY_SECRET, 'h'.repeat(64));
  };
  resolveSecrets();
  const vendor = await startFakeVendor();
  const agent = await startFakeAgent({
    application: 'llm-model-rollout',
    environment: 'production',
    profile: 'model-flags',
  });
  agent.serve({
    json: { enable_claude_haiku_4_5: { enabled: true, rolloutPercent: 100, allowlist: [], phase: 'full' } },
  });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ACCESS_KEY_ID: FAKE_SECRETS_MANAGER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_SECRETS_MANAGER_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: FAKE_SECRETS_MANAGER_CREDENTIALS.sessionToken,
    ROLLOUT_GATEWAY_SETTINGS: JSON.stringify(gatewaySettingsFrom(shippedConfig())),
    VENDOR_API_KEY_SECRET_ID: VENDOR_KEY_SECRET,
    ID_HASH_KEY_SECRET_ID: HASH_KEY_SECRET,
    ANTHROPIC_BASE_URL: vendor.url,
    AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(agent.port),
    ...options.env,
  });
  // Installs the runtime's `awslambda` global, which the handler module uses as it loads.
  const runtime = await startLambdaRuntime({ timeoutMs: options.timeoutMs });
  const { handler } = await import('../../../lambda/gateway/handler');
  return {
    handler,
    runtime,
    vendor,
    agent,
    secrets,
    /** Puts the fixture's secret values back and ends pending failures (after a test made a read fail). */
    resolveSecrets,
    /** One invocation of the gateway handler through the runtime. */
    invoke: (event: LambdaFunctionURLEvent) => runtime.invoke(handler, event),
    async close(): Promise<void> {
      await Promise.all([runtime.close(), vendor.close(), agent.close(), secrets.close()]);
    },
  };
}

/** A Function URL event for POST /v1/messages with `body` as JSON. */
export function urlEvent(body: unknown, headers: Record<string, string> = {}, base64 = false): LambdaFunctionURLEvent {
  return urlEventWithText(JSON.stringify(body), headers, base64);
}

/** A Function URL event for POST /v1/messages with `text` as the body, as sent (JSON or not). */
export function urlEventWithText(
  text: string,
  headers: Record<string, string> = {},
  base64 = false,
): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/messages',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'x',
      domainName: 'x.lambda-url.us-east-1.on.aws',
      domainPrefix: 'x',
      http: { method: 'POST', path: '/v1/messages', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: base64,
  };
}
