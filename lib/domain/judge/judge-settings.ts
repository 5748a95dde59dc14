import type { CheckName } from './check-names';
import type { JudgeConfig } from './judge-config-schema';

/** The judge's settings in the units its code uses (rates, not percentages). */
export interface JudgeSettings {
  /** Per check, the chance over a window of a wrong fail or pass. */
  readonly alpha: number;
  readonly intervalMinutes: number;
  readonly marginPoints: Readonly<Record<CheckName, number>>;
  readonly slowCallMs: number;
  /** The highest share (0–1) of the new model's calls it may refuse as incompatible. */
  readonly incompatibleMaxRate: number;
  readonly deadModel: DeadModelSettings;
  /** Users (0–100) a 100% phase keeps on the default model as the baseline. */
  readonly holdbackPercent: number;
}

export interface DeadModelSettings {
  /** New-model failures since its last success that roll back. */
  readonly failedCalls: number;
  /** The default model's failure rate (0–1) over the same minutes at which the guard holds off. */
  readonly defaultFailingRate: number;
}

export function judgeSettingsFrom(judge: JudgeConfig): JudgeSettings {
  return {
    alpha: judge.wrongVerdictPercent / 100,
    intervalMinutes: judge.intervalMinutes,
    marginPoints: {
      errorRate: judge.errorRate.marginPoints,
      throttleRate: judge.throttleRate.marginPoints,
      refusalRate: judge.refusalRate.marginPoints,
      slowCallShare: judge.latency.marginPoints,
    },
    slowCallMs: judge.latency.slowCallMs,
    incompatibleMaxRate: judge.incompatibleRequests.maxPercent / 100,
    deadModel: {
      failedCalls: judge.deadModel.failedCalls,
      defaultFailingRate: judge.deadModel.defaultFailingPercent / 100,
    },
    holdbackPercent: judge.holdbackPercent,
  };
}
