import type { FlagValue } from '../../lib/domain/flag-document';
import { OFF_PHASE } from '../../lib/domain/names';
import { FlagDocumentError } from '../../lib/domain/flag-errors';
import { parseRetrievedFlag } from '../../lib/domain/retrieved-flag';
import type { FlagSource } from './flag-source';

const EVERYONE_ON_DEFAULT: FlagValue = { enabled: false, rolloutPercent: 0, allowlist: [], clientSegments: [], phase: OFF_PHASE };

export interface FlagReading {
  readonly flag: FlagValue;
  /** Set when the source failed: the reading is the last good flag, or everyone on the default. */
  readonly error?: FlagDocumentError;
}

/**
 * Reads the flag for each request and never fails: when the source is down or serves
 * something invalid, it answers with the last good flag it had, or — with none — sends
 * everyone to the default model, and reports the error so it is counted (DESIGN §3).
 */
export class FlagReader {
  private lastGood?: FlagValue;

  public constructor(private readonly source: FlagSource, private readonly flagKey: string) {}

  public async read(entityId?: string): Promise<FlagReading> {
    try {
      const flag = parseRetrievedFlag(await this.source.read(entityId), this.flagKey);
      this.lastGood = flag;
      return { flag };
    } catch (err) {
      const error = err instanceof FlagDocumentError ? err : new FlagDocumentError(`flag source failed: ${String(err)}`, { cause: err });
      return { flag: this.lastGood ?? EVERYONE_ON_DEFAULT, error };
    }
  }
}
