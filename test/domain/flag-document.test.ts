import type { RolloutConfig } from '../../lib/domain/config-schema';
import {
  buildFlagDocument,
  flagDefinition,
  flagValueForPhase,
  toDocumentValue,
  type AttributeDefinition,
  type FeatureFlagsDocument,
  type FlagDocumentValue,
  type FlagValue,
} from '../../lib/domain/flag-document';
import { FlagDocumentError } from '../../lib/domain/flag-errors';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import { findPhase, nextPhase, phaseLabels } from '../../lib/domain/phases';
import { checkFeatureFlagsDocument, parseRetrievedFlag, toRetrievedForm } from '../../lib/domain/retrieved-flag';
import { TODAY, validConfigInput } from '../fixtures/config';

const FLAG_KEY = 'enable_claude_haiku_4_5';
const ALL_LABELS = ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'];
const OFF_VALUE: FlagValue = { enabled: false, rolloutPercent: 0, allowlist: [], clientSegments: [], phase: 'off' };

const config: RolloutConfig = parseRolloutConfig(validConfigInput(), { today: TODAY }).config;

/** The value each label must carry, written out by hand from rollout.config.json. */
const EXPECTED_VALUES: Record<string, FlagValue> = {
  off: OFF_VALUE,
  smoke: {
    enabled: true,
    rolloutPercent: 0.1,
    allowlist: ['qa-user-1', 'qa-user-2'],
    clientSegments: ['internal-tools'],
    phase: 'smoke',
  },
  canary: {
    enabled: true,
    rolloutPercent: 1,
    allowlist: ['qa-user-1', 'qa-user-2'],
    clientSegments: [],
    phase: 'canary',
  },
  'phase-2': {
    enabled: true,
    rolloutPercent: 5,
    allowlist: ['qa-user-1', 'qa-user-2'],
    clientSegments: [],
    phase: 'phase-2',
  },
  'phase-3': {
    enabled: true,
    rolloutPercent: 25,
    allowlist: ['qa-user-1', 'qa-user-2'],
    clientSegments: [],
    phase: 'phase-3',
  },
  // full is configured at 100%; the judge's 1% holdback keeps the highest buckets on the default model.
  full: { enabled: true, rolloutPercent: 99, allowlist: [], clientSegments: [], phase: 'full' },
};

/**
 * What each label's hosted version stores, by hand: the values above with empty lists left
 * out, because AWS's schema refuses `[]` (see feature-flags-schema.test.ts).
 */
const EXPECTED_STORED: Record<string, FlagDocumentValue> = {
  off: { enabled: false, rolloutPercent: 0, phase: 'off' },
  smoke: {
    enabled: true,
    rolloutPercent: 0.1,
    allowlist: ['qa-user-1', 'qa-user-2'],
    clientSegments: ['internal-tools'],
    phase: 'smoke',
  },
  canary: { enabled: true, rolloutPercent: 1, allowlist: ['qa-user-1', 'qa-user-2'], phase: 'canary' },
  'phase-2': { enabled: true, rolloutPercent: 5, allowlist: ['qa-user-1', 'qa-user-2'], phase: 'phase-2' },
  'phase-3': { enabled: true, rolloutPercent: 25, allowlist: ['qa-user-1', 'qa-user-2'], phase: 'phase-3' },
  full: { enabled: true, rolloutPercent: 99, phase: 'full' },
};

/** A JSON round trip, as when a document is stored or served. */
function viaJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** The canary document with its flag value replaced by `value`. */
function docWithValue(value: Record<string, unknown>): FeatureFlagsDocument {
  const doc = buildFlagDocument(config, 'canary');
  return { ...doc, values: { [FLAG_KEY]: value as unknown as FlagValue } };
}

function canaryValue(): Record<string, unknown> {
  return { ...flagValueForPhase(config, 'canary') };
}

describe('flag document round trip for every phase', () => {
  const labels = [...config.rollout.phases.map((p) => p.name), 'off'];

  it('covers the five shipped phases plus off', () => {
    expect(labels.sort()).toEqual([...ALL_LABELS].sort());
  });

  describe.each(labels)('phase %s', (label) => {
    const expected = EXPECTED_VALUES[label];
    const storedValue = EXPECTED_STORED[label];

    it('builds a document AppConfig accepts', () => {
      const doc = buildFlagDocument(config, label);
      expect(checkFeatureFlagsDocument(doc)).toEqual([]);
      // Strict: a list left as `undefined` would not match either.
      expect(doc.values[FLAG_KEY]).toStrictEqual(storedValue);
      expect(JSON.stringify(doc)).not.toContain('[]');
    });

    it('survives storage, retrieval and parsing unchanged', () => {
      const doc = buildFlagDocument(config, label);
      const stored = viaJson(doc) as FeatureFlagsDocument;
      expect(stored).toEqual(doc);
      expect(checkFeatureFlagsDocument(stored)).toEqual([]);
      const served = viaJson(toRetrievedForm(stored));
      expect(served).toStrictEqual({ [FLAG_KEY]: storedValue });
      // The gateway reads a missing list as empty: the flag it sees is unchanged.
      const parsed = parseRetrievedFlag(served, FLAG_KEY);
      expect(parsed).toEqual(expected);
      expect(parsed.phase).toBe(label);
      expect(parsed.enabled).toBe(label !== 'off');
      expect(parsed.rolloutPercent).toBe(label === 'off' ? 0 : EXPECTED_VALUES[label]?.rolloutPercent);
      expect(parsed.allowlist).toEqual(label === 'off' ? [] : findPhase(config, label)?.allowlist);
      expect(parsed.clientSegments).toEqual(label === 'off' ? [] : findPhase(config, label)?.clientSegments);
    });
  });

  it('copies allowlists so the document does not alias the config', () => {
    const value = flagValueForPhase(config, 'smoke');
    expect(value.allowlist).toEqual(findPhase(config, 'smoke')?.allowlist);
    expect(value.allowlist).not.toBe(findPhase(config, 'smoke')?.allowlist);
    const stored = buildFlagDocument(config, 'smoke').values[FLAG_KEY];
    expect(stored?.allowlist).toEqual(value.allowlist);
    expect(stored?.allowlist).not.toBe(findPhase(config, 'smoke')?.allowlist);
  });
});

describe('toDocumentValue', () => {
  const base: FlagValue = { enabled: true, rolloutPercent: 5, allowlist: [], clientSegments: [], phase: 'phase-2' };

  it('leaves out each list when it is empty and keeps it when it is not', () => {
    expect(toDocumentValue(base)).toStrictEqual({ enabled: true, rolloutPercent: 5, phase: 'phase-2' });
    expect(toDocumentValue({ ...base, allowlist: ['a'] })).toStrictEqual({
      enabled: true,
      rolloutPercent: 5,
      allowlist: ['a'],
      phase: 'phase-2',
    });
    expect(toDocumentValue({ ...base, clientSegments: ['c'] })).toStrictEqual({
      enabled: true,
      rolloutPercent: 5,
      clientSegments: ['c'],
      phase: 'phase-2',
    });
  });

  it("keeps FlagValue's key order, so an unchanged version's JSON does not change", () => {
    expect(Object.keys(toDocumentValue({ ...base, allowlist: ['a'], clientSegments: ['c'] }))).toEqual([
      'enabled',
      'rolloutPercent',
      'allowlist',
      'clientSegments',
      'phase',
    ]);
  });

  it.each([
    ['no lists', base],
    ['both lists', { ...base, allowlist: ['qa-user-1'], clientSegments: ['internal-tools'] }],
  ])('round-trips through the retrieved form to the same FlagValue (%s)', (_what, value) => {
    const doc: FeatureFlagsDocument = {
      ...buildFlagDocument(config, 'phase-2'),
      values: { [FLAG_KEY]: toDocumentValue(value) },
    };
    expect(parseRetrievedFlag(viaJson(toRetrievedForm(doc)), FLAG_KEY)).toEqual(value);
  });
});

describe('flag definition', () => {
  const doc = buildFlagDocument(config, 'canary');

  it('is a version 1 document keyed by the configured flag key', () => {
    expect(doc.version).toBe('1');
    expect(Object.keys(doc.flags)).toEqual([FLAG_KEY]);
    expect(Object.keys(doc.values)).toEqual([FLAG_KEY]);
  });

  it('takes the flag key from the config', () => {
    const other = parseRolloutConfig(
      { ...validConfigInput(), llm: { ...validConfigInput().llm, useNewModelFlagKey: 'use_haiku' } },
      { today: TODAY },
    ).config;
    const otherDoc = buildFlagDocument(other, 'off');
    expect(Object.keys(otherDoc.flags)).toEqual(['use_haiku']);
    expect(otherDoc.values).toStrictEqual({ use_haiku: EXPECTED_STORED.off });
    expect(checkFeatureFlagsDocument(otherDoc)).toEqual([]);
  });

  it('has exactly the four attributes with their constraints', () => {
    const attributes = doc.flags[FLAG_KEY]?.attributes ?? {};
    const constraints = Object.fromEntries(
      Object.entries(attributes).map(([name, def]: [string, AttributeDefinition]) => [name, def.constraints]),
    );
    expect(constraints).toEqual({
      rolloutPercent: { type: 'number', minimum: 0, maximum: 100, required: true },
      phase: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,30}$', required: true },
      allowlist: { type: 'array', elements: { type: 'string' } },
      clientSegments: { type: 'array', elements: { type: 'string' } },
    });
  });

  it('names the models in the name and description', () => {
    const def = flagDefinition(config);
    expect(def.name).toBe('Use claude-haiku-4-5');
    expect(def.description).toMatch(/^Routes a share of users from claude-sonnet-4-6 to claude-haiku-4-5\./);
  });
});

describe('checkFeatureFlagsDocument', () => {
  it('catches a rolloutPercent of 150', () => {
    expect(checkFeatureFlagsDocument(docWithValue({ ...canaryValue(), rolloutPercent: 150 }))).toEqual([
      `value of '${FLAG_KEY}.rolloutPercent' must be ≤ 100`,
    ]);
  });

  it('catches a negative rolloutPercent', () => {
    expect(checkFeatureFlagsDocument(docWithValue({ ...canaryValue(), rolloutPercent: -1 }))).toEqual([
      `value of '${FLAG_KEY}.rolloutPercent' must be ≥ 0`,
    ]);
  });

  it('catches a missing required rolloutPercent', () => {
    const { rolloutPercent: _dropped, ...rest } = canaryValue();
    expect(_dropped).toBe(1);
    expect(checkFeatureFlagsDocument(docWithValue(rest))).toEqual([
      `value of '${FLAG_KEY}.rolloutPercent' is required`,
    ]);
  });

  it('catches a phase that is not a phase name (the constraint is a pattern, not the list of phases)', () => {
    expect(checkFeatureFlagsDocument(docWithValue({ ...canaryValue(), phase: 'Phase 9!' }))).toEqual([
      `value of '${FLAG_KEY}.phase' must match ^[a-z][a-z0-9-]{0,30}$`,
    ]);
  });

  it('catches an allowlist holding a number', () => {
    expect(checkFeatureFlagsDocument(docWithValue({ ...canaryValue(), allowlist: ['qa-user-1', 7] }))).toEqual([
      `value of '${FLAG_KEY}.allowlist' must hold only strings`,
    ]);
  });

  it('catches a clientSegments that is not an array', () => {
    expect(checkFeatureFlagsDocument(docWithValue({ ...canaryValue(), clientSegments: 'internal-tools' }))).toEqual([
      `value of '${FLAG_KEY}.clientSegments' must be an array`,
    ]);
  });

  it('catches a bad flag key', () => {
    const doc = buildFlagDocument(config, 'canary');
    const bad: FeatureFlagsDocument = {
      version: '1',
      flags: { 'Enable-Haiku': flagDefinition(config) },
      values: { 'Enable-Haiku': flagValueForPhase(config, 'canary') },
    };
    expect(checkFeatureFlagsDocument(doc)).toEqual([]);
    expect(checkFeatureFlagsDocument(bad)).toEqual([
      "flag key 'Enable-Haiku' does not match /^[a-z][a-zA-Z\\d_-]{0,63}$/",
    ]);
  });

  it('catches more than 25 attributes, and accepts exactly 25', () => {
    const withAttributes = (count: number): FeatureFlagsDocument => {
      const def = flagDefinition(config);
      const extra: Record<string, AttributeDefinition> = {};
      for (let i = Object.keys(def.attributes).length; i < count; i++)
        extra[`extra${i}`] = { constraints: { type: 'string' } };
      return {
        version: '1',
        flags: { [FLAG_KEY]: { ...def, attributes: { ...def.attributes, ...extra } } },
        values: { [FLAG_KEY]: flagValueForPhase(config, 'canary') },
      };
    };
    expect(Object.keys(withAttributes(26).flags[FLAG_KEY]?.attributes ?? {})).toHaveLength(26);
    expect(checkFeatureFlagsDocument(withAttributes(26))).toEqual([
      `flag '${FLAG_KEY}' has 26 attributes; AppConfig allows 25`,
    ]);
    expect(checkFeatureFlagsDocument(withAttributes(25))).toEqual([]);
  });

  it('catches a value with no flag definition', () => {
    const doc = buildFlagDocument(config, 'canary');
    const bad: FeatureFlagsDocument = {
      ...doc,
      values: { ...doc.values, other_flag: flagValueForPhase(config, 'off') },
    };
    expect(checkFeatureFlagsDocument(bad)).toEqual(["value for 'other_flag' has no flag definition"]);
  });

  it('reports several problems together', () => {
    const problems = checkFeatureFlagsDocument(
      docWithValue({ ...canaryValue(), rolloutPercent: 150, phase: 'Phase 9!', allowlist: [1] }),
    );
    expect(problems).toHaveLength(3);
  });
});

describe('flagValueForPhase', () => {
  it('throws for an unknown phase, naming the known ones', () => {
    expect(() => flagValueForPhase(config, 'phase-9')).toThrow(
      "Unknown phase 'phase-9': use one of off, smoke, canary, phase-2, phase-3, full",
    );
  });

  it('is off for everyone in the off phase', () => {
    expect(flagValueForPhase(config, 'off')).toEqual(OFF_VALUE);
  });
});

describe('parseRetrievedFlag', () => {
  it('treats a missing flag as disabled', () => {
    expect(parseRetrievedFlag({}, FLAG_KEY)).toEqual(OFF_VALUE);
    expect(parseRetrievedFlag({ some_other_flag: { enabled: true, rolloutPercent: 100 } }, FLAG_KEY)).toEqual(
      OFF_VALUE,
    );
  });

  it("treats a disabled flag with only {enabled:false} as disabled 'off'", () => {
    expect(parseRetrievedFlag({ [FLAG_KEY]: { enabled: false } }, FLAG_KEY)).toEqual(OFF_VALUE);
  });

  it('ignores the percentage and lists of a disabled flag but keeps its phase', () => {
    const body = { [FLAG_KEY]: { enabled: false, rolloutPercent: 25, allowlist: ['qa-user-1'], phase: 'phase-3' } };
    expect(parseRetrievedFlag(body, FLAG_KEY)).toEqual({ ...OFF_VALUE, phase: 'phase-3' });
  });

  it('defaults the lists of an enabled flag to [] and its phase to unknown', () => {
    expect(parseRetrievedFlag({ [FLAG_KEY]: { enabled: true, rolloutPercent: 1 } }, FLAG_KEY)).toEqual({
      enabled: true,
      rolloutPercent: 1,
      allowlist: [],
      clientSegments: [],
      phase: 'unknown',
    });
  });

  it.each([
    ['a string', 'not json', 'string'],
    ['an array', [], 'an array'],
    ['null', null, 'null'],
    ['a number', 42, 'number'],
  ])('rejects a body that is %s', (_what, body, typeName) => {
    const parse = () => parseRetrievedFlag(body, FLAG_KEY);
    expect(parse).toThrow(FlagDocumentError);
    expect(parse).toThrow(`flag document is not a JSON object (got ${typeName})`);
  });

  it('rejects a flag that is not an object', () => {
    expect(() => parseRetrievedFlag({ [FLAG_KEY]: true }, FLAG_KEY)).toThrow(
      new FlagDocumentError(`flag '${FLAG_KEY}' is not an object (got boolean)`),
    );
  });

  it.each([
    ['the string "true"', 'true', 'string'],
    ['1', 1, 'number'],
    ['missing', undefined, 'undefined'],
  ])('rejects enabled that is %s', (_what, enabled, typeName) => {
    const parse = () => parseRetrievedFlag({ [FLAG_KEY]: { enabled, rolloutPercent: 1 } }, FLAG_KEY);
    expect(parse).toThrow(FlagDocumentError);
    expect(parse).toThrow(`flag '${FLAG_KEY}'.enabled must be a boolean (got ${typeName})`);
  });

  it.each([
    ['150', 150, '150'],
    ['-1', -1, '-1'],
    ['the string "5"', '5', '"5"'],
    ['NaN', Number.NaN, 'null'],
    ['Infinity', Number.POSITIVE_INFINITY, 'null'],
    ['missing', undefined, 'undefined'],
  ])('rejects rolloutPercent %s', (_what, rolloutPercent, shown) => {
    const parse = () =>
      parseRetrievedFlag({ [FLAG_KEY]: { enabled: true, rolloutPercent, phase: 'canary' } }, FLAG_KEY);
    expect(parse).toThrow(FlagDocumentError);
    expect(parse).toThrow(`flag '${FLAG_KEY}'.rolloutPercent must be a number from 0 to 100 (got ${shown})`);
  });

  it('accepts the bounds 0 and 100', () => {
    expect(parseRetrievedFlag({ [FLAG_KEY]: { enabled: true, rolloutPercent: 0 } }, FLAG_KEY).rolloutPercent).toBe(0);
    expect(parseRetrievedFlag({ [FLAG_KEY]: { enabled: true, rolloutPercent: 100 } }, FLAG_KEY).rolloutPercent).toBe(
      100,
    );
  });

  it.each([
    ['allowlist', 'qa-user-1', '(got string)'],
    ['allowlist', ['qa-user-1', 2], '(element 1 is number)'],
    ['clientSegments', { client: 'internal-tools' }, '(got object)'],
    ['clientSegments', [null], '(element 0 is null)'],
  ])('rejects %s = %p, naming types and positions but never the ids', (attribute, value, shown) => {
    const parse = () =>
      parseRetrievedFlag(
        { [FLAG_KEY]: { enabled: true, rolloutPercent: 1, phase: 'canary', [attribute]: value } },
        FLAG_KEY,
      );
    expect(parse).toThrow(FlagDocumentError);
    expect(parse).toThrow(`flag '${FLAG_KEY}'.${attribute} must be an array of strings ${shown}`);
    expect(parse).not.toThrow(/qa-user-1|internal-tools/);
  });

  it('rejects a phase that is not a string', () => {
    const parse = () => parseRetrievedFlag({ [FLAG_KEY]: { enabled: true, rolloutPercent: 1, phase: 3 } }, FLAG_KEY);
    expect(parse).toThrow(FlagDocumentError);
    expect(parse).toThrow(`flag '${FLAG_KEY}'.phase must be a string (got number)`);
  });

  it('is a FlagDocumentError with its name set', () => {
    let caught: unknown;
    try {
      parseRetrievedFlag(null, FLAG_KEY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FlagDocumentError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('FlagDocumentError');
  });
});

describe('phases', () => {
  it('phaseLabels lists off, then the phases in rollout order', () => {
    expect(phaseLabels(config)).toEqual(['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full']);
  });

  it("nextPhase('off') is the first phase", () => {
    expect(nextPhase(config, 'off')?.name).toBe('smoke');
  });

  it('nextPhase walks the phases in order', () => {
    expect(nextPhase(config, 'smoke')?.name).toBe('canary');
    expect(nextPhase(config, 'canary')?.name).toBe('phase-2');
    expect(nextPhase(config, 'phase-2')?.name).toBe('phase-3');
    expect(nextPhase(config, 'phase-3')?.name).toBe('full');
  });

  it('nextPhase of the last phase is undefined', () => {
    expect(nextPhase(config, 'full')).toBeUndefined();
  });

  it('nextPhase of an unknown name is undefined', () => {
    expect(nextPhase(config, 'phase-9')).toBeUndefined();
  });

  it("findPhase('off') is undefined and findPhase of a phase is that phase", () => {
    expect(findPhase(config, 'off')).toBeUndefined();
    expect(findPhase(config, 'phase-9')).toBeUndefined();
    expect(findPhase(config, 'canary')).toMatchObject({ name: 'canary', rolloutPercent: 1 });
  });
});
