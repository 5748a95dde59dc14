import type { FlagValue } from '../../../lib/domain/flag-document';
import { FlagDocumentError } from '../../../lib/domain/flag-errors';
import { FlagReader } from '../../../lib/gateway/flag-reader';
import type { FlagSource } from '../../../lib/gateway/flag-source';

const FLAG_KEY = 'enable_claude_haiku_4_5';
const EVERYONE_ON_DEFAULT: FlagValue = {
  enabled: false,
  rolloutPercent: 0,
  allowlist: [],
  clientSegments: [],
  phase: 'off',
};

/** A flag source that serves the scripted answers in order (a thrown value when it is an Error). */
class ScriptedSource implements FlagSource {
  public readonly perEntity = true;
  public readonly entityIds: Array<string | undefined> = [];
  private readonly answers: unknown[];

  public constructor(...answers: unknown[]) {
    this.answers = answers;
  }

  public push(...answers: unknown[]): void {
    this.answers.push(...answers);
  }

  public async read(entityId?: string): Promise<unknown> {
    this.entityIds.push(entityId);
    if (this.answers.length === 0) throw new Error('script exhausted');
    const next = this.answers.shift();
    if (next instanceof Error) throw next;
    return next;
  }
}

const CANARY = { [FLAG_KEY]: { enabled: true, rolloutPercent: 1, allowlist: ['qa-user-1'], phase: 'canary' } };
const CANARY_VALUE: FlagValue = {
  enabled: true,
  rolloutPercent: 1,
  allowlist: ['qa-user-1'],
  clientSegments: [],
  phase: 'canary',
};
const PHASE_2 = { [FLAG_KEY]: { enabled: true, rolloutPercent: 5, allowlist: [], phase: 'phase-2' } };
const PHASE_2_VALUE: FlagValue = {
  enabled: true,
  rolloutPercent: 5,
  allowlist: [],
  clientSegments: [],
  phase: 'phase-2',
};

describe('FlagReader', () => {
  it('returns the parsed flag without an error when the source is good', async () => {
    const reader = new FlagReader(new ScriptedSource(CANARY), FLAG_KEY);
    await expect(reader.read()).resolves.toEqual({ flag: CANARY_VALUE });
  });

  it('passes the entity id to the source', async () => {
    const source = new ScriptedSource(CANARY, CANARY);
    const reader = new FlagReader(source, FLAG_KEY);
    await reader.read('0123456789abcdef');
    await reader.read();
    expect(source.entityIds).toEqual(['0123456789abcdef', undefined]);
  });

  it('a missing flag is "off", not an error', async () => {
    const reader = new FlagReader(new ScriptedSource({ some_other_flag: { enabled: true } }), FLAG_KEY);
    const reading = await reader.read();
    expect(reading.error).toBeUndefined();
    expect(reading.flag.enabled).toBe(false);
  });

  describe('last known good', () => {
    it('good → invalid document: answers with the last good flag and the error', async () => {
      const reader = new FlagReader(
        new ScriptedSource(CANARY, { [FLAG_KEY]: { enabled: true, rolloutPercent: 150 } }),
        FLAG_KEY,
      );
      await reader.read();
      const reading = await reader.read();
      expect(reading.flag).toEqual(CANARY_VALUE);
      expect(reading.error).toBeInstanceOf(FlagDocumentError);
      expect(reading.error?.message).toMatch(/rolloutPercent/);
    });

    it('good → source failing with a FlagDocumentError: the same error, the last good flag', async () => {
      const failure = new FlagDocumentError('AppConfig Agent answered 500');
      const reader = new FlagReader(new ScriptedSource(CANARY, failure), FLAG_KEY);
      await reader.read();
      const reading = await reader.read();
      expect(reading.flag).toEqual(CANARY_VALUE);
      expect(reading.error).toBe(failure);
    });

    it('keeps answering with the last good flag through a run of failures, then takes the next good one', async () => {
      const source = new ScriptedSource(
        CANARY,
        'not an object',
        null,
        new FlagDocumentError('timeout'),
        [1, 2],
        PHASE_2,
        new FlagDocumentError('down'),
      );
      const reader = new FlagReader(source, FLAG_KEY);
      expect((await reader.read()).flag).toEqual(CANARY_VALUE);
      for (let i = 0; i < 4; i++) {
        const reading = await reader.read();
        expect(reading.flag).toEqual(CANARY_VALUE);
        expect(reading.error).toBeInstanceOf(FlagDocumentError);
      }
      await expect(reader.read()).resolves.toEqual({ flag: PHASE_2_VALUE });
      const after = await reader.read();
      expect(after.flag).toEqual(PHASE_2_VALUE);
      expect(after.error).toBeInstanceOf(FlagDocumentError);
    });

    it('with no good flag yet: everyone on the default model, with the error', async () => {
      const reader = new FlagReader(
        new ScriptedSource(new FlagDocumentError('AppConfig Agent unreachable'), { [FLAG_KEY]: 'yes' }),
        FLAG_KEY,
      );
      for (let i = 0; i < 2; i++) {
        const reading = await reader.read();
        expect(reading.flag).toEqual(EVERYONE_ON_DEFAULT);
        expect(reading.error).toBeInstanceOf(FlagDocumentError);
      }
    });

    it('a flag turned off is a good reading: later failures fall back to "off", not to the earlier rollout', async () => {
      const reader = new FlagReader(
        new ScriptedSource(CANARY, { [FLAG_KEY]: { enabled: false } }, new FlagDocumentError('down')),
        FLAG_KEY,
      );
      await reader.read();
      expect((await reader.read()).flag.enabled).toBe(false);
      const reading = await reader.read();
      expect(reading.flag.enabled).toBe(false);
      expect(reading.error).toBeDefined();
    });
  });

  it('wraps anything else a source throws in a FlagDocumentError with the cause', async () => {
    const cause = new TypeError('fetch failed');
    const reader = new FlagReader(new ScriptedSource(cause), FLAG_KEY);
    const reading = await reader.read();
    expect(reading.flag).toEqual(EVERYONE_ON_DEFAULT);
    expect(reading.error).toBeInstanceOf(FlagDocumentError);
    expect(reading.error?.cause).toBe(cause);
    expect(reading.error?.message).toContain('fetch failed');
  });

  it('wraps a thrown non-Error too', async () => {
    const source: FlagSource = {
      perEntity: false,
      // A rejection that is not an Error is what this test is about.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      read: () => Promise.reject('agent exploded'),
    };
    const reading = await new FlagReader(source, FLAG_KEY).read();
    expect(reading.error).toBeInstanceOf(FlagDocumentError);
    expect(reading.error?.message).toContain('agent exploded');
  });

  it('never rejects, whatever the source does', async () => {
    const answers: unknown[] = [
      new RangeError('x'),
      undefined,
      42,
      'text',
      { [FLAG_KEY]: { enabled: 'true' } },
      { [FLAG_KEY]: { enabled: true, allowlist: 'qa' } },
    ];
    const reader = new FlagReader(new ScriptedSource(...answers), FLAG_KEY);
    for (let i = 0; i < answers.length; i++) {
      const reading = await reader.read();
      expect(reading.error).toBeInstanceOf(FlagDocumentError);
      expect(reading.flag).toEqual(EVERYONE_ON_DEFAULT);
    }
  });
});

describe('FlagReader cache', () => {
  const good = { [FLAG_KEY]: { enabled: true, rolloutPercent: 5, allowlist: [], phase: 'phase-2' } };
  const later = { [FLAG_KEY]: { enabled: true, rolloutPercent: 25, allowlist: [], phase: 'phase-3' } };

  it('reuses a reading for cacheMs, per entity for per-entity sources', async () => {
    let t = 0;
    const source = new ScriptedSource(good, good, later);
    const reader = new FlagReader(source, FLAG_KEY, { cacheMs: 1000, now: () => t });
    expect((await reader.read('a')).flag.rolloutPercent).toBe(5);
    t = 999;
    expect((await reader.read('a')).flag.rolloutPercent).toBe(5);
    expect(source.entityIds).toEqual(['a']);
    expect((await reader.read('b')).flag.rolloutPercent).toBe(5); // another entity: asked again
    t = 1000;
    expect((await reader.read('a')).flag.rolloutPercent).toBe(25); // expired: asked again
    expect(source.entityIds).toEqual(['a', 'b', 'a']);
  });

  it('keeps one entry for sources that answer the same for everyone', async () => {
    let calls = 0;
    const source: FlagSource = {
      perEntity: false,
      read: async () => {
        calls++;
        return good;
      },
    };
    const reader = new FlagReader(source, FLAG_KEY, { cacheMs: 1000, now: () => 0 });
    await reader.read('a');
    await reader.read('b');
    expect(calls).toBe(1);
  });

  it('does not cache failures: the next request asks again', async () => {
    const source = new ScriptedSource(new Error('down'), good);
    const reader = new FlagReader(source, FLAG_KEY, { cacheMs: 1000, now: () => 0 });
    expect((await reader.read('a')).error).toBeDefined();
    expect((await reader.read('a')).flag.rolloutPercent).toBe(5);
  });
});
