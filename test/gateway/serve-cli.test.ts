/**
 * `npx rollout serve` (docs/ARCHITECTURE.md, Gateway and CLI) as a child process: the same request handling
 * on 127.0.0.1, the flag from a file (re-read when it changes), the vendor from
 * ANTHROPIC_BASE_URL, logs and EMF metrics on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  DEFAULT_VENDOR_ID,
  emfBlobs,
  FlagFile,
  flagOn,
  jsonObjectsIn,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  REPO_ROOT,
} from './harness';

jest.setTimeout(30_000);

interface Child {
  readonly proc: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment for the child: ours without any vendor or rollout settings, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('ANTHROPIC_') || key.startsWith('ROLLOUT_') || key.startsWith('POWERTOOLS_')) delete env[key];
  }
  return { ...env, ...extra };
}

function runRollout(args: string[], env: NodeJS.ProcessEnv): Child {
  // its own process group, so the test can end npx and the node process under it together
  const proc = spawn('npx', ['rollout', ...args], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the URL once the child prints `listening on http://127.0.0.1:PORT`. */
async function listening(child: Child, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m.exec(child.stdout());
    if (match) {
      expect(Number(match[2])).toBeGreaterThan(0);
      return match[1] ?? '';
    }
    if (child.proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`rollout serve did not start.\nstdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: Child): void {
  if (child.proc.pid !== undefined && child.proc.exitCode === null && child.proc.signalCode === null) {
    try {
      process.kill(-child.proc.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

describe('rollout serve', () => {
  const PROMPT = 'SERVE-PROMPT-MARKER-51x';
  const COMPLETION = 'SERVE-COMPLETION-MARKER-88y';
  let vendor: FakeVendor;
  let flags: FlagFile;
  let child: Child | undefined;

  beforeAll(async () => {
    vendor = await startFakeVendor();
    flags = await FlagFile.create(flagOn(100));
  });
  afterAll(async () => {
    if (child) {
      stop(child);
      await child.exited;
    }
    await vendor.close();
    await flags.remove();
  });

  test('serves streaming and non-streaming requests, follows flag file edits, and logs EMF without prompt text', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, {
      kind: 'ok',
      text: `${COMPLETION} from the new model`,
      inputTokens: 100,
      outputTokens: 20,
    });
    child = runRollout(
      ['serve', '--port', '0', '--flags', flags.path, '--config', 'rollout.config.json'],
      childEnv({
        ANTHROPIC_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: vendor.url,
        ROLLOUT_HASH_KEY: 'k'.repeat(32),
      }),
    );
    const url = await listening(child);
    const client = new Anthropic({ apiKey: 'x', baseURL: url, maxRetries: 0 });
    const params = messageParams({ user: 'serve-user', text: `tell me ${PROMPT}` });

    // non-streaming, in the cohort at 100%
    const { data, response } = await client.messages.create(params).withResponse();
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(data.content).toEqual([{ type: 'text', text: `${COMPLETION} from the new model`, citations: null }]);
    expect(response.headers.get('x-rollout-variant')).toBe('new');
    // the vendor got the gateway's key, not the client's
    const auth = vendor.calls[0]!.headers;
    expect(String(auth['x-api-key'] ?? auth.authorization)).toMatch(/^(Bearer )?test-key$/);

    // streaming
    const streamed = await client.messages.stream(params).finalMessage();
    expect(streamed.model).toBe(NEW_VENDOR_ID);
    expect(streamed.content).toEqual([{ type: 'text', text: `${COMPLETION} from the new model`, citations: null }]);

    // edit the flag file: 100% → 0%; the next request goes to the default model
    await flags.writeFlag(flagOn(0));
    // The gateway reuses a flag reading for gateway.flagCacheMs (1 s in the shipped config).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await client.messages.create(params).withResponse();
    expect(after.data.model).toBe(DEFAULT_VENDOR_ID);
    expect(after.response.headers.get('x-rollout-variant')).toBe('default');
    // The gateway always streams from the vendor; non-streaming clients get the whole answer.
    expect(vendor.calls.map((c) => [c.model, c.stream])).toEqual([
      [NEW_VENDOR_ID, true],
      [NEW_VENDOR_ID, true],
      [DEFAULT_VENDOR_ID, true],
    ]);

    // bad input is answered by the gateway itself
    const bad = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    stop(child);
    const exit = await child.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);

    const out = child.stdout();
    const lines = jsonObjectsIn(out);
    const blobs = emfBlobs(lines);
    const newBlobs = blobs.filter((b) => b.root.Model === NEW_ALIAS);
    expect(newBlobs).toHaveLength(2);
    for (const b of newBlobs) {
      expect(b.directive.Namespace).toBe('ModelRollout');
      expect(b.directive.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
      expect(b.root).toMatchObject({ Requests: 1, InputTokens: 100, OutputTokens: 20 });
    }
    expect(blobs.filter((b) => b.root.Model === 'claude-sonnet-4-6')).toHaveLength(1);
    expect(lines.filter((l) => l.message === 'request')).toHaveLength(4);
    expect(out).not.toMatch(/ROLLOUT_HASH_KEY is not set/);
    for (const text of [out, child.stderr()]) {
      expect(text).not.toContain(PROMPT);
      expect(text).not.toContain(COMPLETION);
      expect(text).not.toContain('serve-user');
      expect(text).not.toContain('test-key');
    }
  });
});

describe('rollout serve: usage errors', () => {
  let flags: FlagFile;
  beforeAll(async () => {
    flags = await FlagFile.create(flagOn(0));
  });
  afterAll(() => flags.remove());

  test('missing --flags → exit code 2 with a usage message; missing ANTHROPIC_API_KEY → exit 1 naming it', async () => {
    const noFlags = runRollout(
      ['serve', '--port', '0'],
      childEnv({ ANTHROPIC_API_KEY: 'k', ROLLOUT_HASH_KEY: 'k'.repeat(32) }),
    );
    const noKey = runRollout(
      ['serve', '--port', '0', '--flags', flags.path],
      childEnv({ ROLLOUT_HASH_KEY: 'k'.repeat(32) }),
    );
    try {
      const [a, b] = await Promise.all([noFlags.exited, noKey.exited]);
      expect(a.code).toBe(2);
      expect(noFlags.stderr()).toMatch(/--flags FILE is required/);
      expect(noFlags.stderr()).toMatch(/Usage: rollout serve --port PORT --flags FILE/);
      expect(noFlags.stdout()).not.toMatch(/listening on/);

      expect(b.code).toBe(1);
      expect(noKey.stderr()).toMatch(/ANTHROPIC_API_KEY/);
      expect(noKey.stdout()).not.toMatch(/listening on/);
    } finally {
      stop(noFlags);
      stop(noKey);
    }
  });

  // Regression: a short key used to pass start-up and fail every request with a 500.
  it('a ROLLOUT_HASH_KEY that is too short stops start-up with a message naming it', async () => {
    const vendor = await startFakeVendor();
    const shortKey = runRollout(
      ['serve', '--port', '0', '--flags', flags.path],
      childEnv({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: vendor.url, ROLLOUT_HASH_KEY: 'dev' }),
    );
    try {
      const outcome = await Promise.race([
        shortKey.exited.then((e) => ({ exit: e.code })),
        listening(shortKey).then((url) => ({ url })),
      ]);
      if ('url' in outcome) {
        // it started: show what a request gets
        const res = await fetch(`${outcome.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(messageParams()),
        });
        expect(res.status).toBe(200);
      }
      expect(outcome).toEqual({ exit: 1 });
      expect(shortKey.stderr()).toMatch(/ROLLOUT_HASH_KEY/);
    } finally {
      stop(shortKey);
      await shortKey.exited;
      await vendor.close();
    }
  });
});
