/**
 * Flag faults (docs/ARCHITECTURE.md, Flag) through the fake AppConfig Agent: the gateway never fails a request
 * because of the flag, uses the last good flag (or the default model for everyone), and counts
 * every failure as FlagErrors (no Model dimension).
 */
import { createHmac } from 'node:crypto';
import { startFakeAgent, type AgentResponse, type FakeAgent } from '../../fakes/fake-agent';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import { rm } from 'node:fs/promises';
import {
  DEFAULT_VENDOR_ID,
  FLAG_KEY,
  FlagFile,
  flagOn,
  HASH_KEY,
  messageParams,
  NEW_VENDOR_ID,
  settingsWith,
  startGateway,
  type GatewayHarness,
} from './harness';

const APP = settingsWith().appConfig;

let vendor: FakeVendor;
let agent: FakeAgent;
let gw: GatewayHarness | undefined;

beforeAll(async () => {
  vendor = await startFakeVendor();
});
beforeEach(async () => {
  agent = await startFakeAgent({ application: APP.application, environment: APP.environment, profile: APP.profile });
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await agent.close();
  vendor.reset();
});
afterAll(() => vendor.close());

async function gateway(): Promise<GatewayHarness> {
  gw = await startGateway({ vendor, flags: { kind: 'agent', agent, timeoutMs: 200 } });
  return gw;
}

async function ask(h: GatewayHarness, user = 'u1'): Promise<{ model: string; variant: string | null }> {
  const { data, response } = await h.client.messages.create(messageParams({ user })).withResponse();
  return { model: data.model, variant: response.headers.get('x-rollout-variant') };
}

const hmac16 = (id: string): string => createHmac('sha256', HASH_KEY).update(id).digest('hex').slice(0, 16);

/** The FlagErrors publishes: they carry no Model dimension and nothing else. */
function flagErrorPublishes(
  h: GatewayHarness,
): Array<{ model: string | undefined; values: ReadonlyArray<readonly [string, number]> }> {
  return h.metrics.publishes.filter((p) => p.values.some(([name]) => name === 'FlagErrors'));
}

describe('no good flag yet: everyone on the default model, the request succeeds, the error is counted', () => {
  const faults: Array<[string, AgentResponse | 'down']> = [
    ['agent down (closed port)', 'down'],
    ['invalid JSON', { text: '{"enable_claude_haiku_4_5": {"enabled": tru' }],
    ['rolloutPercent 150 (out of range)', { json: { [FLAG_KEY]: flagOn(150) } }],
    ['rolloutPercent -1', { json: { [FLAG_KEY]: flagOn(-1) } }],
    ['rolloutPercent a string', { json: { [FLAG_KEY]: flagOn(100, { rolloutPercent: '100' }) } }],
    ['enabled not a boolean', { json: { [FLAG_KEY]: { enabled: 'true', rolloutPercent: 100 } } }],
    ['allowlist not an array of strings', { json: { [FLAG_KEY]: flagOn(100, { allowlist: 'qa-user-1' }) } }],
    ['document is an array', { json: [] }],
    ['agent answers 500', { status: 500 }],
    ['agent answers 404 (profile not deployed yet)', { status: 404 }],
    ['agent hangs (past the source timeout)', 'hang'],
  ];

  test.each(faults)('%s', async (_name, fault) => {
    if (fault === 'down') {
      const port = agent.port;
      await agent.close();
      gw = await startGateway({ vendor, flags: { kind: 'agent-port', port, timeoutMs: 200 } });
    } else {
      agent.serve(fault);
      await gateway();
    }
    const h = gw as GatewayHarness;
    expect(await ask(h, 'qa-user-1')).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
    expect(vendor.calls.map((c) => c.model)).toEqual([DEFAULT_VENDOR_ID]);
    expect(flagErrorPublishes(h)).toEqual([{ model: undefined, values: [['FlagErrors', 1]] }]);
    const warnings = h.logger.calls.filter((c) => c.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/flag/);
    expect(h.requestLogs()[0]).toMatchObject({ status: 200, variant: 'default', phase: 'off', cohort: 'flag-off' });
  });

  test('a flag missing from the document is "off", not an error', async () => {
    agent.serve({ json: { some_other_flag: { enabled: true } } });
    const h = await gateway();
    expect(await ask(h)).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
    expect(flagErrorPublishes(h)).toEqual([]);
    expect(h.logger.calls.filter((c) => c.level === 'warn')).toEqual([]);
  });

  test('requests naming another model do not read the flag, so count no flag error', async () => {
    agent.serve({ status: 500 });
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: 'u1', model: 'claude-opus-4-8' }));
    expect(agent.requests).toHaveLength(0);
    expect(flagErrorPublishes(h)).toEqual([]);
  });
});

describe('last known good', () => {
  test('after a good 100% flag, a broken agent keeps the cohort on the new model and counts each failure', async () => {
    agent.serve({ json: { [FLAG_KEY]: flagOn(100) } });
    const h = await gateway();
    expect(await ask(h)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
    expect(flagErrorPublishes(h)).toEqual([]);

    agent.serve({ text: 'not json' });
    expect(await ask(h)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
    agent.serve({ json: { [FLAG_KEY]: flagOn(150) } });
    expect(await ask(h)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
    await agent.close();
    expect(await ask(h)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });

    expect(flagErrorPublishes(h)).toEqual([
      { model: undefined, values: [['FlagErrors', 1]] },
      { model: undefined, values: [['FlagErrors', 1]] },
      { model: undefined, values: [['FlagErrors', 1]] },
    ]);
    expect(vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, NEW_VENDOR_ID, NEW_VENDOR_ID, NEW_VENDOR_ID]);
  });

  test('a good "off" flag is also remembered: a later failure does not turn the rollout on or off', async () => {
    agent.serve({ json: { [FLAG_KEY]: { enabled: false, phase: 'off' } } });
    const h = await gateway();
    expect(await ask(h)).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
    agent.serve({ status: 503 });
    expect(await ask(h)).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
    // recovery: the new good flag applies at once, with no error counted
    agent.serve({ json: { [FLAG_KEY]: flagOn(100) } });
    expect(await ask(h)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
    expect(flagErrorPublishes(h)).toHaveLength(1);
  });
});

describe('Entity-Id', () => {
  test('the agent receives a 16-hex keyed hash of the user key, stable per user, never the raw id', async () => {
    agent.serve({ json: { [FLAG_KEY]: flagOn(0) } });
    const h = await gateway();
    await ask(h, 'alice@example.com');
    await ask(h, 'alice@example.com');
    await ask(h, 'bob@example.com');
    const ids = agent.requests.map((r) => r.headers['entity-id']);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[0]).toBe(hmac16('alice@example.com'));
    expect(ids[2]).toBe(hmac16('bob@example.com'));
    // the hash is the one the logs use, and the raw ids appear nowhere the agent sees
    expect(h.requestLogs().map((l) => l.userHash)).toEqual(ids);
    expect(JSON.stringify(agent.requests)).not.toMatch(/alice|bob/);
  });

  test('the x-user-id header is hashed the same way; no user key → no Entity-Id', async () => {
    agent.serve({ json: { [FLAG_KEY]: flagOn(0) } });
    const h = await gateway();
    await h.client.messages.create(messageParams(), { headers: { 'x-user-id': 'carol' } });
    await h.client.messages.create(messageParams());
    expect(agent.requests.map((r) => r.headers['entity-id'])).toEqual([hmac16('carol'), undefined]);
  });

  test('a version the agent serves for one entity reaches that user only', async () => {
    agent.serve({ json: { [FLAG_KEY]: flagOn(0) } });
    agent.serveForEntity(hmac16('early-user'), { json: { [FLAG_KEY]: flagOn(100) } });
    const h = await gateway();
    expect(await ask(h, 'early-user')).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
    expect(await ask(h, 'late-user')).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
  });
});

describe('flag warnings', () => {
  test('logged at most once per minute while every failure is counted', async () => {
    agent.serve({ status: 500 });
    const h = await gateway();
    for (let i = 0; i < 6; i++) expect(await ask(h, `user-${i}`)).toMatchObject({ model: DEFAULT_VENDOR_ID });
    agent.serve({ text: '{' }); // another kind of failure, within the same minute
    await ask(h);
    expect(h.metrics.sum(undefined, 'FlagErrors')).toBe(7);
    expect(flagErrorPublishes(h)).toHaveLength(7);
    const warnings = h.logger.calls.filter((c) => c.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.extra[0]).toEqual({ error: expect.stringMatching(/500/) });
    // every request still got its 'request' log
    expect(h.requestLogs()).toHaveLength(7);
  });
});

describe('file flag source (rollout serve)', () => {
  test('missing or broken file → last good flag, counted; a fixed file applies at once', async () => {
    const file = await FlagFile.create(flagOn(100));
    try {
      gw = await startGateway({ vendor, flags: { kind: 'file', file } });
      expect(await ask(gw)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
      await file.writeRaw('{"enable_claude_haiku_4_5": {"enabled": true, "rolloutPercent": 1');
      expect(await ask(gw)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
      await rm(file.path);
      expect(await ask(gw)).toEqual({ model: NEW_VENDOR_ID, variant: 'new' });
      await file.writeFlag(flagOn(0));
      expect(await ask(gw)).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
      expect(gw.metrics.sum(undefined, 'FlagErrors')).toBe(2);
    } finally {
      await file.remove();
    }
  });

  test('no file from the start → everyone on the default model, requests succeed', async () => {
    const file = await FlagFile.create(flagOn(100));
    await file.remove();
    gw = await startGateway({ vendor, flags: { kind: 'file', file } });
    expect(await ask(gw, 'qa-user-1')).toEqual({ model: DEFAULT_VENDOR_ID, variant: 'default' });
    expect(gw.metrics.sum(undefined, 'FlagErrors')).toBe(1);
  });
});
