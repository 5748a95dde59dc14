import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { SHIPPED_CONFIG_FILE } from '../fixtures/config';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';

jest.setTimeout(30_000);

const DEFAULT_ID = 'claude-sonnet-4-6';
const NEW_ID = 'claude-haiku-4-5-20251001';
const SECRET = 'PROMPT-MARKER-5521';

const body = (extra: Record<string, unknown> = {}, text = `${SECRET} say hi`): Record<string, unknown> => ({
  model: DEFAULT_ID,
  max_tokens: 4096,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly progress: string[];
  readonly questions: string[];
}

describe('rollout preflight --replay against the fake vendor', () => {
  let vendor: FakeVendor;
  let dir: string;

  beforeAll(async () => {
    vendor = await startFakeVendor();
    dir = await mkdtemp(path.join(tmpdir(), 'replay-'));
  });
  beforeEach(() => {
    vendor.reset();
    // Claude Haiku 4.5 as the API treats it: temperature with top_p refused, adaptive thinking refused.
    vendor.setModelRules(NEW_ID, { oneSamplingParameter: true, noAdaptiveThinking: true, maxOutputTokens: 64_000 });
  });
  afterAll(async () => {
    await vendor.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function sample(name: string, lines: ReadonlyArray<Record<string, unknown> | string>): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    return file;
  }

  async function run(args: readonly string[], o: { env?: NodeJS.ProcessEnv; answer?: boolean } = {}): Promise<Run> {
    const lines: string[] = [];
    const errors: string[] = [];
    const progress: string[] = [];
    const questions: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => {
      errors.push(line);
    });
    try {
      const code = await main(['preflight', ...args, '--config', SHIPPED_CONFIG_FILE], {
        print: (l) => lines.push(l),
        progress: (l) => progress.push(l),
        env: o.env ?? { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: vendor.url },
        confirm: async (q) => {
          questions.push(q);
          return o.answer ?? true;
        },
      });
      return { code, out: lines.join('\n'), err: errors.join('\n'), progress, questions };
    } finally {
      spy.mockRestore();
    }
  }

  it('reports the request the rule repairs, shape differences and ratios, as JSON; exit 0', async () => {
    vendor.setBehaviour(NEW_ID, { kind: 'ok', thinkingFirst: true, outputTokens: 8, inputTokens: 13 });
    vendor.setBehaviour(DEFAULT_ID, { kind: 'ok', outputTokens: 4, inputTokens: 10 });
    const file = await sample('repair.jsonl', [
      body(),
      body({ temperature: 0.7, top_p: 0.9 }),
      '',
      body({ stream: true }),
    ]);
    const r = await run(['--replay', file, '--json', '--yes']);
    expect(r.code).toBe(0);
    expect(r.questions).toEqual([]); // --yes
    const report = JSON.parse(r.out) as Record<string, unknown> & {
      results: Array<Record<string, unknown>>;
      summary: Record<string, unknown>;
    };
    expect(report).toMatchObject({
      defaultModel: { alias: 'claude-sonnet-4-6', vendorModelId: DEFAULT_ID },
      newModel: {
        alias: 'claude-haiku-4-5',
        vendorModelId: NEW_ID,
        requestRules: ['oneSamplingParameter', 'clampMaxTokens'],
      },
      sampleRequests: 3,
      skipped: 0,
      maxTokens: 1024,
      estimatedWorstCaseUsd: expect.any(Number),
      notes: [
        '1 stream requests were replayed non-streaming',
        'max_tokens of each request clamped to 1024 for the replay',
      ],
      summary: {
        replayed: 3,
        accepted: 2,
        repaired: 1,
        refused: 0,
        errors: 0,
        shapeDifferences: 3,
        streamReplayedNonStreaming: 1,
        latencyRatio: expect.any(Number),
        inputTokenRatio: 1.3,
        outputTokenRatio: 2,
      },
    });
    expect(report.results.map((x) => [x.line, x.stream, x.rulesApplied])).toEqual([
      [1, false, []],
      [2, false, ['oneSamplingParameter']],
      [4, true, []],
    ]);
    expect(report.results[1]).toMatchObject({
      defaultModel: { kind: 'accepted', blocks: ['text'], stopReason: 'end_turn' },
      newModel: { kind: 'accepted', blocks: ['thinking', 'text'] },
      newModelUnadapted: { kind: 'refused', status: 400, errorType: 'invalid_request_error' },
    });
    expect(report.results[1]).not.toHaveProperty('body');
    // Line 2 was sent three times (default, new adapted, new as sent); the rest twice, all non-streaming.
    expect(vendor.calls).toHaveLength(7);
    expect(vendor.calls.every((c) => !c.stream && c.body.max_tokens === 1024)).toBe(true);
    const line2New = vendor.calls.filter((c) => c.model === NEW_ID && c.body.temperature === 0.7);
    expect(line2New.map((c) => 'top_p' in c.body).sort()).toEqual([false, true]);
    expect(r.out).not.toContain(SECRET);
    expect(r.out).not.toContain('cannot both be specified'); // the vendor's message only with --show-bodies
  });

  it('names the line the new model refuses with its error type, never its prompt; exit 1 (table)', async () => {
    const file = await sample('refused.jsonl', [body(), body({ thinking: { type: 'adaptive' } })]);
    const r = await run(['--replay', file]);
    expect(r.code).toBe(1);
    expect(r.questions).toEqual([expect.stringMatching(/^Replay 2 requests \(4 calls, worst case \$\d+\.\d{4}\)\?$/)]);
    const row = r.out.split('\n').find((l) => l.startsWith('2 '));
    expect(row).toMatch(/^2\s+refused\s+ok\s+400 invalid_request_error\s+-/);
    expect(r.out).toMatch(/^1\s+accepted\s+ok\s+ok\s+/m);
    expect(r.out).toContain(
      'replay: 2 requests: 1 accepted, 0 repaired by the rules, 1 refused by claude-haiku-4-5, 0 failed',
    );
    expect(r.out).not.toContain(SECRET);
    expect(r.out).not.toContain('adaptive thinking is not supported');
    expect(r.progress).toEqual(['replay: 1/2', 'replay: 2/2']);
  });

  it('shows bodies and vendor messages only with --show-bodies', async () => {
    const file = await sample('show.jsonl', [body({ thinking: { type: 'adaptive' } })]);
    const r = await run(['--replay', file, '--yes', '--show-bodies']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(SECRET);
    expect(r.out).toContain('400 invalid_request_error: adaptive thinking is not supported on this model');
  });

  it('refuses bad lines with exit 2, naming each line and what is wrong, before any call', async () => {
    const file = await sample('bad.jsonl', [
      body(),
      `{"model": "${DEFAULT_ID}", "max_tokens": 5, "messages": [{"role": "user", "content": "${SECRET}"`,
      body({ max_tokens: 0 }),
      { model: DEFAULT_ID, max_tokens: 5, messages: [{ role: 'robot', content: SECRET }] },
      '[1, 2]',
    ]);
    const r = await run(['--replay', file, '--yes']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file} has 4 line(s) that are not a Messages API body`);
    expect(r.err).toMatch(/line 2: the line is not valid JSON/);
    expect(r.err).toMatch(/line 3: max_tokens: must be > 0/);
    expect(r.err).toMatch(/line 4: messages\[0\]\.role: role must be "user" or "assistant"/);
    expect(r.err).toMatch(/line 5: the line must be a JSON object/);
    expect(r.err).not.toContain(SECRET);
    expect(vendor.requests).toHaveLength(0);
  });

  it.each([
    [
      'a missing file',
      (file: string) => ['--replay', `${file}.missing`],
      /cannot read the replay sample .*\(ENOENT\)/,
      undefined,
    ],
    ['no API key', (file: string) => ['--replay', file], /ANTHROPIC_API_KEY is not set/, {}],
    [
      'a bad --max-tokens',
      (file: string) => ['--replay', file, '--max-tokens', '0'],
      /--max-tokens must be a positive whole number/,
      undefined,
    ],
  ])('exits 2 on %s, before any call', async (_what, args, message, env) => {
    const file = await sample('ok.jsonl', [body()]);
    const r = await run(args(file), env ? { env } : {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(vendor.requests).toHaveLength(0);
  });

  it('honours --max-requests, --max-tokens and --concurrency', async () => {
    vendor.setBehaviour(DEFAULT_ID, { kind: 'ok', delayMs: 30 });
    vendor.setBehaviour(NEW_ID, { kind: 'ok', delayMs: 30 });
    const file = await sample('caps.jsonl', [body(), body(), body(), body(), body()]);
    const r = await run([
      '--replay',
      file,
      '--max-requests',
      '3',
      '--max-tokens',
      '50',
      '--concurrency',
      '1',
      '--json',
      '--yes',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { sampleRequests: number; skipped: number };
    expect(report).toMatchObject({ sampleRequests: 5, skipped: 2 });
    expect(vendor.calls).toHaveLength(6);
    expect(vendor.calls.every((c) => c.body.max_tokens === 50)).toBe(true);
    // One request at a time: its two calls overlap each other, never the next request's.
    for (let i = 2; i < vendor.calls.length; i += 2) {
      const prev = vendor.calls.slice(i - 2, i);
      const started = Math.min(...vendor.calls.slice(i, i + 2).map((c) => c.at));
      for (const c of prev) expect(c.closedAt ?? Infinity).toBeLessThanOrEqual(started);
    }
  });

  it('sends nothing when the operator says no at the prompt (exit 5)', async () => {
    const file = await sample('no.jsonl', [body()]);
    const r = await run(['--replay', file], { answer: false });
    expect(r.code).toBe(5);
    expect(r.out).toContain('replay: not confirmed; nothing was sent');
    expect(vendor.requests).toHaveLength(0);
  });
});
