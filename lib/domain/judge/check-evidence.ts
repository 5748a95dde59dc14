import { INCOMPATIBLE_CHECK } from './judge-metric-names';
import type { CheckName } from './check-names';
import type { CheckResult, IncompatibleResult, Judgement } from './judge-window';
import { rateBounds } from './rate-confidence-sequence';
import type { Verdict } from './verdict';

/**
 * A check's evidence as on-call reads it (`rollout status`, `--json`): each model's calls and
 * observed rate, the observed difference in points with the interval the judge's test allows
 * for it, and the margin it is held to. fail ⇔ the interval lies above the margin; pass ⇔ below
 * it. Pure module: no AWS import.
 */
export interface CheckEvidence {
  readonly name: CheckName;
  readonly verdict: Verdict;
  /** `value` is the observed rate (0–1); null without calls. */
  readonly new: { readonly calls: number; readonly events: number; readonly value: number | null };
  readonly default: { readonly calls: number; readonly events: number; readonly value: number | null };
  /** The statistic the verdict is on: new − default rate, in percentage points (null without calls on both). */
  readonly statistic: number | null;
  /** Where the difference may lie, in points, at the judge's confidence (both models' sequences at alpha/2). */
  readonly interval: { readonly low: number; readonly high: number };
  /** The regression margin, in points: fail above it, pass below it. */
  readonly bound: number;
}

export function checkEvidence(result: CheckResult, alpha: number): CheckEvidence {
  const perModel = alpha / 2;
  const rate = (c: { events: number; trials: number }): number | null => (c.trials ? c.events / c.trials : null);
  const newRate = rate(result.newModel);
  const defaultRate = rate(result.defaultModel);
  const n = rateBounds(result.newModel, perModel);
  const d = rateBounds(result.defaultModel, perModel);
  return {
    name: result.check,
    verdict: result.verdict,
    new: { calls: result.newModel.trials, events: result.newModel.events, value: newRate },
    default: { calls: result.defaultModel.trials, events: result.defaultModel.events, value: defaultRate },
    statistic: newRate !== null && defaultRate !== null ? points(newRate - defaultRate) : null,
    interval: { low: points(n.low - d.high), high: points(n.high - d.low) },
    bound: result.marginPoints,
  };
}

/**
 * A check on the new model alone against an absolute bound (its incompatible requests: the
 * default model answers them, so it has no counterpart). The same shape as a comparison's, with
 * `default` null and the statistic the new model's own rate. fail ⇔ the interval lies above the
 * bound; pass ⇔ below it.
 */
export interface BoundCheckEvidence {
  readonly name: typeof INCOMPATIBLE_CHECK;
  readonly verdict: Verdict;
  /** `value` is the observed rate (0–1); null without calls. */
  readonly new: { readonly calls: number; readonly events: number; readonly value: number | null };
  /** No default-model side (the bound is absolute): no calls, no rate, so every entry has the same shape. */
  readonly default: { readonly calls: 0; readonly events: 0; readonly value: null };
  /** The new model's observed rate, in percent (null without calls). */
  readonly statistic: number | null;
  /** Where the rate may lie, in percent, at the judge's confidence (one sequence at alpha). */
  readonly interval: { readonly low: number; readonly high: number };
  /** The bound, in percent (judge.incompatibleRequests.maxPercent): fail above it, pass below it. */
  readonly bound: number;
}

export function incompatibleEvidence(result: IncompatibleResult, alpha: number): BoundCheckEvidence {
  const { counts } = result;
  const bounds = rateBounds(counts, alpha);
  return {
    name: INCOMPATIBLE_CHECK,
    verdict: result.verdict,
    new: { calls: counts.trials, events: counts.events, value: counts.trials ? counts.events / counts.trials : null },
    default: { calls: 0, events: 0, value: null },
    statistic: counts.trials ? points(counts.events / counts.trials) : null,
    interval: { low: points(bounds.low), high: points(bounds.high) },
    bound: result.boundPercent,
  };
}

/**
 * The dead-model guard as a check line, in the same shape as the others: over the minutes since
 * the new model's last success, `new` is its failed calls (every one failed: value 1), `default`
 * the default model's calls and failure rate, `statistic` the failures and `bound` the count that
 * rolls back (judge.deadModel.failedCalls) while the default model is healthy.
 */
export interface DeadModelEvidence {
  readonly name: 'deadModel';
  readonly verdict: Verdict;
  readonly new: { readonly calls: number; readonly events: number; readonly value: number | null };
  readonly default: { readonly calls: number; readonly events: number; readonly value: number | null };
  readonly statistic: number;
  readonly bound: number;
  /** Start of the streak: the minute after the new model's last success, or the window start. */
  readonly since: string;
}

export function deadModelEvidence(judgement: Judgement, failedCallsToRollBack: number): DeadModelEvidence {
  const d = judgement.deadModel;
  const s = d.streak;
  return {
    name: 'deadModel',
    verdict: d.dead ? 'fail' : 'pass',
    new: { calls: s.newModelFailures, events: s.newModelFailures, value: s.newModelFailures ? 1 : null },
    default: { calls: s.defaultModelCalls, events: s.defaultModelFailures, value: d.defaultFailureRate ?? null },
    statistic: s.newModelFailures,
    bound: failedCallsToRollBack,
    since: new Date(s.sinceMs).toISOString(),
  };
}

/** A rate, or a difference of rates, in percent (points), to a thousandth. */
function points(rateDifference: number): number {
  return Math.round(rateDifference * 100 * 1000) / 1000;
}
