import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlagDocumentError } from '../../../lib/domain/flag-errors';
import { AgentFlagSource, FileFlagSource } from '../../../lib/gateway/flag-source';

/** Resolves with the error `promise` rejects with (fails when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('FileFlagSource', () => {
  let dir: string;
  let file: string;
  /** A fixed modification time (seconds), so the test decides when mtime changes. */
  const T1 = 1_700_000_000;
  const T2 = 1_700_000_100;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flag-source-'));
    file = path.join(dir, 'flags.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(value: unknown, mtimeSeconds: number): Promise<void> {
    await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
    await utimes(file, mtimeSeconds, mtimeSeconds);
  }

  it('reads the retrieved form from the file', async () => {
    await write({ enable_x: { enabled: true, rolloutPercent: 1 } }, T1);
    await expect(new FileFlagSource(file).read()).resolves.toEqual({ enable_x: { enabled: true, rolloutPercent: 1 } });
  });

  it('does not re-read while mtime and size are unchanged (same-size content written with the same mtime is not seen)', async () => {
    const source = new FileFlagSource(file);
    await write({ enable_x: { rolloutPercent: 1 } }, T1);
    const first = await source.read();
    expect(first).toEqual({ enable_x: { rolloutPercent: 1 } });
    // Same size, same mtime, different content: served from the cache, i.e. the file was not read.
    await write({ enable_x: { rolloutPercent: 2 } }, T1);
    expect((await stat(file)).mtimeMs).toBe(T1 * 1000);
    const second = await source.read();
    expect(second).toBe(first);
    expect(second).toEqual({ enable_x: { rolloutPercent: 1 } });
  });

  it('re-reads when the modification time changes', async () => {
    const source = new FileFlagSource(file);
    await write({ enable_x: { rolloutPercent: 1 } }, T1);
    await source.read();
    await write({ enable_x: { rolloutPercent: 2 } }, T2);
    await expect(source.read()).resolves.toEqual({ enable_x: { rolloutPercent: 2 } });
  });

  it('re-reads when the size changes, even with the same modification time', async () => {
    const source = new FileFlagSource(file);
    await write({ enable_x: { rolloutPercent: 1 } }, T1);
    await source.read();
    await write({ enable_x: { rolloutPercent: 25 } }, T1);
    await expect(source.read()).resolves.toEqual({ enable_x: { rolloutPercent: 25 } });
  });

  it('invalid JSON → FlagDocumentError naming the file; a later fix is picked up', async () => {
    const source = new FileFlagSource(file);
    await write('{"enable_x": {', T1);
    const err = await rejectionOf(source.read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/invalid JSON/);
    await write({ enable_x: { enabled: false } }, T2);
    await expect(source.read()).resolves.toEqual({ enable_x: { enabled: false } });
  });

  it('a missing file → FlagDocumentError naming the file', async () => {
    const missing = path.join(dir, 'nope.json');
    const err = await rejectionOf(new FileFlagSource(missing).read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect((err as Error).message).toContain(missing);
  });

  it('a file deleted after a good read → FlagDocumentError (not the stale cache)', async () => {
    const source = new FileFlagSource(file);
    await write({ enable_x: { enabled: true } }, T1);
    await source.read();
    await rm(file);
    await expect(source.read()).rejects.toBeInstanceOf(FlagDocumentError);
  });
});

interface SeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A tiny AppConfig Agent stand-in on 127.0.0.1, ephemeral port. */
class TinyAgent {
  public readonly requests: SeenRequest[] = [];
  public handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };
  private readonly server = http.createServer((req, res) => {
    this.requests.push({ url: req.url ?? '', headers: req.headers });
    this.handler(req, res);
  });
  private readonly sockets = new Set<Socket>();

  public async start(): Promise<number> {
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  public async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('AgentFlagSource', () => {
  let agent: TinyAgent;
  let port: number;

  beforeEach(async () => {
    agent = new TinyAgent();
    port = await agent.start();
  });

  afterEach(async () => {
    await agent.close();
  });

  function source(
    overrides: { application?: string; environment?: string; profile?: string; timeoutMs?: number } = {},
  ): AgentFlagSource {
    return new AgentFlagSource({
      application: 'llm-model-rollout',
      environment: 'production',
      profile: 'model-flags',
      host: '127.0.0.1',
      port,
      ...overrides,
    });
  }

  it('GETs /applications/{app}/environments/{env}/configurations/{profile} and parses the JSON', async () => {
    agent.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"enable_claude_haiku_4_5":{"enabled":true,"rolloutPercent":1}}');
    };
    await expect(source().read()).resolves.toEqual({ enable_claude_haiku_4_5: { enabled: true, rolloutPercent: 1 } });
    expect(agent.requests.map((r) => r.url)).toEqual([
      '/applications/llm-model-rollout/environments/production/configurations/model-flags',
    ]);
  });

  it('URL-encodes the names', async () => {
    await source({ application: 'my app/α', environment: 'prod?x=1', profile: 'a#b%c' }).read();
    expect(agent.requests[0]?.url).toBe(
      `/applications/${encodeURIComponent('my app/α')}/environments/${encodeURIComponent('prod?x=1')}/configurations/${encodeURIComponent('a#b%c')}`,
    );
    expect(agent.requests[0]?.url).toBe(
      '/applications/my%20app%2F%CE%B1/environments/prod%3Fx%3D1/configurations/a%23b%25c',
    );
  });

  it('sends Entity-Id only when given', async () => {
    const s = source();
    await s.read('0123456789abcdef');
    await s.read();
    expect(agent.requests[0]?.headers['entity-id']).toBe('0123456789abcdef');
    expect(agent.requests[1]?.headers['entity-id']).toBeUndefined();
    expect(Object.keys(agent.requests[1]?.headers ?? {})).not.toContain('entity-id');
  });

  it('reads the port from AWS_APPCONFIG_EXTENSION_HTTP_PORT when none is given', async () => {
    const saved = process.env.AWS_APPCONFIG_EXTENSION_HTTP_PORT;
    process.env.AWS_APPCONFIG_EXTENSION_HTTP_PORT = String(port);
    try {
      const s = new AgentFlagSource({ application: 'a', environment: 'e', profile: 'p', host: '127.0.0.1' });
      await s.read();
      expect(agent.requests).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_APPCONFIG_EXTENSION_HTTP_PORT;
      else process.env.AWS_APPCONFIG_EXTENSION_HTTP_PORT = saved;
    }
  });

  it.each([400, 404, 500, 502, 503])('a %p answer → FlagDocumentError with the status', async (status) => {
    agent.handler = (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('ResourceNotFoundException: no such configuration');
    };
    const err = await rejectionOf(source().read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect((err as Error).message).toContain(String(status));
  });

  it('invalid JSON → FlagDocumentError', async () => {
    agent.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"enable_claude_haiku_4_5": {');
    };
    const err = await rejectionOf(source().read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect((err as Error).message).toMatch(/invalid JSON/);
  });

  it('an agent that never answers → FlagDocumentError after timeoutMs', async () => {
    agent.handler = () => {
      // never answer
    };
    const err = await rejectionOf(source({ timeoutMs: 100 }).read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect(agent.requests).toHaveLength(1);
  });

  it('an agent that is not listening → FlagDocumentError naming the URL', async () => {
    await agent.close();
    const err = await rejectionOf(source({ timeoutMs: 1000 }).read());
    expect(err).toBeInstanceOf(FlagDocumentError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    agent = new TinyAgent();
    await agent.start();
  });

  // Regression: a body that stalls after the headers is a FlagDocumentError naming the agent.
  it('an agent that sends headers and then stalls mid-body → FlagDocumentError after timeoutMs', async () => {
    agent.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"enable_claude_haiku_4_5":');
    };
    const err = await rejectionOf(source({ timeoutMs: 100 }).read());
    expect(err).toBeInstanceOf(FlagDocumentError);
  });
});
