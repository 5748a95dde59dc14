import * as http from 'node:http';
import { stat, readFile } from 'node:fs/promises';
import { FlagDocumentError } from '../domain/flag-errors';

/** Where the gateway reads the flag's retrieved form from (docs/ARCHITECTURE.md, Flag). */
export interface FlagSource {
  /** Whether answers depend on the entity (so a cache must be kept per entity). */
  readonly perEntity: boolean;
  /**
   * The retrieved flags document. `entityId` (a hashed user key) lets the AppConfig Agent
   * keep one user on one version while a deployment is half-way.
   */
  read(entityId?: string): Promise<unknown>;
}

export interface AgentFlagSourceProps {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  /** @default - AWS_APPCONFIG_EXTENSION_HTTP_PORT, else 2772 */
  readonly port?: number;
  /** @default 'localhost' */
  readonly host?: string;
  /** The agent is local and answers from memory: anything slower is a fault. @default 500 */
  readonly timeoutMs?: number;
}

/** The AppConfig Agent Lambda extension's local HTTP API. */
export class AgentFlagSource implements FlagSource {
  public readonly perEntity = true;
  private readonly url: string;
  private readonly timeoutMs: number;

  public constructor(props: AgentFlagSourceProps) {
    const port = props.port ?? Number(process.env.AWS_APPCONFIG_EXTENSION_HTTP_PORT ?? 2772);
    const e = encodeURIComponent;
    this.url = `http://${props.host ?? 'localhost'}:${port}/applications/${e(props.application)}/environments/${e(props.environment)}/configurations/${e(props.profile)}`;
    this.timeoutMs = props.timeoutMs ?? 500;
  }

  public async read(entityId?: string): Promise<unknown> {
    let answer: { status: number; text: string };
    try {
      answer = await getText(this.url, entityId ? { 'Entity-Id': entityId } : {}, this.timeoutMs);
    } catch (cause) {
      throw new FlagDocumentError(`AppConfig Agent unreachable at ${this.url}: ${(cause as Error).message}`, { cause });
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new FlagDocumentError(`AppConfig Agent answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    }
    return parseJson(answer.text, 'AppConfig Agent');
  }
}

/** Keep-alive, like the built-in fetch: one local connection serves request after request. */
const AGENT_CONNECTIONS = new http.Agent({ keepAlive: true });

/**
 * GET over node:http rather than the built-in fetch: the agent is asked on every request whose
 * user is not cached, and fetch costs about 0.5 ms of CPU a call more, and its first call
 * loads undici (about 15 ms of a cold start).
 */
function getText(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: AGENT_CONNECTIONS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * A local JSON file holding the retrieved form (for `rollout serve` and tests); re-read
 * when its modification time or size changes.
 */
export class FileFlagSource implements FlagSource {
  public readonly perEntity = false;
  private cached?: { key: string; value: unknown };

  public constructor(private readonly file: string) {}

  public async read(): Promise<unknown> {
    let key: string;
    try {
      const s = await stat(this.file);
      key = `${s.mtimeMs}:${s.size}`;
    } catch (cause) {
      throw new FlagDocumentError(`flag file ${this.file} cannot be read: ${(cause as Error).message}`, { cause });
    }
    if (this.cached?.key === key) return this.cached.value;
    const value = parseJson(await readFile(this.file, 'utf8'), `flag file ${this.file}`);
    this.cached = { key, value };
    return value;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FlagDocumentError(`${what} returned invalid JSON: ${(cause as Error).message}`, { cause });
  }
}
