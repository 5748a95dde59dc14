import { CHECK_NAMES, type CheckName } from './check-names';
import { findDeadModel, type DeadModelFinding } from './dead-model-guard';
import type { JudgeSettings } from './judge-settings';
import { checkRateBound } from './rate-bound-check';
import { compareRates } from './rate-comparison';
import type { RateCounts } from './rate-confidence-sequence';
import type { Verdict } from './verdict';
import type { CheckCounts, WindowTally } from './window-tally';

/**
 * The judgement of the window so far: each comparison check, the new model's incompatible
 * requests against their bound, the dead-model guard, and the overall verdict — fail (roll
 * back) when any check fails or the guard finds the model dead, pass when every check passes,
 * inconclusive otherwise. Pure module: no AWS import.
 */
export interface CheckResult extends CheckCounts {
  readonly check: CheckName;
  readonly verdict: Verdict;
  readonly marginPoints: number;
}

/** The new model's refused-as-incompatible share against `boundPercent` (no default-model counterpart). */
export interface IncompatibleResult {
  readonly verdict: Verdict;
  readonly counts: RateCounts;
  readonly boundPercent: number;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
  readonly incompatible: IncompatibleResult;
  readonly deadModel: DeadModelFinding;
}

export function judgeWindow(tally: WindowTally, settings: JudgeSettings): Judgement {
  const checks = CHECK_NAMES.map((check): CheckResult => {
    const counts = tally.counts(check);
    const marginPoints = settings.marginPoints[check];
    return {
      check,
      ...counts,
      marginPoints,
      verdict: compareRates(counts.newModel, counts.defaultModel, { marginPoints, alpha: settings.alpha }),
    };
  });
  const counts = tally.incompatibleCounts();
  const incompatible: IncompatibleResult = {
    verdict: checkRateBound(counts, { boundRate: settings.incompatibleMaxRate, alpha: settings.alpha }),
    counts,
    // Back to the config's percentage, without the float noise of rate × 100 (0.7 / 100 × 100).
    boundPercent: Number((settings.incompatibleMaxRate * 100).toPrecision(12)),
  };
  const deadModel = findDeadModel(tally.failureStreak, settings.deadModel);
  return { verdict: overall([...checks, incompatible], deadModel), checks, incompatible, deadModel };
}

function overall(verdicts: ReadonlyArray<{ readonly verdict: Verdict }>, deadModel: DeadModelFinding): Verdict {
  if (deadModel.dead || verdicts.some((c) => c.verdict === 'fail')) return 'fail';
  return verdicts.every((c) => c.verdict === 'pass') ? 'pass' : 'inconclusive';
}
