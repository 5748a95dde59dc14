import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { smoke, smokeTarget, SMOKE_PROMPT, type SmokeCheck } from '../../lib/cli/smoke';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { shippedConfig } from '../fixtures/config';
import { messageObject, startFakeVendor, streamEvents, type FakeVendor } from '../../fakes/fake-vendor';
import {
  DEFAULT_VENDOR_ID,
  FlagFile,
  flagOn,
  NEW_VENDOR_ID,
  startGateway,
  type GatewayHarness,
} from '../gateway/harness';

jest.setTimeout(30_000);

const COHORT_USER = 'qa-user-1'; // the shipped config's first allowlist entry

interface Run {
  readonly checks: SmokeCheck[];
  readonly exitCode: number;
  readonly lines: string[];
  readonly byName: (name: string) => SmokeCheck;
}

async function runSmoke(
  options: Omit<Parameters<typeof smoke>[0], 'print' | 'config'> & { config?: RolloutConfig },
): Promise<Run> {
  const lines: string[] = [];
  const { checks, exitCode } = await smoke({ config: shippedConfig(), ...options, print: (l) => lines.push(l) });
  const byName = (name: string): SmokeCheck => {
    const check = checks.find((c) => c.name === name);
    if (!check) throw new Error(`no check named ${name}`);
    return check;
  };
  return { checks, exitCode, lines, byName };
}

const outcomes = (run: Run): Array<[string, string]> => run.checks.map((c) => [c.name, c.outcome]);

describe('rollout smoke against an in-process gateway', () => {
  let vendor: FakeVendor;
  let flags: FlagFile;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    vendor = await startFakeVendor();
    flags = await FlagFile.create(flagOn(100));
    gateway = await startGateway({ vendor, flags: { kind: 'file', file: flags } });
  });
  beforeEach(() => vendor.reset());
  afterAll(async () => {
    await gateway.close();
    await vendor.close();
    await flags.remove();
  });

  it('passes all four checks with the flag at 100%', async () => {
    await flags.writeFlag(flagOn(100));
    const run = await runSmoke({ url: gateway.url, sign: false });
    expect(outcomes(run)).toEqual([
      ['default path', 'pass'],
      ['new model path', 'pass'],
      ['streaming', 'pass'],
      ['bad request', 'pass'],
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.lines[run.lines.length - 1]).toBe('smoke: 4 passed, 0 failed, 0 skipped');
    expect(run.byName('default path').detail).toContain(DEFAULT_VENDOR_ID);
    expect(run.byName('new model path').detail).toContain(NEW_VENDOR_ID);
    expect(run.byName('bad request').detail).toMatch(/^400 invalid_request_error/);
    for (const c of run.checks) expect(c.ms).toBeGreaterThanOrEqual(0);
    // one table row per check
    for (const c of run.checks)
      expect(run.lines.some((l) => l.includes(c.name) && l.includes(c.outcome) && l.includes(c.detail))).toBe(true);

    // what reached the vendor: default (no user), new (cohort user), stream on default; the bad request never did
    // (the gateway streams every vendor call, whatever the client asked)
    expect(vendor.calls.map((c) => [c.model, c.stream])).toEqual([
      [DEFAULT_VENDOR_ID, true],
      [NEW_VENDOR_ID, true],
      [DEFAULT_VENDOR_ID, true],
    ]);
    expect(vendor.calls[0]?.body.metadata).toBeUndefined();
    expect(vendor.calls.every((c) => c.body.max_tokens === 16)).toBe(true);
    // no completion text in the output
    expect(run.lines.join('\n')).not.toContain('Hello from');
  });

  it('passes with the flag at 0% when the cohort user is allowlisted', async () => {
    await flags.writeFlag(flagOn(0, { allowlist: [COHORT_USER] }));
    const run = await runSmoke({ url: gateway.url, sign: false });
    expect(run.exitCode).toBe(0);
    expect(run.byName('new model path')).toMatchObject({ outcome: 'pass' });
    expect(run.lines[run.lines.length - 1]).toBe('smoke: 4 passed, 0 failed, 0 skipped');
  });

  it('skips the new model path when the flag is off, and fails it with expectNew', async () => {
    await flags.writeFlag({ enabled: false, rolloutPercent: 0, allowlist: [], phase: 'off' });
    const run = await runSmoke({ url: gateway.url, sign: false });
    expect(run.byName('new model path')).toMatchObject({
      outcome: 'skip',
      detail: `user ${COHORT_USER} is not in the cohort (flag off or not allowlisted)`,
    });
    expect(run.exitCode).toBe(0);
    expect(run.lines[run.lines.length - 1]).toBe('smoke: 3 passed, 0 failed, 1 skipped');

    const strict = await runSmoke({ url: gateway.url, sign: false, expectNew: true });
    expect(strict.byName('new model path')).toMatchObject({
      outcome: 'fail',
      detail: `user ${COHORT_USER} is not in the cohort (flag off or not allowlisted)`,
    });
    expect(strict.exitCode).toBe(1);
    expect(strict.lines[strict.lines.length - 1]).toBe('smoke: 3 passed, 1 failed, 0 skipped');
  });

  it('uses --user when given (a user outside a 0% cohort is skipped)', async () => {
    await flags.writeFlag(flagOn(0, { allowlist: [COHORT_USER] }));
    const run = await runSmoke({ url: gateway.url, sign: false, user: 'someone-else' });
    expect(run.byName('new model path')).toMatchObject({
      outcome: 'skip',
      detail: 'user someone-else is not in the cohort (flag off or not allowlisted)',
    });
  });

  it('skips the new model path when no cohort user is configured (fails with expectNew)', async () => {
    await flags.writeFlag(flagOn(100));
    const config = structuredClone(shippedConfig());
    for (const phase of config.rollout.phases) phase.allowlist = [];
    const run = await runSmoke({ url: gateway.url, sign: false, config });
    expect(run.byName('new model path').outcome).toBe('skip');
    expect(run.byName('new model path').detail).toMatch(/no cohort user/);
    expect(vendor.calls.some((c) => c.model === NEW_VENDOR_ID)).toBe(false);
    const strict = await runSmoke({ url: gateway.url, sign: false, config, expectNew: true });
    expect(strict.byName('new model path').outcome).toBe('fail');
    expect(strict.exitCode).toBe(1);
  });

  it('fails the new model path, naming the fallback, when the new model answers 529', async () => {
    await flags.writeFlag(flagOn(100));
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    const run = await runSmoke({ url: gateway.url, sign: false });
    expect(outcomes(run)).toEqual([
      ['default path', 'pass'],
      ['new model path', 'fail'],
      ['streaming', 'pass'],
      ['bad request', 'pass'],
    ]);
    expect(run.byName('new model path').detail).toMatch(
      /^new model failed; default answered \(x-rollout-fallback: true/,
    );
    expect(run.exitCode).toBe(1);
    expect(run.lines[run.lines.length - 1]).toBe('smoke: 3 passed, 1 failed, 0 skipped');
    expect(vendor.calls.map((c) => c.model)).toEqual([
      DEFAULT_VENDOR_ID,
      NEW_VENDOR_ID,
      DEFAULT_VENDOR_ID,
      DEFAULT_VENDOR_ID,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// A "gateway" that answers a canned message to everything (and records what arrives)

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

async function startCannedServer(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const answer = {
    model: DEFAULT_VENDOR_ID,
    text: 'pong',
    stopReason: 'end_turn' as const,
    inputTokens: 5,
    outputTokens: 1,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const headers = { 'x-rollout-variant': 'default' };
      if (body.includes('"stream":true')) {
        res.writeHead(200, { ...headers, 'content-type': 'text/event-stream' });
        for (const event of streamEvents(answer)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(messageObject(answer)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('rollout smoke against servers that are not a healthy gateway', () => {
  it('fails the bad-request check when the gateway answers 200 to max_tokens: 0', async () => {
    const canned = await startCannedServer();
    try {
      const run = await runSmoke({ url: canned.url, sign: false });
      expect(outcomes(run)).toEqual([
        ['default path', 'pass'],
        ['new model path', 'skip'],
        ['streaming', 'pass'],
        ['bad request', 'fail'],
      ]);
      expect(run.byName('bad request').detail).toBe(
        `${canned.url} answered 200 to max_tokens: 0; expected 400 invalid_request_error`,
      );
      expect(run.exitCode).toBe(1);
      expect(run.lines[run.lines.length - 1]).toBe('smoke: 2 passed, 1 failed, 1 skipped');
      // only the fixed smoke prompt was sent
      for (const s of canned.seen)
        expect(JSON.parse(s.body).messages).toEqual([{ role: 'user', content: SMOKE_PROMPT }]);
      expect(
        canned.seen.every(
          (s) => s.headers.authorization === undefined || !String(s.headers.authorization).startsWith('AWS4'),
        ),
      ).toBe(true);
    } finally {
      await canned.close();
    }
  });

  it('fails every check, naming the URL, when nothing listens there (and does not throw)', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;

    const run = await runSmoke({ url, sign: false });
    expect(run.checks.map((c) => c.outcome)).toEqual(['fail', 'fail', 'fail', 'fail']);
    for (const c of run.checks) expect(c.detail).toContain(`cannot reach ${url}`);
    expect(run.exitCode).toBe(1);
    expect(run.lines[run.lines.length - 1]).toBe('smoke: 0 passed, 4 failed, 0 skipped');
  });

  it('signs every request with SigV4 for lambda when sign is on, and prints no credentials', async () => {
    const recorder = await startCannedServer();
    try {
      const run = await runSmoke({
        url: recorder.url,
        sign: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
      });
      expect(recorder.seen).toHaveLength(4);
      for (const s of recorder.seen) {
        expect(s.method).toBe('POST');
        expect(s.path).toBe('/v1/messages');
        expect(s.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
        );
        expect(s.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(s.body).digest('hex'));
      }
      expect(run.lines[0]).toMatch(/SigV4-signed for lambda in us-east-1/);
      expect(run.lines.join('\n')).not.toContain('AKIDEXAMPLE');
    } finally {
      await recorder.close();
    }
  });
});

describe('smokeTarget', () => {
  const config = shippedConfig();

  it('signs https URLs by default, with the region from a Function URL host', () => {
    expect(smokeTarget({ url: 'https://abc123def.lambda-url.eu-west-1.on.aws/', config })).toEqual({
      url: 'https://abc123def.lambda-url.eu-west-1.on.aws',
      sign: true,
      region: 'eu-west-1',
    });
    expect(smokeTarget({ url: 'https://gateway.example.com', config })).toEqual({
      url: 'https://gateway.example.com',
      sign: true,
      region: config.aws.region,
    });
  });

  it('does not sign a local rollout serve unless asked', () => {
    expect(smokeTarget({ url: 'http://127.0.0.1:8080', config }).sign).toBe(false);
    expect(smokeTarget({ url: 'http://localhost:8080', config }).sign).toBe(false);
    expect(smokeTarget({ url: 'http://127.0.0.1:8080', config, sign: true, region: 'us-west-2' })).toMatchObject({
      sign: true,
      region: 'us-west-2',
    });
  });

  it('rejects a URL that is not http(s) with a usage error', () => {
    expect(() => smokeTarget({ url: 'not a url', config })).toThrow(/--url must be/);
    expect(() => smokeTarget({ url: 'ftp://x.example.com', config })).toThrow(/http:\/\/ or https:\/\//);
  });
});
