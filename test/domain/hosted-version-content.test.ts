import {
  buildFlagDocument,
  flagValueForPhase,
  type FeatureFlagsDocument,
  type FlagDocumentValue,
} from '../../lib/domain/flag-document';
import { FeatureFlagsSchemaError, FlagVersionRejectedError } from '../../lib/domain/flag-version-errors';
import { hostedVersionContent } from '../../lib/domain/hosted-version-content';
import { phaseLabels } from '../../lib/domain/phases';
import { shippedConfig } from '../fixtures/config';

const FLAG_KEY = 'enable_claude_haiku_4_5';
const config = shippedConfig();

function offWith(value: Partial<Record<keyof FlagDocumentValue, unknown>>): FeatureFlagsDocument {
  const doc = buildFlagDocument(config, 'off');
  return { ...doc, values: { [FLAG_KEY]: { ...doc.values[FLAG_KEY], ...value } as FlagDocumentValue } };
}

function rejection(run: () => unknown): FlagVersionRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof FlagVersionRejectedError) return error;
    throw error;
  }
  throw new Error('expected a FlagVersionRejectedError');
}

describe('hostedVersionContent', () => {
  it.each(phaseLabels(config))('is the JSON of the shipped %s document', (label) => {
    const doc = buildFlagDocument(config, label);
    expect(hostedVersionContent(doc, label)).toBe(JSON.stringify(doc));
  });

  // Today's bug: the off version carried `allowlist: []`, which AWS's schema (type reference
  // page for AWS.AppConfig.FeatureFlags) refuses because [] matches both array branches of oneOf.
  it('refuses a version holding allowlist: [], naming the version, the JSON path and the rule', () => {
    const error = rejection(() => hostedVersionContent(offWith({ allowlist: [] }), 'off'));
    expect(error.name).toBe('FlagVersionRejectedError');
    expect(error.versionLabel).toBe('off');
    expect(error.message).toBe(
      "The flag version for phase 'off' would be rejected by AppConfig: the document does not match AWS's published AWS.AppConfig.FeatureFlags schema: " +
        `/values/${FLAG_KEY}/allowlist must match exactly one schema in oneOf, but matches 2 of them (branches 0 and 1) (got an empty array) ` +
        '[oneOf at #/definitions/attributeValue/oneOf/3/oneOf]',
    );
    expect(error.cause).toBeInstanceOf(FeatureFlagsSchemaError);
    expect((error.cause as FeatureFlagsSchemaError).violations).toHaveLength(1);
  });

  it('also refuses what only the attribute constraints catch, with no schema cause', () => {
    const error = rejection(() => hostedVersionContent(offWith({ rolloutPercent: 150 }), 'off'));
    expect(error.problems).toEqual([`value of '${FLAG_KEY}.rolloutPercent' must be ≤ 100`]);
    expect(error.cause).toBeUndefined();
  });

  it('reports schema and constraint problems together', () => {
    const error = rejection(() => hostedVersionContent(offWith({ clientSegments: [], phase: 'Phase 9!' }), 'off'));
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/clientSegments must match exactly one schema in oneOf/);
    expect(error.problems[1]).toBe(`value of '${FLAG_KEY}.phase' must match ^[a-z][a-z0-9-]{0,30}$`);
  });

  it('checks the uploaded JSON, not the object: NaN is uploaded as null', () => {
    const error = rejection(() => hostedVersionContent(offWith({ rolloutPercent: Number.NaN }), 'off'));
    expect(error.problems[0]).toMatch(
      new RegExp(
        `/values/${FLAG_KEY}/rolloutPercent must match exactly one schema in oneOf, but matches none \\(got null\\)`,
      ),
    );
  });

  it('keeps user ids out of the message', () => {
    const smoke = buildFlagDocument(config, 'smoke');
    const bad: FeatureFlagsDocument = {
      ...smoke,
      values: { [FLAG_KEY]: { ...flagValueForPhase(config, 'smoke'), clientSegments: [] } },
    };
    const error = rejection(() => hostedVersionContent(bad, 'smoke'));
    expect(error.message).not.toMatch(/qa-user|internal-tools/);
  });
});
