/**
 * The gateway's own vendor key, read through secrets.ts by the gateway's SecretsManagerReader
 * from the fake Secrets Manager (fakes/fake-secrets-manager.ts, a fresh one per test), against a
 * fake vendor that accepts only the current key and answers any other with the Messages API's
 * 401 authentication_error, as a rotated-away or revoked key gets.
 */
import Anthropic from '@anthropic-ai/sdk';
import { readSecretString } from '../../lib/gateway/secrets';
import { SecretsManagerReader } from '../../lib/gateway/secrets-manager-reader';
import {
  FAKE_SECRETS_MANAGER_CREDENTIALS,
  startFakeSecretsManager,
  type FakeSecretsManager,
} from '../../fakes/fake-secrets-manager';
import { apiKeyOf, startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  anthropicError,
  callsFor,
  caught,
  DEFAULT_ALIAS,
  DEFAULT_VENDOR_ID,
  FlagFile,
  flagOn,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  postRaw,
  startGateway,
  type GatewayHarness,
} from './harness';

const USER = 'key-user';
const SECRET_ID = 'llm-model-rollout/anthropic-api-key';
const OLD_KEY = 'sk-ant-old-0123456789';
const NEW_KEY = 'sk-ant-new-9876543210';

let secrets: FakeSecretsManager;
let reader: SecretsManagerReader | undefined;
let vendor: FakeVendor;
let flags: FlagFile;
let gw: GatewayHarness | undefined;

beforeAll(async () => {
  vendor = await startFakeVendor();
  flags = await FlagFile.create(flagOn(100));
});
beforeEach(async () => {
  secrets = await startFakeSecretsManager();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  reader?.destroy();
  reader = undefined;
  vendor.reset();
  await secrets.close();
});
afterAll(async () => {
  await vendor.close();
  await flags.remove();
});

function storeKey(key: string): void {
  secrets.set(SECRET_ID, JSON.stringify({ apiKey: key }));
}

/** GetSecretValue requests at the fake (every attempt is one). */
const secretReads = (): number => secrets.count(SECRET_ID);

async function gateway(): Promise<GatewayHarness> {
  const source = new SecretsManagerReader({
    region: 'us-east-1',
    endpoint: secrets.url,
    credentials: () => FAKE_SECRETS_MANAGER_CREDENTIALS,
  });
  reader = source;
  gw = await startGateway({
    vendor,
    flags: { kind: 'file', file: flags },
    apiKey: () => readSecretString(source, SECRET_ID),
  });
  return gw;
}

describe('a rotated key is picked up', () => {
  test('the vendor refuses the cached key → the secret is read again and the call retried once, with the fresh key', async () => {
    storeKey(OLD_KEY);
    vendor.acceptApiKeys([OLD_KEY]);
    const h = await gateway();
    expect((await h.client.messages.create(messageParams({ user: USER }))).model).toBe(NEW_VENDOR_ID);
    expect(secretReads()).toBe(1);

    // rotation: the secret holds the new key, and the vendor no longer accepts the old one
    storeKey(NEW_KEY);
    vendor.acceptApiKeys([NEW_KEY]);
    const before = vendor.calls.length;
    const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(response.headers.get('x-rollout-fallback')).toBeNull();
    expect(vendor.calls.slice(before).map((c) => [c.model, apiKeyOf(c)])).toEqual([
      [NEW_VENDOR_ID, OLD_KEY],
      [NEW_VENDOR_ID, NEW_KEY],
    ]);
    expect(secretReads()).toBe(2);

    // the fresh key is kept: no more reads
    await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    expect(secretReads()).toBe(2);
    expect(apiKeyOf(vendor.calls.at(-1) ?? { headers: {} })).toBe(NEW_KEY);

    // a refused key is the gateway's own problem, not the model's
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Requests')).toBe(3);
    expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(0);
  });

  test('a burst of requests refused at once reads the secret once more, not once each', async () => {
    storeKey(OLD_KEY);
    vendor.acceptApiKeys([OLD_KEY]);
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));
    storeKey(NEW_KEY);
    vendor.acceptApiKeys([NEW_KEY]);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => h.client.messages.create(messageParams({ user: USER }))),
    );
    expect(answers.map((a) => a.model)).toEqual(Array(5).fill(NEW_VENDOR_ID));
    expect(secretReads()).toBe(2);
  });
});

describe('a revoked key', () => {
  test("still refused after the fresh read, by the default model too → 502 api_error of the gateway's own, VendorAuthFailures without a Model", async () => {
    storeKey(OLD_KEY);
    vendor.acceptApiKeys([]);
    const h = await gateway();

    const raw = await postRaw(h.url, messageParams({ user: USER }));
    expect(raw.status).toBe(502);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    const error = anthropicError(raw.text);
    expect(error.type).toBe('api_error');
    expect(raw.text).not.toContain(OLD_KEY);
    expect(raw.text).not.toContain('x-api-key');
    // one call with the cached key, one with the key read again; then the default model once
    // (a key without access to the new model only would pass there): it refuses the key too
    expect(vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expect(callsFor(vendor, DEFAULT_VENDOR_ID)).toHaveLength(1);
    expect(secretReads()).toBe(2);

    // the gateway's key: nothing against either model
    expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(1);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Requests')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
    expect(h.metrics.sum(DEFAULT_ALIAS, 'Requests')).toBe(0);
    expect(h.requestLogs()[0]).toMatchObject({
      status: 502,
      attempts: [
        { outcome: 'credential: AuthenticationError 401' },
        { outcome: 'credential: AuthenticationError 401' },
        { model: DEFAULT_ALIAS, outcome: 'credential: AuthenticationError 401' },
      ],
    });
    expect(h.logger.calls.some((c) => c.level === 'error')).toBe(true);
    expect(JSON.stringify(h.logger.calls)).not.toContain(OLD_KEY);
  });

  test('through the SDK: a server error (502), on streams too — not an AuthenticationError the caller would blame on its own key', async () => {
    storeKey(OLD_KEY);
    vendor.acceptApiKeys([]);
    const h = await gateway();
    const err = await caught(() => h.client.messages.create(messageParams({ user: USER })));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(502);
    const streamErr = await caught(() => h.client.messages.stream(messageParams({ user: USER })).finalMessage());
    expect(streamErr).toBeInstanceOf(Anthropic.InternalServerError);
    expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(2);
  });

  test('a secret that cannot be read again is the same failure: 502, counted', async () => {
    storeKey(OLD_KEY);
    vendor.acceptApiKeys([OLD_KEY]);
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));
    vendor.acceptApiKeys([NEW_KEY]);
    // AccessDeniedException: not retried by the reader, so one request
    secrets.fail('AccessDeniedException', { secretId: SECRET_ID, times: Number.POSITIVE_INFINITY });
    const raw = await postRaw(h.url, messageParams({ user: USER }));
    expect(raw.status).toBe(502);
    expect(anthropicError(raw.text).type).toBe('api_error');
    expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(1);
    expect(h.metrics.sum(DEFAULT_ALIAS, 'Requests')).toBe(0);
    expect(secrets.requests.map((r) => [r.status, r.errorCode])).toEqual([
      [200, undefined],
      [400, 'AccessDeniedException'],
    ]);
  });
});
