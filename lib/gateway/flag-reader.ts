import type { FlagValue } from '../domain/flag-document';
import { OFF_PHASE } from '../domain/names';
import { FlagDocumentError } from '../domain/flag-errors';
import { parseRetrievedFlag } from '../domain/retrieved-flag';
import type { FlagSource } from './flag-source';

const EVERYONE_ON_DEFAULT: FlagValue = {
  enabled: false,
  rolloutPercent: 0,
  allowlist: [],
  clientSegments: [],
  phase: OFF_PHASE,
};

export interface FlagReading {
  readonly flag: FlagValue;
  /** Set when the source failed: the reading is the last good flag, or everyone on the default. */
  readonly error?: FlagDocumentError;
}

export interface FlagReaderOptions {
  /**
   * How long a good reading is reused (per entity for sources that answer per entity). The
   * agent only polls AppConfig every few seconds, so re-asking it on every request costs a
   * local HTTP round trip for nothing. 0 reads on every request.
   * @default 0
   */
  readonly cacheMs?: number;
  /** Cached entities kept at most (the cache is cleared when full). @default 10000 */
  readonly maxEntries?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Reads the flag for each request and never fails: when the source is down or serves
 * something invalid, it answers with the last good flag it had, or — with none — sends
 * everyone to the default model, and reports the error so it is counted (docs/ARCHITECTURE.md, Flag).
 */
export class FlagReader {
  private lastGood?: FlagValue;
  private readonly cache = new Map<string, { flag: FlagValue; at: number }>();
  private readonly cacheMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  public constructor(
    private readonly source: FlagSource,
    private readonly flagKey: string,
    options: FlagReaderOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 0;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  public async read(entityId?: string): Promise<FlagReading> {
    const key = this.source.perEntity ? (entityId ?? '') : '';
    const cached = this.cacheMs > 0 ? this.cache.get(key) : undefined;
    if (cached && this.now() - cached.at < this.cacheMs) return { flag: cached.flag };
    try {
      const flag = parseRetrievedFlag(await this.source.read(entityId), this.flagKey);
      this.lastGood = flag;
      if (this.cacheMs > 0) {
        if (this.cache.size >= this.maxEntries) this.cache.clear();
        this.cache.set(key, { flag, at: this.now() });
      }
      return { flag };
    } catch (err) {
      const error =
        err instanceof FlagDocumentError
          ? err
          : new FlagDocumentError(`flag source failed: ${String(err)}`, { cause: err });
      return { flag: this.lastGood ?? EVERYONE_ON_DEFAULT, error };
    }
  }
}
