/**
 * Routing and cohort (docs/ARCHITECTURE.md, Flag and Gateway): who gets the new model, through the HTTP path with the
 * real SDK as the client and the fake vendor behind the gateway.
 */
import { bucketOf } from '../../lib/domain/bucketing';
import { decideCohort } from '../../lib/domain/cohort';
import { startFakeAgent, type FakeAgent } from '../../fakes/fake-agent';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  DEFAULT_ALIAS,
  DEFAULT_VENDOR_ID,
  FLAG_KEY,
  FlagFile,
  flagOn,
  inBatches,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  settingsWith,
  startGateway,
  type GatewayHarness,
} from './harness';

let vendor: FakeVendor;
let flags: FlagFile;
let gw: GatewayHarness | undefined;

beforeAll(async () => {
  vendor = await startFakeVendor();
  flags = await FlagFile.create();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  vendor.reset();
});
afterAll(async () => {
  await vendor.close();
  await flags.remove();
});

async function gateway(flag: Record<string, unknown> | undefined): Promise<GatewayHarness> {
  await flags.writeFlag(flag);
  gw = await startGateway({ vendor, flags: { kind: 'file', file: flags } });
  return gw;
}

/** One non-streaming call through the SDK: the answering model, the variant header and the vendor model. */
async function ask(
  h: GatewayHarness,
  o: { user?: string; headerUser?: string; client?: string; model?: string } = {},
): Promise<{ bodyModel: string; variant: string | null; fallback: string | null; vendorModel: string }> {
  const before = vendor.calls.length;
  const headers: Record<string, string> = {};
  if (o.headerUser !== undefined) headers['x-user-id'] = o.headerUser;
  if (o.client !== undefined) headers['x-client-id'] = o.client;
  const { data, response } = await h.client.messages
    .create(messageParams({ user: o.user, model: o.model }), { headers })
    .withResponse();
  const mine = vendor.calls.slice(before);
  expect(mine).toHaveLength(1);
  return {
    bodyModel: data.model,
    variant: response.headers.get('x-rollout-variant'),
    fallback: response.headers.get('x-rollout-fallback'),
    vendorModel: mine[0]?.model ?? '',
  };
}

test('the shipped config names the models and flag these tests assume', () => {
  const s = settingsWith();
  expect(s.defaultModel).toMatchObject({ alias: DEFAULT_ALIAS, vendorModelId: DEFAULT_VENDOR_ID });
  expect(s.newModel).toMatchObject({ alias: NEW_ALIAS, vendorModelId: NEW_VENDOR_ID });
  expect(s.flagKey).toBe(FLAG_KEY);
});

describe('flag state', () => {
  test('flag missing from the document → everyone on the default model', async () => {
    const h = await gateway(undefined);
    for (const user of ['u1', 'u2', 'u3']) {
      expect(await ask(h, { user })).toEqual({
        bodyModel: DEFAULT_VENDOR_ID,
        variant: 'default',
        fallback: null,
        vendorModel: DEFAULT_VENDOR_ID,
      });
    }
  });

  test('flag disabled (even with rolloutPercent 100 and an allowlist) → everyone on the default model', async () => {
    const h = await gateway({ enabled: false, rolloutPercent: 100, allowlist: ['qa-user-1'], phase: 'full' });
    for (const user of ['u1', 'qa-user-1']) {
      expect(await ask(h, { user })).toEqual({
        bodyModel: DEFAULT_VENDOR_ID,
        variant: 'default',
        fallback: null,
        vendorModel: DEFAULT_VENDOR_ID,
      });
    }
    expect(h.metrics.sum(undefined, 'FlagErrors')).toBe(0);
  });

  test('rolloutPercent 100 → users with a key get the new model; body model is its vendor id', async () => {
    const h = await gateway(flagOn(100));
    for (const user of ['u1', 'u2', 'alice']) {
      expect(await ask(h, { user })).toEqual({
        bodyModel: NEW_VENDOR_ID,
        variant: 'new',
        fallback: null,
        vendorModel: NEW_VENDOR_ID,
      });
    }
    // the rest of the request reached the vendor unchanged
    expect(vendor.calls[0]?.body).toMatchObject({
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { user_id: 'u1' },
    });
  });

  test('the default model named by its vendor id is rolled out the same way', async () => {
    const h = await gateway(flagOn(100));
    // alias and vendor id are the same string in the shipped config; the rollout applies to it
    expect(await ask(h, { user: 'u1', model: DEFAULT_VENDOR_ID })).toMatchObject({
      variant: 'new',
      vendorModel: NEW_VENDOR_ID,
    });
  });

  test('rolloutPercent 0 → nobody but the allowlist', async () => {
    const h = await gateway(flagOn(0, { allowlist: ['qa-user-1'] }));
    expect(await ask(h, { user: 'someone' })).toMatchObject({ variant: 'default', vendorModel: DEFAULT_VENDOR_ID });
    expect(await ask(h, { user: 'qa-user-1' })).toMatchObject({
      variant: 'new',
      vendorModel: NEW_VENDOR_ID,
      bodyModel: NEW_VENDOR_ID,
    });
    expect(await ask(h, { headerUser: 'qa-user-1' })).toMatchObject({ variant: 'new', vendorModel: NEW_VENDOR_ID });
    expect(h.requestLogs().map((l) => l.cohort)).toEqual(['outside-percentage', 'allowlist', 'allowlist']);
  });
});

describe('user key', () => {
  test('no metadata.user_id and no x-user-id → default model even at 100%', async () => {
    const h = await gateway(flagOn(100));
    expect(await ask(h)).toEqual({
      bodyModel: DEFAULT_VENDOR_ID,
      variant: 'default',
      fallback: null,
      vendorModel: DEFAULT_VENDOR_ID,
    });
    expect(h.requestLogs()[0]).toMatchObject({ cohort: 'no-user-key', variant: 'default' });
    expect(h.requestLogs()[0]?.userHash).toBeUndefined();
  });

  test('empty metadata.user_id counts as no key', async () => {
    const h = await gateway(flagOn(100));
    expect(await ask(h, { user: '' })).toMatchObject({ variant: 'default', vendorModel: DEFAULT_VENDOR_ID });
  });

  test('x-user-id is used when metadata.user_id is absent', async () => {
    // a user inside 50% and one outside, to see that the header really is the bucketing key
    const inside = firstUsers((b) => b < 50, 1)[0];
    const outside = firstUsers((b) => b >= 50, 1)[0];
    const h = await gateway(flagOn(50));
    expect(await ask(h, { headerUser: inside })).toMatchObject({ variant: 'new', vendorModel: NEW_VENDOR_ID });
    expect(await ask(h, { headerUser: outside })).toMatchObject({ variant: 'default', vendorModel: DEFAULT_VENDOR_ID });
  });

  test('metadata.user_id wins over x-user-id when both are present', async () => {
    const inside = firstUsers((b) => b < 50, 1)[0];
    const outside = firstUsers((b) => b >= 50, 1)[0];
    const h = await gateway(flagOn(50));
    expect(await ask(h, { user: outside, headerUser: inside })).toMatchObject({
      variant: 'default',
      vendorModel: DEFAULT_VENDOR_ID,
    });
    expect(await ask(h, { user: inside, headerUser: outside })).toMatchObject({
      variant: 'new',
      vendorModel: NEW_VENDOR_ID,
    });
    // the allowlist matches on the metadata key too
    await flags.writeFlag(flagOn(0, { allowlist: ['qa-user-1'] }));
    expect(await ask(h, { user: 'qa-user-1', headerUser: 'nobody' })).toMatchObject({ variant: 'new' });
    expect(await ask(h, { user: 'nobody', headerUser: 'qa-user-1' })).toMatchObject({ variant: 'default' });
  });
});

describe('what reaches the vendor', () => {
  test('anthropic-beta is forwarded; the rollout headers (x-user-id, x-client-id) are not', async () => {
    const h = await gateway(flagOn(100));
    await h.client.messages.create(messageParams(), {
      headers: { 'x-user-id': 'u-header', 'x-client-id': 'c-1', 'anthropic-beta': 'some-beta-2025-01-01' },
    });
    expect(vendor.calls).toHaveLength(1);
    const { headers, model } = vendor.calls[0]!;
    expect(model).toBe(NEW_VENDOR_ID);
    expect(headers['anthropic-beta']).toBe('some-beta-2025-01-01');
    expect(headers['x-user-id']).toBeUndefined();
    expect(headers['x-client-id']).toBeUndefined();
    // the gateway's own key, not the client's
    expect(String(headers['x-api-key'] ?? headers.authorization)).toMatch(/^(Bearer )?k$/);
  });

  test('fields the gateway does not know pass through to the vendor unchanged', async () => {
    const h = await gateway(flagOn(100));
    const body = {
      ...messageParams({ user: 'u1' }),
      temperature: 0.2,
      stop_sequences: ['END'],
      tools: [{ name: 't', description: 'd', input_schema: { type: 'object' as const } }],
    };
    await h.client.messages.create(body);
    // Unchanged but for the model and `stream` (the gateway streams from the vendor and answers whole).
    expect(vendor.calls[0]?.body).toEqual({ ...body, model: NEW_VENDOR_ID, stream: true });
  });

  test('a client that goes away mid-request does not break the gateway', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', delayMs: 200 });
    const h = await gateway(flagOn(100));
    const controller = new AbortController();
    const pending = fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageParams({ user: 'u1' })),
      signal: controller.signal,
    });
    while (vendor.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toThrow();
    // the gateway finishes that request (its log line appears) and keeps serving
    for (let i = 0; i < 100 && h.requestLogs().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.requestLogs()).toHaveLength(1);
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok' });
    expect(await ask(h, { user: 'u1' })).toMatchObject({ variant: 'new', bodyModel: NEW_VENDOR_ID });
  });
});

describe('client segments (phase 0)', () => {
  test('with clientSegments, only users of a listed client (x-client-id) are eligible', async () => {
    const h = await gateway(flagOn(100, { clientSegments: ['internal-tools'], phase: 'smoke' }));
    expect(await ask(h, { user: 'u1', client: 'internal-tools' })).toMatchObject({
      variant: 'new',
      vendorModel: NEW_VENDOR_ID,
    });
    expect(await ask(h, { user: 'u1', client: 'mobile-app' })).toMatchObject({
      variant: 'default',
      vendorModel: DEFAULT_VENDOR_ID,
    });
    expect(await ask(h, { user: 'u1' })).toMatchObject({ variant: 'default', vendorModel: DEFAULT_VENDOR_ID });
    expect(h.requestLogs().map((l) => l.cohort)).toEqual([
      'in-percentage',
      'client-not-in-segment',
      'client-not-in-segment',
    ]);
  });

  test('inside the segment the percentage still applies; the allowlist bypasses the segment', async () => {
    const outside = firstUsers((b) => b >= 50, 1)[0];
    const h = await gateway(
      flagOn(50, { clientSegments: ['internal-tools'], allowlist: ['qa-user-1'], phase: 'smoke' }),
    );
    expect(await ask(h, { user: outside, client: 'internal-tools' })).toMatchObject({ variant: 'default' });
    expect(await ask(h, { user: 'qa-user-1', client: 'mobile-app' })).toMatchObject({ variant: 'new' });
  });
});

describe('pass-through of other models', () => {
  let agent: FakeAgent;
  beforeEach(async () => {
    const s = settingsWith();
    agent = await startFakeAgent({
      application: s.appConfig.application,
      environment: s.appConfig.environment,
      profile: s.appConfig.profile,
    });
    agent.serve({ json: { [FLAG_KEY]: flagOn(100) } });
  });
  afterEach(() => agent.close());

  test('a request naming another model reaches the vendor unchanged and the flag is not read', async () => {
    gw = await startGateway({ vendor, flags: { kind: 'agent', agent } });
    for (const model of ['claude-opus-4-8', NEW_VENDOR_ID]) {
      const r = await ask(gw, { user: 'u1', model });
      expect(r).toEqual({ bodyModel: model, variant: 'default', fallback: null, vendorModel: model });
    }
    expect(agent.requests).toHaveLength(0);
    // a request for the default model does read it
    expect(await ask(gw, { user: 'u1' })).toMatchObject({ variant: 'new' });
    expect(agent.requests).toHaveLength(1);
    // metrics: unknown models under 'other' (bounded cardinality), catalog models under their alias
    expect(gw.metrics.sum('other', 'Requests')).toBe(1);
    expect(gw.metrics.sum(NEW_ALIAS, 'Requests')).toBe(2);
  });

  test('a pass-through failure is not retried on another model', async () => {
    vendor.setBehaviour('claude-opus-4-8', { kind: 'status', status: 529 });
    gw = await startGateway({ vendor, flags: { kind: 'agent', agent }, gateway: { defaultModelMaxRetries: 0 } });
    const err = await gw.client.messages
      .create(messageParams({ user: 'u1', model: 'claude-opus-4-8' }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 529 });
    expect(vendor.calls.map((c) => c.model)).toEqual(['claude-opus-4-8']);
  });
});

describe('distribution, stickiness and monotonicity', () => {
  /**
   * Distribution: 3000 distinct users. The first 1000 go through the gateway's HTTP path (fetch,
   * 100 at a time) and each answer is checked against the vendor's recorded call and against
   * `decideCohort`; the other 2000 are decided by `decideCohort` directly (the HTTP path for all
   * 3000 takes several seconds). The share is computed over all 3000, and over the HTTP 1000.
   */
  test('at rolloutPercent 10, 10% ± 1.5 points of 3000 distinct users get the new model', async () => {
    const flag = { enabled: true, rolloutPercent: 10, allowlist: [], clientSegments: [], phase: 'canary' };
    const h = await gateway(flagOn(10));
    const users = Array.from({ length: 3000 }, (_, i) => `dist-user-${i}`);
    const viaHttp = users.slice(0, 1000);
    const variants = await inBatches(viaHttp, 100, async (user) => {
      const res = await fetch(`${h.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(messageParams({ user })),
      });
      const body = (await res.json()) as { model?: string };
      expect(res.status).toBe(200);
      const variant = res.headers.get('x-rollout-variant');
      expect(body.model).toBe(variant === 'new' ? NEW_VENDOR_ID : DEFAULT_VENDOR_ID);
      return variant;
    });
    const byUser = new Map(vendor.calls.map((c) => [(c.body.metadata as { user_id: string }).user_id, c.model]));
    expect(byUser.size).toBe(1000);
    viaHttp.forEach((user, i) => {
      const expected = decideCohort(FLAG_KEY, flag, { userKey: user }).inCohort;
      expect(variants[i]).toBe(expected ? 'new' : 'default');
      expect(byUser.get(user)).toBe(expected ? NEW_VENDOR_ID : DEFAULT_VENDOR_ID);
    });
    const httpShare = (variants.filter((v) => v === 'new').length / 1000) * 100;
    const inCohort = users.filter((user) => decideCohort(FLAG_KEY, flag, { userKey: user }).inCohort).length;
    const share = (inCohort / 3000) * 100;
    expect(share).toBeGreaterThanOrEqual(8.5);
    expect(share).toBeLessThanOrEqual(11.5);
    expect(httpShare).toBeGreaterThanOrEqual(7); // 1000 users: wider, ~3 standard deviations
    expect(httpShare).toBeLessThanOrEqual(13);
  });

  test('sticky: the same user gets the same model on every call', async () => {
    const h = await gateway(flagOn(50));
    const users = Array.from({ length: 20 }, (_, i) => `sticky-${i}`);
    const first = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const user of users) {
        const { vendorModel } = await ask(h, { user });
        if (round === 0) first.set(user, vendorModel);
        else expect(vendorModel).toBe(first.get(user));
      }
    }
    const models = new Set(first.values());
    expect(models).toEqual(new Set([NEW_VENDOR_ID, DEFAULT_VENDOR_ID])); // 20 users at 50%: both occur
  });

  test('monotone: every user in at 5% is still in at 25% (flag file rewritten between runs)', async () => {
    const users = Array.from({ length: 300 }, (_, i) => `mono-${i}`);
    const h = await gateway(flagOn(5, { phase: 'phase-2' }));
    const cohortAt = async (): Promise<Set<string>> => {
      const variants = await inBatches(users, 100, async (user) => {
        const { data, response } = await h.client.messages.create(messageParams({ user })).withResponse();
        const variant = response.headers.get('x-rollout-variant');
        expect(data.model).toBe(variant === 'new' ? NEW_VENDOR_ID : DEFAULT_VENDOR_ID);
        return variant;
      });
      return new Set(users.filter((_, i) => variants[i] === 'new'));
    };
    const at5 = await cohortAt();
    await flags.writeFlag(flagOn(25, { phase: 'phase-3' }));
    const at25 = await cohortAt();
    expect(at5.size).toBeGreaterThan(5);
    expect(at25.size).toBeGreaterThan(at5.size * 3);
    for (const user of at5) expect(at25.has(user)).toBe(true);
    // and back down: exactly the 5% cohort again
    await flags.writeFlag(flagOn(5, { phase: 'phase-2' }));
    expect(await cohortAt()).toEqual(at5);
  });
});

/** The first `n` of user-0, user-1, ... whose bucket for the flag satisfies `pick`. */
function firstUsers(pick: (bucket: number) => boolean, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (pick(bucketOf(FLAG_KEY, `user-${i}`))) out.push(`user-${i}`);
  return out;
}
