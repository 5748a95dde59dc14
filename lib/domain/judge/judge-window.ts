import { CHECK_NAMES, type CheckName } from './check-names';
import { findDeadModel, type DeadModelFinding } from './dead-model-guard';
import type { JudgeSettings } from './judge-settings';
import { compareRates } from './rate-comparison';
import type { Verdict } from './verdict';
import type { CheckCounts, WindowTally } from './window-tally';

/**
 * The judgement of the window so far: each comparison check, the dead-model guard, and the
 * overall verdict — fail (roll back) when any check fails or the guard finds the model dead,
 * pass when every check passes, inconclusive otherwise. Pure module: no AWS import.
 */
export interface CheckResult extends CheckCounts {
  readonly check: CheckName;
  readonly verdict: Verdict;
  readonly marginPoints: number;
}

export interface Judgement {
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
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
  const deadModel = findDeadModel(tally.failureStreak, settings.deadModel);
  return { verdict: overall(checks, deadModel), checks, deadModel };
}

function overall(checks: readonly CheckResult[], deadModel: DeadModelFinding): Verdict {
  if (deadModel.dead || checks.some((c) => c.verdict === 'fail')) return 'fail';
  return checks.every((c) => c.verdict === 'pass') ? 'pass' : 'inconclusive';
}
