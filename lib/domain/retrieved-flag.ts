import { FLAG_KEY_PATTERN, OFF_PHASE } from './names';
import type { AttributeConstraints, FeatureFlagsDocument, FlagValue } from './flag-document';
import { FlagDocumentError } from './flag-errors';

/** AppConfig's limits on a feature-flags document (type reference for AWS.AppConfig.FeatureFlags). */
const MAX_ATTRIBUTES = 25;
const MAX_STRING_LENGTH = 1024;

/** The retrieved form clients receive: `{ "<flag>": { "enabled": true, "<attr>": value } }`. */
export type RetrievedFlags = Record<string, Record<string, unknown>>;

/**
 * Checks a document against the rules AppConfig applies when a version is created:
 * key patterns, the attribute limit, and every value against its attribute's constraints.
 * Returns the violations (empty when AppConfig would accept it).
 */
export function checkFeatureFlagsDocument(doc: FeatureFlagsDocument): string[] {
  const problems: string[] = [];
  for (const [key, flag] of Object.entries(doc.flags)) {
    if (!FLAG_KEY_PATTERN.test(key)) problems.push(`flag key '${key}' does not match ${FLAG_KEY_PATTERN}`);
    const attributes = Object.entries(flag.attributes);
    if (attributes.length > MAX_ATTRIBUTES)
      problems.push(`flag '${key}' has ${attributes.length} attributes; AppConfig allows ${MAX_ATTRIBUTES}`);
    const value = doc.values[key] as unknown as Record<string, unknown> | undefined;
    if (!value) continue;
    for (const [name, def] of attributes) {
      if (!FLAG_KEY_PATTERN.test(name)) problems.push(`attribute '${key}.${name}' does not match ${FLAG_KEY_PATTERN}`);
      const problem = violation(value[name], def.constraints);
      if (problem) problems.push(`value of '${key}.${name}' ${problem}`);
    }
  }
  for (const key of Object.keys(doc.values)) {
    if (!(key in doc.flags)) problems.push(`value for '${key}' has no flag definition`);
  }
  return problems;
}

function violation(value: unknown, c: AttributeConstraints): string | undefined {
  if (value === undefined) return c.required ? 'is required' : undefined;
  switch (c.type) {
    case 'number':
      if (typeof value !== 'number') return 'must be a number';
      if (c.minimum !== undefined && value < c.minimum) return `must be ≥ ${c.minimum}`;
      if (c.maximum !== undefined && value > c.maximum) return `must be ≤ ${c.maximum}`;
      return undefined;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (value.length > MAX_STRING_LENGTH) return `must be at most ${MAX_STRING_LENGTH} characters`;
      if (c.enum && !c.enum.includes(value)) return `must be one of ${c.enum.join(', ')}`;
      if (c.pattern && !new RegExp(c.pattern).test(value)) return `must match ${c.pattern}`;
      return undefined;
    case 'array':
      if (!Array.isArray(value)) return 'must be an array';
      if (c.elements && value.some((e) => typeof e !== c.elements?.type)) return `must hold only ${c.elements.type}s`;
      if (value.some((e) => typeof e === 'string' && e.length > MAX_STRING_LENGTH))
        return `elements must be at most ${MAX_STRING_LENGTH} characters`;
      return undefined;
  }
}

/** What the AppConfig Agent serves for a feature-flags profile: each flag's value object. */
export function toRetrievedForm(doc: FeatureFlagsDocument): RetrievedFlags {
  const out: RetrievedFlags = {};
  for (const [key, value] of Object.entries(doc.values)) out[key] = { ...value };
  return out;
}

/**
 * Reads one flag from the retrieved form. A missing flag means "off" (docs/ARCHITECTURE.md, Flag); a flag
 * whose values are malformed or out of range throws FlagDocumentError so the caller keeps
 * its last good flag and counts the error.
 */
export function parseRetrievedFlag(body: unknown, flagKey: string): FlagValue {
  if (!isRecord(body)) throw new FlagDocumentError(`flag document is not a JSON object (got ${typeName(body)})`);
  const raw = body[flagKey];
  if (raw === undefined)
    return { enabled: false, rolloutPercent: 0, allowlist: [], clientSegments: [], phase: OFF_PHASE };
  if (!isRecord(raw)) throw new FlagDocumentError(`flag '${flagKey}' is not an object (got ${typeName(raw)})`);
  if (typeof raw.enabled !== 'boolean')
    throw new FlagDocumentError(`flag '${flagKey}'.enabled must be a boolean (got ${typeName(raw.enabled)})`);
  if (!raw.enabled) {
    const phase = typeof raw.phase === 'string' ? raw.phase : OFF_PHASE;
    return { enabled: false, rolloutPercent: 0, allowlist: [], clientSegments: [], phase };
  }
  const percent = raw.rolloutPercent;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new FlagDocumentError(
      `flag '${flagKey}'.rolloutPercent must be a number from 0 to 100 (got ${JSON.stringify(percent)})`,
    );
  }
  if (raw.phase !== undefined && typeof raw.phase !== 'string') {
    throw new FlagDocumentError(`flag '${flagKey}'.phase must be a string (got ${typeName(raw.phase)})`);
  }
  return {
    enabled: true,
    rolloutPercent: percent,
    allowlist: stringList(raw.allowlist, `${flagKey}'.allowlist`),
    clientSegments: stringList(raw.clientSegments, `${flagKey}'.clientSegments`),
    phase: raw.phase ?? 'unknown',
  };
}

/** The message names types and positions only: these lists hold user and client ids, and it is logged. */
function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new FlagDocumentError(`flag '${what} must be an array of strings (got ${typeName(value)})`);
  const bad = value.findIndex((v) => typeof v !== 'string');
  if (bad >= 0)
    throw new FlagDocumentError(
      `flag '${what} must be an array of strings (element ${bad} is ${typeName(value[bad])})`,
    );
  return value as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
