import type { RolloutConfig } from '../domain/config-schema';
import {
  checkEvidence,
  deadModelEvidence,
  incompatibleEvidence,
  type BoundCheckEvidence,
  type CheckEvidence,
  type DeadModelEvidence,
} from '../domain/judge/check-evidence';
import { judgeSettingsFrom } from '../domain/judge/judge-settings';
import { plannedSample, type PlannedSample } from '../domain/judge/planned-sample';
import type { Verdict } from '../domain/judge/verdict';
import type { JudgeGate } from '../domain/rollout-progress';
import type { JudgeEvaluation } from '../ops/judge-evaluation';
import { INCOMPATIBLE_CHECK } from '../domain/judge/judge-metric-names';

/** The judge as `rollout status --json` prints it (and the text lines and the advance gate read). */
export interface JudgeReport {
  readonly verdict: Verdict;
  /** Why there is no judgement (nothing live), else absent. */
  readonly reason?: string;
  readonly window: { readonly startedAt: string; readonly source: string; readonly detail: string } | null;
  /** The comparisons, then incompatibleRequests (`default: null`: an absolute bound), then deadModel. */
  readonly checks: ReadonlyArray<JudgeCheckEvidence>;
  readonly sample: { readonly newModelCalls: number; readonly planned: PlannedSample | null };
}

export type JudgeCheckEvidence = CheckEvidence | BoundCheckEvidence | DeadModelEvidence;

export function judgeReport(config: RolloutConfig, evaluation: JudgeEvaluation, livePhase: string): JudgeReport {
  if (evaluation.kind === 'nothing-live') {
    return {
      verdict: 'inconclusive',
      reason: evaluation.reason,
      window: null,
      checks: [],
      sample: { newModelCalls: 0, planned: null },
    };
  }
  const { judgement, window } = evaluation;
  const alpha = judgeSettingsFrom(config.judge).alpha;
  const errors = judgement.checks.find((c) => c.check === 'errorRate');
  return {
    verdict: judgement.verdict,
    window: { startedAt: window.start.toISOString(), source: window.source, detail: window.detail },
    checks: [
      ...judgement.checks.map((c) => checkEvidence(c, alpha)),
      incompatibleEvidence(judgement.incompatible, alpha),
      deadModelEvidence(judgement, config.judge.deadModel.failedCalls),
    ],
    // The error check counts every new-model call (open-breaker skips included): the window's sample.
    sample: { newModelCalls: errors?.newModel.trials ?? 0, planned: plannedSample(config, livePhase) ?? null },
  };
}

/** The advance gate's view of the report; undefined when nothing is live to judge. */
export function judgeGateOf(report: JudgeReport): JudgeGate | undefined {
  if (!report.window) return undefined;
  return {
    verdict: report.verdict,
    failing: report.checks.filter((c) => c.verdict === 'fail').map(describeFailing),
    newModelCalls: report.sample.newModelCalls,
    ...(report.sample.planned ? { planned: report.sample.planned } : {}),
    windowStart: new Date(report.window.startedAt),
  };
}

/** `rollout status` text: one line per check, with its evidence. */
export function judgeLines(report: JudgeReport): string[] {
  if (!report.window) return [`Judge: nothing to judge (${report.reason ?? 'nothing live'})`];
  const planned = report.sample.planned;
  const sample = planned
    ? `${report.sample.newModelCalls} of the ${planned.newModelCalls} new-model calls rollout plan counted on`
    : `${report.sample.newModelCalls} new-model calls (no traffic estimate in config to hold them to)`;
  return [
    `Judge: ${report.verdict.toUpperCase()} over the window since ${report.window.startedAt} (${report.window.detail}); ${sample}`,
    ...report.checks.map((c) => `  ${c.verdict.padEnd(12)} ${lineOf(c)}`),
  ];
}

function lineOf(c: JudgeCheckEvidence): string {
  if (c.name === 'deadModel') return deadModelLine(c);
  return c.name === INCOMPATIBLE_CHECK ? boundLine(c) : checkLine(c);
}

function boundLine(c: BoundCheckEvidence): string {
  if (c.new.value === null) return `${c.name}: no new-model calls, bound ${c.bound}%`;
  return `${c.name}: new ${percent(c.new.value)} of ${c.new.calls} refused (between ${c.interval.low}% and ${c.interval.high}%), bound ${c.bound}%`;
}

function checkLine(c: CheckEvidence): string {
  const rate = (side: CheckEvidence['new']): string =>
    side.value === null ? 'no calls' : `${percent(side.value)} of ${side.calls}`;
  const difference =
    c.statistic === null
      ? ''
      : `; new − default ${signed(c.statistic)} pt (between ${signed(c.interval.low)} and ${signed(c.interval.high)})`;
  return `${c.name}: new ${rate(c.new)}, default ${rate(c.default)}${difference}, margin ${c.bound} pt`;
}

function deadModelLine(c: DeadModelEvidence): string {
  const defaultRate = c.default.value === null ? 'no calls' : percent(c.default.value);
  return `deadModel: ${c.statistic} new-model failures since its last success (since ${c.since}; ${c.bound} roll back); default failing ${defaultRate}`;
}

function describeFailing(c: JudgeCheckEvidence): string {
  if (c.name === 'deadModel')
    return `deadModel: ${c.statistic} new-model failures since its last success while the default model is healthy`;
  if (c.name === INCOMPATIBLE_CHECK)
    return `${c.name}: ${c.statistic ?? 0}% of new-model calls refused, above the ${c.bound}% bound with confidence (at least ${c.interval.low}%)`;
  return `${c.name}: new − default ${signed(c.statistic ?? 0)} pt, above the ${c.bound} pt margin with confidence (at least ${signed(c.interval.low)} pt)`;
}

function percent(rate: number): string {
  return `${(Math.round(rate * 100_000) / 1000).toString()}%`;
}

function signed(points: number): string {
  return points >= 0 ? `+${points}` : `${points}`;
}
