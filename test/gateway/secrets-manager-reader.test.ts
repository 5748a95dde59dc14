/**
 * SecretsManagerReader (lib/gateway/secrets-manager-reader.ts) against the fake Secrets Manager
 * (fakes/fake-secrets-manager.ts), which checks every request's SigV4 signature as it arrives,
 * and beside the AWS SDK's own SecretsManagerClient on the same fake: the reader replaced the
 * client in the gateway, so what it sends, how many attempts it makes and which error it ends
 * with must be what the SDK does.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import {
  FAKE_SECRETS_MANAGER_CREDENTIALS,
  startFakeSecretsManager,
  type FakeCredentials,
  type FakeSecretsManager,
  type RawReply,
  type SecretsManagerRequest,
} from '../../fakes/fake-secrets-manager';
import { readSecretString, SecretUnavailableError } from '../../lib/gateway/secrets';
import {
  SecretsManagerError,
  SecretsManagerReader,
  secretsManagerReaderFromEnvironment,
  type SecretsManagerReaderOptions,
} from '../../lib/gateway/secrets-manager-reader';

const REGION = 'us-east-1';
const KEY_SECRET = 'llm-model-rollout/anthropic-api-key';
const KEY_VALUE = '{"apiKey":"sk-ant-test"}';
const CREDS = FAKE_SECRETS_MANAGER_CREDENTIALS;
/** Headers the SDK adds for its own bookkeeping (invocation id, attempt count, its user agent), and signs. */
const SDK_BOOKKEEPING_HEADERS = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'];

let fake: FakeSecretsManager;
const cleanups: (() => void)[] = [];

beforeEach(async () => {
  fake = await startFakeSecretsManager({ [KEY_SECRET]: KEY_VALUE });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await fake.close();
});

function reader(options: Partial<SecretsManagerReaderOptions> = {}): SecretsManagerReader {
  const r = new SecretsManagerReader({
    region: REGION,
    endpoint: fake.url,
    credentials: () => CREDS,
    backoffBaseMs: 1,
    throttlingBackoffBaseMs: 1,
    ...options,
  });
  cleanups.push(() => r.destroy());
  return r;
}

/** The real client, as the gateway used it; only its backoff is shortened (classification and attempts are its own). */
function sdkClient(credentials: FakeCredentials = CREDS): SecretsManagerClient {
  const client = new SecretsManagerClient({
    region: REGION,
    endpoint: fake.url,
    credentials,
    retryStrategy: new ConfiguredRetryStrategy(3, () => 1),
  });
  cleanups.push(() => client.destroy());
  return client;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`not an Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

/** The same read by the real SDK client and by the reader, both expected to fail: their errors and the requests each made. */
async function bothFail(): Promise<{
  sdkErr: Error;
  ownErr: SecretsManagerError;
  viaSdk: SecretsManagerRequest[];
  viaReader: SecretsManagerRequest[];
}> {
  let sdkErr: Error | undefined;
  const viaSdk = await requestsOf(async () => {
    sdkErr = await caught(sdkClient().send(new GetSecretValueCommand({ SecretId: KEY_SECRET })));
  });
  let ownErr: SecretsManagerError | undefined;
  const viaReader = await requestsOf(async () => {
    ownErr = await readerError(reader().getSecretString(KEY_SECRET));
  });
  return { sdkErr: sdkErr!, ownErr: ownErr!, viaSdk, viaReader };
}

async function readerError(promise: Promise<unknown>): Promise<SecretsManagerError> {
  const err = await caught(promise);
  expect(err).toBeInstanceOf(SecretsManagerError);
  return err as SecretsManagerError;
}

/** The GetSecretValue requests `run` made at the fake (every attempt is one). */
async function requestsOf(run: () => Promise<unknown>): Promise<SecretsManagerRequest[]> {
  const before = fake.requests.length;
  await run().catch(() => undefined);
  return fake.requests.slice(before);
}

describe('parity with the AWS SDK’s SecretsManagerClient', () => {
  test('the same operation, content type, body, signed headers and credential scope, and the fake’s signature check accepts both', async () => {
    const viaSdk = await requestsOf(async () =>
      expect((await sdkClient().send(new GetSecretValueCommand({ SecretId: KEY_SECRET }))).SecretString).toBe(
        KEY_VALUE,
      ),
    );
    const viaReader = await requestsOf(async () => expect(await reader().getSecretString(KEY_SECRET)).toBe(KEY_VALUE));
    expect(viaSdk).toHaveLength(1);
    expect(viaReader).toHaveLength(1);
    const [sdk, own] = [viaSdk[0]!, viaReader[0]!];
    for (const r of [sdk, own]) expect(r).toMatchObject({ signatureValid: true, status: 200 });
    expect(own.target).toBe('secretsmanager.GetSecretValue');
    expect(own.target).toBe(sdk.target);
    expect(own.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(own.headers['content-type']).toBe(sdk.headers['content-type']);
    expect(own.body).toBe(sdk.body);
    expect(JSON.parse(own.body)).toEqual({ SecretId: KEY_SECRET });
    expect(own.credentialScope).toMatch(/^\d{8}\/us-east-1\/secretsmanager\/aws4_request$/);
    expect(own.credentialScope).toBe(sdk.credentialScope);
    expect(own.accessKeyId).toBe(sdk.accessKeyId);
    // The SDK signs every header it sends but user-agent; the reader sends the same ones less the
    // SDK's bookkeeping. Both sign the session token and the payload hash.
    expect(sdk.signedHeaders).toEqual(expect.arrayContaining(SDK_BOOKKEEPING_HEADERS));
    expect(own.signedHeaders).toEqual(sdk.signedHeaders.filter((h) => !SDK_BOOKKEEPING_HEADERS.includes(h)));
    expect(own.signedHeaders).toEqual([
      'content-length',
      'content-type',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-target',
    ]);
  });

  test.each([
    { code: 'InternalServiceError', status: 500, attempts: 3 },
    { code: 'ThrottlingException', status: 400, attempts: 3 },
    { code: 'ResourceNotFoundException', status: 400, attempts: 1 },
    { code: 'AccessDeniedException', status: 400, attempts: 1 },
  ])('$code ($status): $attempts attempt(s) by both, ending with the same code', async ({ code, status, attempts }) => {
    fake.fail(code, { status, times: Number.POSITIVE_INFINITY });
    const { sdkErr, ownErr, viaSdk, viaReader } = await bothFail();
    expect(viaSdk.map((r) => [r.status, r.errorCode, r.signatureValid])).toEqual(
      Array(attempts).fill([status, code, true]),
    );
    expect(viaReader.map((r) => [r.status, r.errorCode, r.signatureValid])).toEqual(
      Array(attempts).fill([status, code, true]),
    );
    expect(sdkErr.name).toBe(code);
    expect(ownErr.code).toBe(code);
    expect(ownErr.status).toBe(status);
  });

  test('an unknown secret id: the fake’s own ResourceNotFoundException, one attempt each', async () => {
    const viaSdk = await requestsOf(() => sdkClient().send(new GetSecretValueCommand({ SecretId: 'nope' })));
    const ownErr = await readerError(reader().getSecretString('nope'));
    expect(viaSdk.map((r) => r.errorCode)).toEqual(['ResourceNotFoundException']);
    expect(ownErr).toMatchObject({ code: 'ResourceNotFoundException', status: 400 });
    expect(fake.count('nope')).toBe(2);
  });

  test('two 500s then an answer: both succeed on the third attempt', async () => {
    fake.fail('InternalServiceError', { times: 2 });
    const viaSdk = await requestsOf(async () =>
      expect((await sdkClient().send(new GetSecretValueCommand({ SecretId: KEY_SECRET }))).SecretString).toBe(
        KEY_VALUE,
      ),
    );
    fake.fail('InternalServiceError', { times: 2 });
    const viaReader = await requestsOf(async () => expect(await reader().getSecretString(KEY_SECRET)).toBe(KEY_VALUE));
    expect(viaSdk.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(viaReader.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  test.each<{ name: string; reply: RawReply; code: string; attempts: number }>([
    {
      name: 'a body __type and an x-amzn-errortype that differ',
      reply: {
        status: 400,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/',
        },
        body: JSON.stringify({ __type: 'ResourceNotFoundException', message: 'm' }),
      },
      code: 'ResourceNotFoundException',
      attempts: 1,
    },
    {
      name: 'x-amzn-errortype sent twice (joined with a comma on receipt)',
      reply: {
        status: 400,
        headers: { 'x-amzn-errortype': ['ThrottlingException', 'ThrottlingException'] },
        body: '{}',
      },
      code: 'ThrottlingException',
      attempts: 3,
    },
  ])('$name: the code the SDK reads ($code), after $attempts attempt(s)', async ({ reply, code, attempts }) => {
    fake.respond(reply, Number.POSITIVE_INFINITY);
    const { sdkErr, ownErr, viaSdk, viaReader } = await bothFail();
    expect(sdkErr.name).toBe(code);
    expect(ownErr.code).toBe(code);
    expect(viaSdk).toHaveLength(attempts);
    expect(viaReader).toHaveLength(attempts);
  });

  test('an error code in x-amzn-errortype only: the same code from both', async () => {
    fake.fail('AccessDeniedException', { viaHeader: true, times: Number.POSITIVE_INFINITY });
    const sdkErr = await caught(sdkClient().send(new GetSecretValueCommand({ SecretId: KEY_SECRET })));
    const ownErr = await readerError(reader().getSecretString(KEY_SECRET));
    expect(sdkErr.name).toBe('AccessDeniedException');
    expect(ownErr.code).toBe('AccessDeniedException');
    expect(fake.count()).toBe(2);
  });
});

describe('the signature, as Secrets Manager checks it', () => {
  test('a wrong secret key is refused by the signature check: InvalidSignatureException, not retried', async () => {
    const err = await readerError(
      reader({ credentials: () => ({ ...CREDS, secretAccessKey: 'not-the-secret-key' }) }).getSecretString(KEY_SECRET),
    );
    expect(err).toMatchObject({ code: 'InvalidSignatureException', status: 400 });
    expect(err.message).toMatch(/^InvalidSignatureException: The request signature we calculated does not match/);
    expect(fake.requests.map((r) => [r.signatureValid, r.status])).toEqual([[false, 400]]);
    // the SDK makes one attempt too
    const sdkErr = await caught(
      sdkClient({ ...CREDS, secretAccessKey: 'not-the-secret-key' }).send(
        new GetSecretValueCommand({ SecretId: KEY_SECRET }),
      ),
    );
    expect(sdkErr.name).toBe('InvalidSignatureException');
    expect(fake.requests).toHaveLength(2);
  });

  test('an access key the service does not know: UnrecognizedClientException, not retried', async () => {
    const err = await readerError(
      reader({ credentials: () => ({ ...CREDS, accessKeyId: 'AKIDUNKNOWN' }) }).getSecretString(KEY_SECRET),
    );
    expect(err).toMatchObject({ code: 'UnrecognizedClientException', status: 400 });
    expect(fake.requests.map((r) => [r.accessKeyId, r.signatureValid])).toEqual([['AKIDUNKNOWN', false]]);
  });

  test('the session token travels as x-amz-security-token, signed; without it the key is not accepted', async () => {
    await reader().getSecretString(KEY_SECRET);
    const sent = fake.requests.at(-1)!;
    expect(sent.headers['x-amz-security-token']).toBe(CREDS.sessionToken);
    expect(sent.signedHeaders).toContain('x-amz-security-token');
    expect(sent.signatureValid).toBe(true);

    const { sessionToken: _dropped, ...withoutToken } = CREDS;
    const err = await readerError(reader({ credentials: () => withoutToken }).getSecretString(KEY_SECRET));
    expect(err.code).toBe('UnrecognizedClientException');
    expect(fake.requests.at(-1)!.headers['x-amz-security-token']).toBeUndefined();
  });

  test('credentials are read from the environment at each call (a rotated key is used at the next one)', async () => {
    await fake.close();
    const next: FakeCredentials = {
      accessKeyId: 'AKIDNEXT',
      secretAccessKey: 'next-secret',
      sessionToken: 'next-token',
    };
    fake = await startFakeSecretsManager({ [KEY_SECRET]: KEY_VALUE }, { credentials: [CREDS, next] });
    const env: Record<string, string | undefined> = {
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url,
      AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDS.sessionToken,
    };
    const r = secretsManagerReaderFromEnvironment(env, { backoffBaseMs: 1 });
    cleanups.push(() => r.destroy());
    expect(await r.getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: next.accessKeyId,
      AWS_SECRET_ACCESS_KEY: next.secretAccessKey,
      AWS_SESSION_TOKEN: next.sessionToken,
    });
    expect(await r.getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    expect(fake.requests.map((q) => [q.accessKeyId, q.headers['x-amz-security-token'], q.signatureValid])).toEqual([
      [CREDS.accessKeyId, CREDS.sessionToken, true],
      [next.accessKeyId, next.sessionToken, true],
    ]);
  });
});

describe('connections and time limits', () => {
  test('two reads share one connection (kept alive)', async () => {
    fake.set('hash', 'h'.repeat(64));
    const r = reader();
    expect(await r.getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    expect(await r.getSecretString('hash')).toBe('h'.repeat(64));
    expect(fake.count()).toBe(2);
    expect(fake.connections()).toBe(1);
  });

  test('a hung attempt ends at attemptTimeoutMs with TimeoutError and is retried', async () => {
    fake.delay(5000, 1);
    const started = Date.now();
    expect(await reader({ attemptTimeoutMs: 200 }).getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(2000);
    expect(fake.count()).toBe(2);
  });

  test('every attempt hung: TimeoutError after maxAttempts, with no status', async () => {
    fake.delay(5000, 3);
    const err = await readerError(reader({ attemptTimeoutMs: 100 }).getSecretString(KEY_SECRET));
    expect(err.code).toBe('TimeoutError');
    expect(err.status).toBeUndefined();
    expect(fake.count()).toBe(3);
  });

  test('a kept-alive connection the service closed meanwhile: tried again at once on a new one, without spending an attempt', async () => {
    const r = reader({ maxAttempts: 2 });
    expect(await r.getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    // the stale socket, then a real failure on the new connection: the second attempt still comes
    fake.drop(2);
    expect(await r.getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    expect(fake.requests.map((q) => q.status)).toEqual([200, 0, 0, 200]);
    expect(fake.connections()).toBe(3);
  });

  test('once per call: a second stale socket (two were kept alive) is an ordinary failure', async () => {
    fake.set('hash', 'h'.repeat(64));
    const r = reader({ maxAttempts: 1 });
    // two reads at once: two connections, both kept alive afterwards
    await Promise.all([r.getSecretString(KEY_SECRET), r.getSecretString('hash')]);
    expect(fake.connections()).toBe(2);
    fake.drop(2);
    const err = await readerError(r.getSecretString(KEY_SECRET));
    expect(err.code).toBe('ECONNRESET');
    expect(fake.requests.map((q) => q.status)).toEqual([200, 200, 0, 0]);
  });

  test('a connection dropped on its first request is not a stale socket: it spends an attempt', async () => {
    fake.drop(1);
    const err = await readerError(reader({ maxAttempts: 1 }).getSecretString(KEY_SECRET));
    expect(err).toMatchObject({ code: 'ECONNRESET', status: undefined });
    expect(fake.requests.map((q) => q.status)).toEqual([0]);
  });

  test('a closed port (ECONNREFUSED) is retried, and ends with ECONNREFUSED after maxAttempts', async () => {
    const port = await closedPort();
    let attempts = 0;
    const err = await readerError(
      reader({
        endpoint: `http://127.0.0.1:${port}`,
        credentials: () => {
          attempts += 1; // called once per attempt, when the attempt is signed
          return CREDS;
        },
      }).getSecretString(KEY_SECRET),
    );
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.status).toBeUndefined();
    expect(attempts).toBe(3);
  });
});

describe('error codes, as the SDK reads them', () => {
  test('__type with a namespace: the name after #', async () => {
    fake.respond({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      }),
    });
    const err = await readerError(reader().getSecretString(KEY_SECRET));
    expect(err).toMatchObject({ code: 'ResourceNotFoundException', status: 400 });
    expect(err.message).toBe("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    expect(fake.count()).toBe(1);
  });

  test('x-amzn-errortype with a :http://… suffix: the name before it, the message from the body', async () => {
    fake.fail('AccessDeniedException', { viaHeader: true, message: 'not allowed' });
    const err = await readerError(reader().getSecretString(KEY_SECRET));
    expect(err).toMatchObject({
      code: 'AccessDeniedException',
      status: 400,
      message: 'AccessDeniedException: not allowed',
    });
    expect(fake.count()).toBe(1);
  });

  test('a `code` field', async () => {
    fake.respond({ status: 400, body: JSON.stringify({ code: 'DecryptionFailure', Message: 'KMS said no' }) });
    const err = await readerError(reader().getSecretString(KEY_SECRET));
    expect(err).toMatchObject({ code: 'DecryptionFailure', message: 'DecryptionFailure: KMS said no' });
    expect(fake.count()).toBe(1);
  });

  test('a plain-text 503 (no JSON body) is transient: retried, and the next answer is used', async () => {
    const unavailable = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' };
    fake.respond(unavailable, 2);
    expect(await reader().getSecretString(KEY_SECRET)).toBe(KEY_VALUE);
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 200]);

    fake.respond(unavailable, 3);
    const err = await readerError(reader().getSecretString(KEY_SECRET));
    expect(err).toMatchObject({ code: 'HTTP 503', status: 503 });
    // an answer's body is never copied into the error (a cut-short 200 would carry the secret)
    expect(err.message).not.toContain('Service Unavailable');
    expect(fake.count()).toBe(6);
  });

  test('a 200 cut short is an error that carries none of the answer (the secret would be in it), not retried', async () => {
    const full = JSON.stringify({ Name: KEY_SECRET, SecretString: KEY_VALUE });
    fake.respond(
      { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: full.slice(0, -4) },
      1,
    );
    const err = await readerError(reader().getSecretString(KEY_SECRET));
    expect(err).toMatchObject({ code: 'InvalidResponse', status: 200 });
    expect(err.message).toBe('InvalidResponse: the answer is not a JSON object');
    expect(JSON.stringify({ message: err.message, stack: err.stack })).not.toContain('sk-ant-test');
    expect(fake.count()).toBe(1);
  });
});

describe('binary secrets', () => {
  test('a binary secret has no string: getSecretString → undefined, readSecretString → SecretUnavailableError', async () => {
    fake.set('binary', Buffer.from([0, 1, 2, 255]));
    expect(await reader().getSecretString('binary')).toBeUndefined();
    const err = await caught(readSecretString(reader(), 'binary'));
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err.message).toBe('Secret binary has no string value');
    // the SDK sees the same secret as bytes
    const out = await sdkClient().send(new GetSecretValueCommand({ SecretId: 'binary' }));
    expect(out.SecretString).toBeUndefined();
    expect(Buffer.from(out.SecretBinary!)).toEqual(Buffer.from([0, 1, 2, 255]));
  });
});

describe('secretsManagerReaderFromEnvironment', () => {
  const full = {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://secretsmanager.us-east-1.amazonaws.com',
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  };

  test('no AWS_REGION', () => {
    expect(() => secretsManagerReaderFromEnvironment({ ...full, AWS_REGION: undefined })).toThrow(
      new TypeError('AWS_REGION is not set; Lambda sets it to the function’s region.'),
    );
  });

  test('no AWS_ENDPOINT_URL_SECRETS_MANAGER', () => {
    expect(() => secretsManagerReaderFromEnvironment({ ...full, AWS_ENDPOINT_URL_SECRETS_MANAGER: '' })).toThrow(
      /^AWS_ENDPOINT_URL_SECRETS_MANAGER is not set/,
    );
  });

  test('an endpoint that is not http(s)', () => {
    expect(() =>
      secretsManagerReaderFromEnvironment({ ...full, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'ftp://127.0.0.1/' }),
    ).toThrow(new TypeError('Secrets Manager endpoint ftp://127.0.0.1/ is not an http(s) URL.'));
  });

  test('AWS_USE_FIPS_ENDPOINT=true with an endpoint that is not the FIPS one', () => {
    expect(() => secretsManagerReaderFromEnvironment({ ...full, AWS_USE_FIPS_ENDPOINT: 'true' })).toThrow(
      /^AWS_USE_FIPS_ENDPOINT is true but AWS_ENDPOINT_URL_SECRETS_MANAGER is https:\/\/secretsmanager\.us-east-1/,
    );
    const fips = secretsManagerReaderFromEnvironment({
      ...full,
      AWS_USE_FIPS_ENDPOINT: 'TRUE',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://secretsmanager-fips.us-east-1.amazonaws.com',
    });
    fips.destroy();
  });

  test('no credentials: the call fails naming the variables, without a request and without a retry', async () => {
    let credentialReads = 0;
    const env = new Proxy<Record<string, string | undefined>>(
      { ...full, AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url, AWS_SECRET_ACCESS_KEY: undefined },
      {
        get(target, name: string) {
          if (name === 'AWS_ACCESS_KEY_ID') credentialReads += 1;
          return target[name];
        },
      },
    );
    const r = secretsManagerReaderFromEnvironment(env);
    cleanups.push(() => r.destroy());
    const err = await readerError(r.getSecretString(KEY_SECRET));
    expect(err.code).toBe('CredentialsNotFound');
    expect(err.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
    expect(credentialReads).toBe(1);
    expect(fake.requests).toHaveLength(0);
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
