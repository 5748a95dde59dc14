import type { RolloutConfig } from '../config-schema';
import { findPhase } from '../phases';
import { planPhase } from './detection-plan';
import { judgeSettingsFrom } from './judge-settings';

/**
 * The new-model calls a phase's window must hold before it can advance: the calls `rollout
 * plan` counted on at the config's traffic estimate (`spend.traffic.requestsPerDay`), over the
 * minimum watch window — or over the hours the plan says catching 1% → 3% errors needs, when
 * that is longer. A watch window measured in hours is only as good as the traffic in it: at
 * half the estimated traffic, the hours pass with half the evidence. Undefined without a
 * traffic estimate (nothing to hold the phase to). Pure module: no AWS import.
 */
export interface PlannedSample {
  readonly newModelCalls: number;
  readonly hours: number;
  readonly requestsPerDay: number;
}

export function plannedSample(config: RolloutConfig, phaseName: string): PlannedSample | undefined {
  const requestsPerDay = config.spend.traffic?.requestsPerDay;
  const phase = findPhase(config, phaseName);
  if (requestsPerDay === undefined || !phase) return undefined;
  const plan = planPhase(phase, requestsPerDay, judgeSettingsFrom(config.judge));
  const hours = Math.max(phase.watchWindowHours.min, plan.hoursNeeded ?? 0);
  return { newModelCalls: Math.floor(plan.newModelCallsPerHour * hours), hours, requestsPerDay };
}
