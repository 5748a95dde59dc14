/**
 * The vendored schema is AWS's, from the AWS AppConfig User Guide page "Understanding the type
 * reference for AWS.AppConfig.FeatureFlags"
 * (https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-type-reference-feature-flags.html).
 * These tests show the validator really enforces that text, rule by rule, and that every
 * hosted version we ship conforms to it.
 */
import { APPCONFIG_FEATURE_FLAGS_SCHEMA } from '../../lib/domain/appconfig-feature-flags-schema';
import { featureFlagsSchemaViolations, type SchemaViolation } from '../../lib/domain/feature-flags-schema-check';
import { buildFlagDocument, flagDefinition } from '../../lib/domain/flag-document';
import { phaseLabels } from '../../lib/domain/phases';
import { shippedConfig } from '../fixtures/config';

const FLAG_KEY = 'enable_claude_haiku_4_5';
const config = shippedConfig();

/** The document as uploaded: JSON text, parsed back. */
function asUploaded(document: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}

/** The shipped smoke document (both lists non-empty) with `change` applied to its JSON. */
function smokeWith(
  change: (doc: {
    version: unknown;
    flags: Record<string, Record<string, unknown>>;
    values: Record<string, Record<string, unknown>>;
  }) => void,
): unknown {
  const doc = asUploaded(buildFlagDocument(config, 'smoke')) as Parameters<typeof change>[0];
  change(doc);
  return doc;
}

function paths(violations: readonly SchemaViolation[]): string[] {
  return violations.map((v) => v.path);
}

describe("AWS's published AWS.AppConfig.FeatureFlags schema, vendored", () => {
  it('is the draft-07 schema rooted at flagSetDefinition', () => {
    expect(APPCONFIG_FEATURE_FLAGS_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(APPCONFIG_FEATURE_FLAGS_SCHEMA.$ref).toBe('#/definitions/flagSetDefinition');
    expect(Object.keys(APPCONFIG_FEATURE_FLAGS_SCHEMA.definitions)).toHaveLength(17);
  });

  it('types an array attribute value as oneOf [array of strings, array of numbers]', () => {
    const arrayBranch = APPCONFIG_FEATURE_FLAGS_SCHEMA.definitions.attributeValue.oneOf[3];
    expect(arrayBranch).toEqual({
      type: 'array',
      oneOf: [{ items: { type: 'string', maxLength: 1024 } }, { items: { type: 'number' } }],
    });
  });
});

describe('every hosted version of the shipped config', () => {
  it.each(phaseLabels(config))("validates against AWS's published schema: %s", (label) => {
    expect(featureFlagsSchemaViolations(asUploaded(buildFlagDocument(config, label)))).toEqual([]);
  });
});

describe('featureFlagsSchemaViolations enforces the vendored schema', () => {
  it('accepts the smallest document, so keywords beside the root $ref are ignored as draft-07 says', () => {
    // AWS's root has "additionalProperties": false beside its $ref; applied, it would refuse this.
    expect(featureFlagsSchemaViolations({ version: '1' })).toEqual([]);
  });

  // The type reference page's attributeValue is oneOf [..., {type: array, oneOf: [items string,
  // items number]}]: an empty array satisfies both inner branches, so it fails the oneOf.
  it.each(['allowlist', 'clientSegments'])(
    'refuses %s: [] (an empty array matches both oneOf branches)',
    (attribute) => {
      const violations = featureFlagsSchemaViolations(
        smokeWith((d) => {
          d.values[FLAG_KEY]![attribute] = [];
        }),
      );
      expect(violations).toEqual([
        {
          path: `/values/${FLAG_KEY}/${attribute}`,
          keyword: 'oneOf',
          schemaPath: '#/definitions/attributeValue/oneOf/3/oneOf',
          message:
            'must match exactly one schema in oneOf, but matches 2 of them (branches 0 and 1) (got an empty array)',
        },
      ]);
    },
  );

  it('accepts an array of numbers, and refuses one mixing strings and numbers', () => {
    expect(
      featureFlagsSchemaViolations(
        smokeWith((d) => {
          d.values[FLAG_KEY]!.allowlist = [1, 2];
        }),
      ),
    ).toEqual([]);
    const mixed = featureFlagsSchemaViolations(
      smokeWith((d) => {
        d.values[FLAG_KEY]!.allowlist = ['qa-user-1', 2];
      }),
    );
    expect(paths(mixed).sort()).toEqual([`/values/${FLAG_KEY}/allowlist/0`, `/values/${FLAG_KEY}/allowlist/1`]);
  });

  it('refuses a flag key that breaks ^[a-z][a-zA-Z\\d_-]{0,63}$, in flags and in values', () => {
    const doc = smokeWith((d) => {
      d.flags['Enable-Haiku'] = d.flags[FLAG_KEY]!;
      d.values['Enable-Haiku'] = d.values[FLAG_KEY]!;
    });
    const violations = featureFlagsSchemaViolations(doc);
    expect(violations.map((v) => [v.path, v.keyword])).toEqual([
      ['/flags', 'additionalProperties'],
      ['/values', 'additionalProperties'],
    ]);
    expect(violations[0]!.message).toBe("must NOT have additional properties: 'Enable-Haiku' is not allowed here");
  });

  it('refuses a flag key longer than 64 characters', () => {
    const long = `f${'x'.repeat(64)}`;
    expect(
      paths(
        featureFlagsSchemaViolations(
          smokeWith((d) => {
            d.values[long] = d.values[FLAG_KEY]!;
          }),
        ),
      ),
    ).toEqual(['/values']);
  });

  it('refuses a number constraint whose minimum is not an integer (numberConstraints)', () => {
    const doc = smokeWith((d) => {
      const attributes = d.flags[FLAG_KEY]!.attributes as Record<string, { constraints: Record<string, unknown> }>;
      attributes.rolloutPercent!.constraints.minimum = 0.5;
    });
    const violations = featureFlagsSchemaViolations(doc);
    expect(violations).toContainEqual({
      path: `/flags/${FLAG_KEY}/attributes/rolloutPercent/constraints/minimum`,
      keyword: 'type',
      schemaPath: '#/definitions/numberConstraints/properties/minimum/type',
      message: 'must be integer (got 0.5)',
    });
  });

  it('refuses a string constraint with both pattern and enum (stringConstraints "not")', () => {
    const doc = smokeWith((d) => {
      const attributes = d.flags[FLAG_KEY]!.attributes as Record<string, { constraints: Record<string, unknown> }>;
      attributes.phase!.constraints.enum = ['smoke', 'canary'];
    });
    expect(featureFlagsSchemaViolations(doc).map((v) => v.keyword)).toContain('not');
  });

  it('refuses an attribute value string over 1024 characters, naming its size only', () => {
    const violations = featureFlagsSchemaViolations(
      smokeWith((d) => {
        d.values[FLAG_KEY]!.phase = 'p'.repeat(1025);
      }),
    );
    expect(violations).toEqual([
      expect.objectContaining({
        path: `/values/${FLAG_KEY}/phase`,
        keyword: 'maxLength',
        message: 'must NOT have more than 1024 characters (got a string of 1025 characters)',
      }),
    ]);
  });

  it('refuses more than 25 attribute definitions on a flag', () => {
    const doc = smokeWith((d) => {
      const attributes = d.flags[FLAG_KEY]!.attributes as Record<string, unknown>;
      for (let i = 0; i < 22; i++) attributes[`extra${i}`] = { constraints: { type: 'string' } };
    });
    expect(featureFlagsSchemaViolations(doc)).toEqual([
      expect.objectContaining({ path: `/flags/${FLAG_KEY}/attributes`, keyword: 'maxProperties' }),
    ]);
  });

  it('refuses a flag name over 64 characters or with a line break (customerDefinedName)', () => {
    for (const name of ['n'.repeat(65), 'Use\nhaiku']) {
      const violations = featureFlagsSchemaViolations(
        smokeWith((d) => {
          d.flags[FLAG_KEY]!.name = name;
        }),
      );
      expect(violations).toEqual([expect.objectContaining({ path: `/flags/${FLAG_KEY}/name`, keyword: 'pattern' })]);
    }
    expect(flagDefinition(config).name.length).toBeLessThanOrEqual(64);
  });

  it('refuses a version other than "1", a non-boolean enabled, and an unknown top-level key', () => {
    const doc = smokeWith((d) => {
      d.version = '2';
      d.values[FLAG_KEY]!.enabled = 'true';
      (d as Record<string, unknown>).comment = 'x';
    });
    expect(featureFlagsSchemaViolations(doc).map((v) => [v.path, v.keyword])).toEqual([
      ['', 'additionalProperties'],
      ['/version', 'enum'],
      [`/values/${FLAG_KEY}/enabled`, 'type'],
    ]);
  });

  it('checks the date format of a deprecation', () => {
    const deprecated = (date: string): unknown =>
      smokeWith((d) => {
        d.flags[FLAG_KEY]!._deprecation = { status: 'planned', date };
      });
    expect(featureFlagsSchemaViolations(deprecated('2026-12-31'))).toEqual([]);
    expect(featureFlagsSchemaViolations(deprecated('2026-02-30'))).toEqual([
      expect.objectContaining({ keyword: 'format' }),
    ]);
  });

  it('never puts an allowlisted user id in a message', () => {
    const doc = smokeWith((d) => {
      d.values[FLAG_KEY]!.allowlist = ['qa-user-1', 7];
    });
    const text = JSON.stringify(featureFlagsSchemaViolations(doc));
    expect(text).not.toMatch(/qa-user-1/);
  });
});
