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
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        headers: entityId ? { 'Entity-Id': entityId } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new FlagDocumentError(`AppConfig Agent unreachable at ${this.url}: ${(cause as Error).message}`, { cause });
    }
    if (!response.ok) {
      throw new FlagDocumentError(`AppConfig Agent answered ${response.status}: ${text.slice(0, 200)}`);
    }
    return parseJson(text, 'AppConfig Agent');
  }
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
