import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { APPCONFIG_FEATURE_FLAGS_SCHEMA } from './appconfig-feature-flags-schema';
import { isFullDate } from './full-date-format';

/** One place where a document breaks AWS's published `AWS.AppConfig.FeatureFlags` schema. */
export interface SchemaViolation {
  /** JSON Pointer to the offending value in the document ('' is the document itself). */
  readonly path: string;
  /** The schema keyword that failed: oneOf, pattern, additionalProperties, … */
  readonly keyword: string;
  /** Where that rule sits in AWS's schema, as Ajv reports it. */
  readonly schemaPath: string;
  /** What the rule demands and what the value is (its kind and size, never its content). */
  readonly message: string;
}

let compiled: ValidateFunction | undefined;

/**
 * AWS's schema, compiled once. The options make Ajv 8 read it as the draft-07 schema it is:
 * - ignoreKeywordsWithRef: draft-07 ignores keywords beside `$ref`. AWS's root puts
 *   `"additionalProperties": false` beside its `$ref`; applied (Ajv 8's default, as in
 *   2019-09) it would reject every document. Ajv marks the option deprecated, but it is its
 *   only draft-07 switch; ajv is pinned, and the tests fail loudly if it stops working.
 * - allowMatchingProperties: `enabled` is both a named property and matches the attribute
 *   key pattern. JSON Schema applies both; Ajv's strict mode wants that said.
 * - strictTypes off: AWS's text puts `maxLength` on arrays and `additionalProperties` on
 *   non-objects. JSON Schema ignores such keywords; strict mode would complain about AWS's text.
 * - logger off: the only things it would print are the deprecation and "$ref: keywords
 *   ignored" notices expected above. Strict-mode errors (an unknown keyword) still throw.
 * - verbose: errors carry the value, so messages can say "an empty array".
 */
function validator(): ValidateFunction {
  compiled ??= new Ajv({
    allErrors: true,
    verbose: true,
    ignoreKeywordsWithRef: true,
    allowMatchingProperties: true,
    strictTypes: false,
    logger: false,
    formats: { date: isFullDate },
  }).compile(APPCONFIG_FEATURE_FLAGS_SCHEMA);
  return compiled;
}

/**
 * The ways `document` (parsed JSON, as AppConfig receives it) breaks AWS's published schema;
 * empty when it conforms. Only the most specific errors are kept: see `mostSpecific`.
 */
export function featureFlagsSchemaViolations(document: unknown): SchemaViolation[] {
  const validate = validator();
  if (validate(document)) return [];
  return mostSpecific(validate.errors ?? []).map(toViolation);
}

/**
 * Ajv reports every branch of a failed `oneOf`. Dropped:
 * - the branches whose `type` does not fit the value a failed `oneOf` tested, with all they
 *   report: "is not a string", "is not a boolean" for an array are true of every branch but
 *   the one meant, and say nothing;
 * - an error that merely sums up a more specific one beneath it (same value or inside it,
 *   rule nested inside its rule), e.g. the outer "must match exactly one" of attributeValue
 *   when the inner array `oneOf` says why.
 */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const mismatched = errors.filter((e) => e.keyword === 'type' && oneOfPaths.has(e.instancePath));
  const branches = mismatched.map((e) => ({ ...e, schemaPath: e.schemaPath.replace(/\/type$/, '') }));
  const kept = errors.filter((e) => !mismatched.includes(e) && !branches.some((b) => isBeneath(e, b)));
  const unique = kept.filter(
    (e, i) => kept.findIndex((o) => o.instancePath === e.instancePath && o.schemaPath === e.schemaPath) === i,
  );
  return unique.filter((e) => !unique.some((o) => o !== e && isBeneath(o, e)));
}

function isBeneath(inner: ErrorObject, outer: ErrorObject): boolean {
  const sameOrInside =
    inner.instancePath === outer.instancePath || inner.instancePath.startsWith(`${outer.instancePath}/`);
  return sameOrInside && inner.schemaPath.startsWith(`${outer.schemaPath}/`);
}

function toViolation(error: ErrorObject): SchemaViolation {
  return { path: error.instancePath, keyword: error.keyword, schemaPath: error.schemaPath, message: describe(error) };
}

function describe(error: ErrorObject): string {
  const base = error.message ?? `fails ${error.keyword}`;
  const got = `(got ${kindOf(error.data)})`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'oneOf': {
      const passing = params.passingSchemas;
      return Array.isArray(passing)
        ? `${base}, but matches ${passing.length} of them (branches ${passing.join(' and ')}) ${got}`
        : `${base}, but matches none ${got}`;
    }
    case 'additionalProperties':
      return `${base}: '${String(params.additionalProperty)}' is not allowed here`;
    case 'enum':
      return `${base} (${JSON.stringify(params.allowedValues)}) ${got}`;
    default:
      return `${base} ${got}`;
  }
}

/** Strings and arrays by kind and size, never content: allowlists hold user ids. */
function kindOf(value: unknown): string {
  if (Array.isArray(value))
    return value.length === 0 ? 'an empty array' : `an array of ${count(value.length, 'element')}`;
  if (typeof value === 'string') return `a string of ${count(value.length, 'character')}`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
