import { jsonObjectsIn } from '../../gateway/harness';
import { startHandlerFixture, urlEvent, VENDOR_KEY_SECRET, type HandlerFixture } from './handler-fixture';

// The deployed handler when its vendor key is rotated or revoked in Secrets Manager: the fake
// vendor accepts only the key it is told to, and refuses any other with the Messages API's 401.
const ROTATED_KEY = 'sk-rotated-key';
const ask = {
  model: 'claude-sonnet-4-6',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
  metadata: { user_id: 'u-1' },
};

describe('Lambda handler: the vendor key in Secrets Manager changes', () => {
  let f: HandlerFixture;
  let written: string[];
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    f = await startHandlerFixture();
  });
  beforeEach(() => {
    written = [];
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  });
  afterEach(() => stdout.mockRestore());
  afterAll(() => f.close());

  /** GetSecretValue requests for the vendor key at the fake Secrets Manager. */
  const keyReads = (): number => f.secrets.count(VENDOR_KEY_SECRET);

  it("a rotated key is read again on the vendor's 401 and used from then on", async () => {
    f.vendor.acceptApiKeys(['sk-test-key']);
    expect((await f.invoke(urlEvent(ask))).response.statusCode).toBe(200);
    expect(keyReads()).toBe(1);

    f.secrets.set(VENDOR_KEY_SECRET, JSON.stringify({ apiKey: ROTATED_KEY }));
    f.vendor.acceptApiKeys([ROTATED_KEY]);
    const { response } = await f.invoke(urlEvent(ask));
    expect(response).toMatchObject({ statusCode: 200, headers: { 'x-rollout-variant': 'new' } });
    expect(response.headers['x-rollout-fallback']).toBeUndefined();
    expect(keyReads()).toBe(2);

    expect((await f.invoke(urlEvent(ask))).response.statusCode).toBe(200);
    expect(keyReads()).toBe(2);
  });

  it('a revoked key → 502 api_error without the key, and VendorAuthFailures (no dimensions) in the EMF', async () => {
    f.vendor.acceptApiKeys([]);
    const { response } = await f.invoke(urlEvent(ask));
    expect(response).toMatchObject({ statusCode: 502, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(response.body)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: expect.any(String) },
    });
    expect(response.body).not.toContain(ROTATED_KEY);

    const blob = jsonObjectsIn(written.join('')).find((l) => 'VendorAuthFailures' in l);
    expect(blob).toMatchObject({
      VendorAuthFailures: 1,
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'ModelRollout', Dimensions: [[]], Metrics: [{ Name: 'VendorAuthFailures', Unit: 'Count' }] },
        ],
      },
    });
    expect(blob).not.toHaveProperty('Model');
    expect(written.join('')).not.toContain(ROTATED_KEY);
  });
});
