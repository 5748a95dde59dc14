import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { preflight, rateLimitTable } from '../../lib/cli/preflight';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { shippedConfig, TODAY } from '../fixtures/config';
import { RATE_LIMIT_REQUESTS, startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';

jest.setTimeout(30_000);

const DEFAULT_ID = 'claude-sonnet-4-6';
const NEW_ID = 'claude-haiku-4-5-20251001';
const API_KEY = 'sk-test-preflight-key';

async function runPreflight(options: { baseURL: string; config?: RolloutConfig; apiKey?: string }): Promise<{
  exitCode: number;
  results: Awaited<ReturnType<typeof preflight>>['results'];
  lines: string[];
  out: string;
}> {
  const lines: string[] = [];
  const { exitCode, results } = await preflight({
    config: options.config ?? shippedConfig(),
    apiKey: options.apiKey ?? API_KEY,
    baseURL: options.baseURL,
    today: TODAY,
    print: (l) => lines.push(l),
  });
  return { exitCode, results, lines, out: lines.join('\n') };
}

describe('rollout preflight against the fake vendor', () => {
  let vendor: FakeVendor;

  beforeAll(async () => {
    vendor = await startFakeVendor();
  });
  beforeEach(() => vendor.reset());
  afterAll(() => vendor.close());

  it('passes for both models and prints the rate-limit table', async () => {
    const run = await runPreflight({ baseURL: vendor.url });
    expect(run.exitCode).toBe(0);
    expect(run.results.map((r) => [r.role, r.vendorModelId, r.outcome])).toEqual([
      ['default', DEFAULT_ID, 'pass'],
      ['new', NEW_ID, 'pass'],
    ]);
    expect(run.lines[run.lines.length - 1]).toBe('preflight: 2 passed, 0 failed');
    expect(run.lines[0]).toBe(`preflight: checking the Anthropic API at ${vendor.url}`);

    // the rate-limit table: a header row and a requests row with limit, remaining and reset
    const header = run.lines.filter((l) => /rate limit\s+limit\s+remaining\s+reset/.test(l));
    expect(header).toHaveLength(2);
    const requestRows = run.lines.filter((l) => /^\s+requests\s/.test(l));
    expect(requestRows).toHaveLength(2);
    expect(requestRows[0]).toMatch(
      new RegExp(`requests\\s+${RATE_LIMIT_REQUESTS}\\s+${RATE_LIMIT_REQUESTS - 1}\\s+\\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(run.results[0]?.rateLimits).toMatchObject({
      'anthropic-ratelimit-requests-limit': String(RATE_LIMIT_REQUESTS),
    });

    // the vendor saw: retrieve + a 1-token message, per model, with the key
    expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1/models/${DEFAULT_ID}`,
      'POST /v1/messages',
      `GET /v1/models/${NEW_ID}`,
      'POST /v1/messages',
    ]);
    expect(vendor.calls.map((c) => [c.model, c.body.max_tokens])).toEqual([
      [DEFAULT_ID, 1],
      [NEW_ID, 1],
    ]);
    expect(run.out).not.toContain(API_KEY);
  });

  it('fails naming the new model when retrieve answers 404, without messaging it', async () => {
    vendor.setBehaviour(NEW_ID, { kind: 'status', status: 404 });
    const run = await runPreflight({ baseURL: vendor.url });
    expect(run.exitCode).toBe(1);
    expect(run.results[0]?.outcome).toBe('pass');
    expect(run.results[1]).toMatchObject({ role: 'new', outcome: 'fail' });
    expect(run.results[1]?.detail).toMatch(new RegExp(`^model ${NEW_ID} does not exist or this key cannot use it`));
    expect(run.out).toContain(`model ${NEW_ID} does not exist or this key cannot use it`);
    expect(vendor.calls.map((c) => c.model)).toEqual([DEFAULT_ID]);
    expect(run.lines[run.lines.length - 1]).toBe('preflight: 1 passed, 1 failed');
  });

  it('names ANTHROPIC_API_KEY when the message is refused with 401', async () => {
    vendor.setBehaviour(DEFAULT_ID, () => ({ kind: 'status', status: 401 })); // messages only: retrieve still answers
    const run = await runPreflight({ baseURL: vendor.url });
    expect(run.exitCode).toBe(1);
    expect(run.results[0]?.outcome).toBe('fail');
    expect(run.results[0]?.detail).toMatch(/^the API key was refused \(401\): check ANTHROPIC_API_KEY/);
    expect(run.out).toContain('the API key was refused (401): check ANTHROPIC_API_KEY');
    expect(run.out).not.toContain(API_KEY);
    expect(run.lines[run.lines.length - 1]).toBe('preflight: 1 passed, 1 failed');
  });

  it('reports a 429 with its rate limits and retry-after, as a failure', async () => {
    vendor.setBehaviour(NEW_ID, () => ({ kind: 'status', status: 429, headers: { 'retry-after': '17' } }));
    const run = await runPreflight({ baseURL: vendor.url });
    expect(run.exitCode).toBe(1);
    expect(run.results[1]?.outcome).toBe('fail');
    expect(run.results[1]?.detail).toMatch(/^rate limited \(429 rate_limit_error.*\): retry after 17 s/);
    expect(run.results[1]?.rateLimits).toMatchObject({
      'anthropic-ratelimit-requests-limit': String(RATE_LIMIT_REQUESTS),
      'retry-after': '17',
    });
    expect(run.out).toContain('retry-after: 17 s');
    expect(vendor.calls.filter((c) => c.model === NEW_ID)).toHaveLength(1); // no SDK retries
  });

  it('fails a retired default model from the known list without calling the vendor for it', async () => {
    const config = structuredClone(shippedConfig());
    config.llm.models[config.llm.defaultModel]!.vendorModelId = 'claude-2.1';
    const run = await runPreflight({ baseURL: vendor.url, config });
    expect(run.exitCode).toBe(1);
    expect(run.results[0]).toMatchObject({ role: 'default', vendorModelId: 'claude-2.1', outcome: 'fail' });
    expect(run.results[0]?.detail).toMatch(
      /^claude-2\.1 was retired by Anthropic on 2025-07-21: calls to it fail; use claude-sonnet-4-6/,
    );
    expect(run.results[1]?.outcome).toBe('pass');
    expect(vendor.calls.map((c) => c.model)).toEqual([NEW_ID]);
    expect(vendor.requests.some((r) => r.path.includes('claude-2.1'))).toBe(false);
    expect(run.lines[run.lines.length - 1]).toBe('preflight: 1 passed, 1 failed');
  });

  it('throws a CliError when no API key is given', async () => {
    await expect(runPreflight({ baseURL: vendor.url, apiKey: '' })).rejects.toThrow(/ANTHROPIC_API_KEY is not set/);
    expect(vendor.requests).toHaveLength(0);
  });
});

describe('rollout preflight without a vendor', () => {
  it('fails both models naming the base URL when nothing listens there', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const baseURL = `http://127.0.0.1:${port}`;

    const run = await runPreflight({ baseURL });
    expect(run.exitCode).toBe(1);
    expect(run.results.map((r) => r.outcome)).toEqual(['fail', 'fail']);
    for (const r of run.results) expect(r.detail).toContain(`cannot reach the Anthropic API at ${baseURL}`);
    expect(run.lines[run.lines.length - 1]).toBe('preflight: 0 passed, 2 failed');
  });
});

describe('rateLimitTable', () => {
  it('lists only the limit kinds present, with - for missing fields', () => {
    expect(
      rateLimitTable({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': '2026-11-25T00:01:00Z',
        'anthropic-ratelimit-tokens-limit': '40000',
      }),
    ).toEqual([
      'rate limit  limit  remaining  reset',
      'requests    50     49         2026-11-25T00:01:00Z',
      'tokens      40000  -          -',
    ]);
    expect(rateLimitTable({})).toEqual([]);
  });
});
