import type { Phase, RolloutConfig } from './config-schema';
import { OFF_PHASE } from './names';

/** A phase of the plan, or the kill-switch "off" state. */
export type PhaseName = string;

/** Every label a flag version can carry, in rollout order: off, then the phases. */
export function phaseLabels(config: RolloutConfig): PhaseName[] {
  return [OFF_PHASE, ...config.rollout.phases.map((p) => p.name)];
}

/** The phase called `name`, or undefined for 'off' and unknown names. */
export function findPhase(config: RolloutConfig, name: PhaseName): Phase | undefined {
  return config.rollout.phases.find((p) => p.name === name);
}

/** The phase after `name` ('off' → the first phase); undefined after the last. */
export function nextPhase(config: RolloutConfig, name: PhaseName): Phase | undefined {
  const { phases } = config.rollout;
  if (name === OFF_PHASE) return phases[0];
  const i = phases.findIndex((p) => p.name === name);
  return i >= 0 ? phases[i + 1] : undefined;
}
