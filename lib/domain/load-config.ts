import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { formatPath, RolloutConfigError, type ConfigIssue } from './config-errors';
import { checkConfigRules } from './config-rules';
import { RolloutConfigSchema, type RolloutConfig } from './config-schema';

export interface LoadedConfig {
  readonly config: RolloutConfig;
  /** Findings that do not stop a deploy (e.g. a model retiring soon). */
  readonly warnings: readonly ConfigIssue[];
}

export interface ParseOptions {
  /** Where the config came from, for messages. @default 'rollout config' */
  readonly source?: string;
  /** Today's date (YYYY-MM-DD), deciding which models are retired. @default - the current UTC date */
  readonly today?: string;
}

/** Validates a parsed config object. Throws RolloutConfigError listing every problem. */
export function parseRolloutConfig(raw: unknown, options: ParseOptions = {}): LoadedConfig {
  const source = options.source ?? 'rollout config';
  const result = RolloutConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new RolloutConfigError(source, result.error.issues.flatMap(toConfigIssues));
  }
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new RangeError(`today must be a date as YYYY-MM-DD (got ${today})`);
  const { errors, warnings } = checkConfigRules(result.data, today);
  if (errors.length) throw new RolloutConfigError(source, errors);
  return { config: result.data, warnings };
}

/** Reads and validates a rollout config JSON file. */
export function loadRolloutConfig(file: string, options: Omit<ParseOptions, 'source'> = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new RolloutConfigError(
      file,
      [{ path: '', message: `cannot be read (${(cause as Error).message}); pass the path of your rollout config` }],
      { cause },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new RolloutConfigError(file, [{ path: '', message: `is not valid JSON: ${(cause as Error).message}` }], {
      cause,
    });
  }
  return parseRolloutConfig(raw, { ...options, source: file });
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const parent: unknown = issue.input;
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      value: isRecord(parent) ? parent[key] : undefined,
      message: 'is not a known key; check its spelling against README (the config table)',
    }));
  }
  const missing = issue.input === undefined;
  return [{ path, value: issue.input, message: missing ? `is required: ${issue.message}` : issue.message }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
