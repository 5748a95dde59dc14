/**
 * The fake Secrets Manager's own rules (fakes/fake-secrets-manager.ts, fakes/sigv4-verify.ts),
 * with requests signed here by the SDK's signer and then sent as they are or spoilt on the way:
 * the tests that lean on its signature check must be able to see a bad signature refused.
 */
import * as http from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  FAKE_SECRETS_MANAGER_CREDENTIALS,
  startFakeSecretsManager,
  type FakeCredentials,
  type FakeSecretsManager,
} from '../../fakes/fake-secrets-manager';

const CREDS = FAKE_SECRETS_MANAGER_CREDENTIALS;
const TEN_MINUTES = 10 * 60_000;

let fake: FakeSecretsManager;
afterEach(() => fake.close());

interface Sent {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly json: Record<string, unknown>;
}

interface SendOptions {
  readonly body?: string;
  readonly region?: string;
  readonly service?: string;
  readonly credentials?: FakeCredentials;
  readonly signingDate?: Date;
  readonly headers?: Record<string, string>;
  /** Changes the request after it was signed (what arrives is not what was signed). */
  readonly spoil?: (request: { headers: Record<string, string>; body: string }) => void;
  readonly unsigned?: boolean;
}

async function send(options: SendOptions = {}): Promise<Sent> {
  const url = new URL(fake.url);
  const body = options.body ?? JSON.stringify({ SecretId: 'api-key' });
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'secretsmanager.GetSecretValue',
    ...options.headers,
  };
  const request = { headers, body };
  if (!options.unsigned) {
    const signer = new SignatureV4({
      service: options.service ?? 'secretsmanager',
      region: options.region ?? 'us-east-1',
      credentials: options.credentials ?? CREDS,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, path: '/', query: {}, headers, body },
      { signingDate: options.signingDate, signableHeaders: new Set(Object.keys(headers)) },
    );
    request.headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, String(v)]));
  }
  options.spoil?.(request);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: 'POST', hostname: url.hostname, port: url.port, path: '/', headers: request.headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

describe('the signature check', () => {
  beforeEach(async () => {
    fake = await startFakeSecretsManager({ 'api-key': 'sk-1' });
  });

  test('a well-signed request is answered, with an x-amzn-requestid', async () => {
    const sent = await send();
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ Name: 'api-key', SecretString: 'sk-1', VersionStages: ['AWSCURRENT'] });
    expect(sent.headers['x-amzn-requestid']).toBe(fake.requests[0]!.requestId);
    expect(fake.requests[0]).toMatchObject({ signatureValid: true, status: 200 });
  });

  test('a header the SDK never signs (user-agent), signed by the sender, is verified too', async () => {
    expect((await send({ headers: { 'user-agent': 'other-sdk/1.0' } })).status).toBe(200);
    expect(fake.requests[0]!.signedHeaders).toContain('user-agent');
    const changed = await send({
      headers: { 'user-agent': 'other-sdk/1.0' },
      spoil: (r) => (r.headers['user-agent'] = 'proxy/2.0'),
    });
    expect(changed.json.__type).toBe('InvalidSignatureException');
  });

  const refusals: [string, SendOptions, number, string, RegExp][] = [
    [
      'no Authorization header',
      { unsigned: true },
      403,
      'MissingAuthenticationTokenException',
      /^Missing Authentication Token$/,
    ],
    [
      'an Authorization header without SignedHeaders',
      { spoil: (r) => (r.headers.authorization = r.headers.authorization!.replace(/SignedHeaders=[^,]*, /, '')) },
      400,
      'IncompleteSignatureException',
      /requires 'SignedHeaders' parameter/,
    ],
    [
      'host not signed',
      {
        spoil: (r) =>
          (r.headers.authorization = r.headers.authorization!.replace('content-type;host;', 'content-type;')),
      },
      400,
      'IncompleteSignatureException',
      /'Host' or ':authority' must be a 'SignedHeader'/,
    ],
    [
      'an access key it does not know',
      { credentials: { ...CREDS, accessKeyId: 'AKIDOTHER' } },
      400,
      'UnrecognizedClientException',
      /^The security token included in the request is invalid\.$/,
    ],
    [
      'another session token',
      { credentials: { ...CREDS, sessionToken: 'stolen' } },
      400,
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    ],
    [
      'the wrong secret key',
      { credentials: { ...CREDS, secretAccessKey: 'wrong' } },
      400,
      'InvalidSignatureException',
      /^The request signature we calculated does not match the signature you provided/,
    ],
    [
      'scoped to another region',
      { region: 'eu-west-1' },
      400,
      'InvalidSignatureException',
      /^Credential should be scoped to a valid region, not 'eu-west-1'\.$/,
    ],
    [
      'scoped to another service',
      { service: 'ssm' },
      400,
      'InvalidSignatureException',
      /^Credential should be scoped to correct service: 'secretsmanager'\.$/,
    ],
    [
      'signed 10 minutes ago',
      { signingDate: new Date(Date.now() - TEN_MINUTES) },
      400,
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    ],
    [
      'signed 10 minutes ahead',
      { signingDate: new Date(Date.now() + TEN_MINUTES) },
      400,
      'InvalidSignatureException',
      /^Signature not yet current: /,
    ],
    [
      'the body changed after signing',
      { spoil: (r) => (r.body = JSON.stringify({ SecretId: 'other' })) },
      400,
      'InvalidSignatureException',
      /'x-amz-content-sha256' header does not match/,
    ],
    [
      'the body changed after signing, no payload-hash header',
      {
        spoil: (r) => {
          delete r.headers['x-amz-content-sha256'];
          r.body = JSON.stringify({ SecretId: 'other' });
        },
      },
      400,
      'InvalidSignatureException',
      /^The request signature we calculated does not match/,
    ],
    [
      'a signed header changed after signing',
      { spoil: (r) => (r.headers['x-amz-target'] = 'secretsmanager.DeleteSecret') },
      400,
      'InvalidSignatureException',
      /^The request signature we calculated does not match/,
    ],
  ];
  test.each(refusals.map(([name, options, status, code, message]) => ({ name, options, status, code, message })))(
    '$name → $status $code',
    async ({ options, status, code, message }) => {
      const sent = await send(options);
      expect(sent.status).toBe(status);
      expect(sent.json.__type).toBe(code);
      expect(sent.json.message).toMatch(message);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]).toMatchObject({ signatureValid: false, status, errorCode: code });
      expect(fake.reads).toEqual([]);
    },
  );
});

describe('GetSecretValue', () => {
  beforeEach(async () => {
    fake = await startFakeSecretsManager({
      'api-key': 'sk-1',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash-AbCdEf': 'h'.repeat(64),
    });
  });

  test('a secret is found by its name or its ARN', async () => {
    const byName = await send({ body: JSON.stringify({ SecretId: 'api-key' }) });
    const arn = byName.json.ARN as string;
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-[A-Za-z0-9]{6}$/);
    expect((await send({ body: JSON.stringify({ SecretId: arn }) })).json).toMatchObject({ Name: 'api-key' });
    const hash = await send({ body: JSON.stringify({ SecretId: 'hash' }) });
    expect(hash.json).toMatchObject({
      ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash-AbCdEf',
      Name: 'hash',
      SecretString: 'h'.repeat(64),
    });
  });

  test('an unknown id, stage or version: ResourceNotFoundException (400)', async () => {
    for (const input of [
      { SecretId: 'nope' },
      { SecretId: 'api-key', VersionStage: 'AWSPREVIOUS' },
      { SecretId: 'api-key', VersionId: '00000000-0000-0000-0000-000000000000' },
    ]) {
      const sent = await send({ body: JSON.stringify(input) });
      expect([sent.status, sent.json.__type]).toEqual([400, 'ResourceNotFoundException']);
    }
  });

  test('another operation, a body that is not JSON, no SecretId', async () => {
    const other = await send({ headers: { 'x-amz-target': 'secretsmanager.PutSecretValue' } });
    expect([other.status, other.json.__type]).toEqual([400, 'UnknownOperationException']);
    const notJson = await send({ body: '{"SecretId":' });
    expect([notJson.status, notJson.json.__type]).toEqual([400, 'SerializationException']);
    const noId = await send({ body: '{}' });
    expect([noId.status, noId.json.__type]).toEqual([400, 'ValidationException']);
  });

  test('fail: the documented status by default, for the next call only, and for one secret when asked', async () => {
    fake.fail('InternalServiceError');
    expect((await send()).status).toBe(500);
    expect((await send()).status).toBe(200);
    fake.fail('DecryptionFailure', { secretId: 'hash' });
    expect((await send()).status).toBe(200);
    const failed = await send({ body: JSON.stringify({ SecretId: 'hash' }) });
    expect([failed.status, failed.json.__type]).toEqual([400, 'DecryptionFailure']);
  });

  test('fail via the header: x-amzn-errortype carries the code, the body only a message', async () => {
    fake.fail('ThrottlingException', { viaHeader: true, message: 'Rate exceeded' });
    const sent = await send();
    expect(sent.status).toBe(400);
    expect(sent.headers['x-amzn-errortype']).toMatch(/^ThrottlingException:http:\/\//);
    expect(sent.json).toEqual({ message: 'Rate exceeded' });
  });

  test('clearFaults ends every pending failure', async () => {
    fake.fail('AccessDeniedException', { times: Number.POSITIVE_INFINITY });
    expect((await send()).status).toBe(400);
    fake.clearFaults();
    expect((await send()).status).toBe(200);
    expect(fake.count('api-key')).toBe(2);
  });
});
