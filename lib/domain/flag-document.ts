import type { RolloutConfig } from './config-schema';
import { OFF_PHASE, PHASE_NAME_PATTERN } from './names';
import { servedPercent } from './holdback';
import { findPhase, phaseLabels, type PhaseName } from './phases';

/**
 * The flag's value as the gateway sees it (docs/ARCHITECTURE.md, Flag). Attribute names are the public
 * contract: `rolloutPercent`, `allowlist`, `phase`, plus `clientSegments` for the smoke phase.
 */
export interface FlagValue {
  readonly enabled: boolean;
  /** Share of users, 0–100 in steps of 0.001. */
  readonly rolloutPercent: number;
  /** User keys always in the cohort. */
  readonly allowlist: readonly string[];
  /** When non-empty, only these clients' users are bucketed by rolloutPercent. */
  readonly clientSegments: readonly string[];
  readonly phase: PhaseName;
}

type NumberConstraints = { type: 'number'; minimum?: number; maximum?: number; required?: boolean };
type StringConstraints = { type: 'string'; enum?: string[]; pattern?: string; required?: boolean };
type ArrayConstraints = { type: 'array'; elements?: { type: 'string' } | { type: 'number' }; required?: boolean };
export type AttributeConstraints = NumberConstraints | StringConstraints | ArrayConstraints;

export interface AttributeDefinition {
  readonly description?: string;
  readonly constraints: AttributeConstraints;
}

export interface FlagDefinition {
  readonly name: string;
  readonly description: string;
  readonly attributes: Readonly<Record<string, AttributeDefinition>>;
}

/**
 * The flag's value as stored in a hosted version: a FlagValue whose empty lists are left out.
 * AWS's schema types an array attribute as `oneOf` [array of strings, array of numbers], and
 * `[]` is both, so AppConfig refuses a version holding one. A missing list reads as empty
 * (parseRetrievedFlag), so leaving it out means the same.
 */
export interface FlagDocumentValue {
  readonly enabled: boolean;
  readonly rolloutPercent: number;
  /** Present only when non-empty. */
  readonly allowlist?: readonly string[];
  /** Present only when non-empty. */
  readonly clientSegments?: readonly string[];
  readonly phase: PhaseName;
}

/** An `AWS.AppConfig.FeatureFlags` hosted configuration document. */
export interface FeatureFlagsDocument {
  readonly version: '1';
  readonly flags: Readonly<Record<string, FlagDefinition>>;
  readonly values: Readonly<Record<string, FlagDocumentValue>>;
}

/** The flag's value in phase `phase` ('off' or a configured phase name). */
export function flagValueForPhase(config: RolloutConfig, phase: PhaseName): FlagValue {
  if (phase === OFF_PHASE) {
    return { enabled: false, rolloutPercent: 0, allowlist: [], clientSegments: [], phase: OFF_PHASE };
  }
  const p = findPhase(config, phase);
  if (!p) throw new Error(`Unknown phase '${phase}': use one of ${phaseLabels(config).join(', ')}`);
  return {
    enabled: true,
    rolloutPercent: servedPercent(p.rolloutPercent, config.judge.holdbackPercent),
    allowlist: [...p.allowlist],
    clientSegments: [...p.clientSegments],
    phase: p.name,
  };
}

/**
 * The attribute definitions, with constraints that make an invalid edit in the AppConfig
 * console impossible to save (a percentage above 100, a malformed phase name). The phase is
 * checked by pattern, not by an enum of the configured names: an enum would put the phase list
 * into every version, so adding or renaming a phase would change — and re-create — the `off`
 * version and every other one.
 */
export function flagDefinition(config: RolloutConfig): FlagDefinition {
  const { newModelAlias, defaultModel } = config.llm;
  return {
    name: `Use ${newModelAlias}`.slice(0, 64),
    description: `Routes a share of users from ${defaultModel} to ${newModelAlias}. Versions are labelled by phase; deploy the next phase's version with the strategy of the same name.`,
    attributes: {
      rolloutPercent: {
        description: 'Share of users (0-100, steps of 0.001) sent to the new model.',
        constraints: { type: 'number', minimum: 0, maximum: 100, required: true },
      },
      allowlist: {
        description: 'User keys always sent to the new model (internal QA).',
        constraints: { type: 'array', elements: { type: 'string' } },
      },
      clientSegments: {
        description: 'When non-empty, only requests from these client ids are bucketed by rolloutPercent.',
        constraints: { type: 'array', elements: { type: 'string' } },
      },
      phase: {
        description: 'The rollout phase this version belongs to.',
        constraints: { type: 'string', pattern: PHASE_NAME_PATTERN.source, required: true },
      },
    },
  };
}

/**
 * `value` as a hosted version stores it: empty lists left out, the rest in FlagValue's key
 * order (a version whose JSON is unchanged is not replaced on deploy).
 */
export function toDocumentValue(value: FlagValue): FlagDocumentValue {
  return {
    enabled: value.enabled,
    rolloutPercent: value.rolloutPercent,
    ...(value.allowlist.length ? { allowlist: [...value.allowlist] } : {}),
    ...(value.clientSegments.length ? { clientSegments: [...value.clientSegments] } : {}),
    phase: value.phase,
  };
}

/** The hosted configuration document for phase `phase`. */
export function buildFlagDocument(config: RolloutConfig, phase: PhaseName): FeatureFlagsDocument {
  const key = config.llm.useNewModelFlagKey;
  return {
    version: '1',
    flags: { [key]: flagDefinition(config) },
    values: { [key]: toDocumentValue(flagValueForPhase(config, phase)) },
  };
}
