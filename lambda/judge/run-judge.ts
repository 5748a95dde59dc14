import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { DEAD_MODEL_CHECK, INCOMPATIBLE_CHECK, type VerdictCheck } from '../../lib/domain/judge/judge-metric-names';
import type { JudgeRuntimeSettings } from '../../lib/domain/judge/judge-runtime-settings';
import type { Judgement } from '../../lib/domain/judge/judge-window';
import type { Verdict } from '../../lib/domain/judge/verdict';
import { evaluateJudge } from '../../lib/ops/judge-evaluation';
import type { DeploymentReads } from '../../lib/ops/judge-window-start';
import type { JudgeMetricsSink } from './judge-metrics';

export interface JudgeRunDeps {
  readonly settings: JudgeRuntimeSettings;
  readonly deployments: DeploymentReads;
  readonly ssm: SSMClient;
  /** The SSM parameter holding the last window reset. */
  readonly resetParameter: string;
  readonly cloudwatch: CloudWatchClient;
  readonly metrics: JudgeMetricsSink;
  readonly now?: () => Date;
  /** The run's deadline: aborts every AWS call once the run could no longer end before Lambda's timeout. */
  readonly signal?: AbortSignal;
}

interface RateCountsView {
  readonly events: number;
  readonly trials: number;
}

/** What one run found: the fields of its log line. Counts only — no user ids, no prompt text. */
export type JudgeRunSummary =
  | { readonly outcome: 'nothing-live'; readonly reason: string }
  /** Started too late after its scheduled time (it could overlap the next run): nothing read, nothing published. */
  | {
      readonly outcome: 'skipped-late';
      readonly scheduledTime: string;
      readonly executionId: string;
      readonly lateBySeconds: number;
      readonly latenessBudgetSeconds: number;
    }
  | {
      readonly outcome: 'judged';
      readonly verdict: Verdict;
      readonly windowStart: string;
      readonly windowStartSource: 'deployment' | 'rollback' | 'reset';
      readonly windowStartDetail: string;
      readonly liveDeployment: {
        readonly number: number;
        readonly version: string;
        readonly label?: string;
        readonly state: string;
      };
      /** The minutes judged: [from, to), and whether the window was older than one-minute data is kept. */
      readonly minutes: {
        readonly from: string;
        readonly to: string;
        readonly count: number;
        readonly clippedToRetention: boolean;
      };
      readonly getMetricData: { readonly calls: number; readonly queries: number };
      readonly checks: ReadonlyArray<{
        readonly check: string;
        readonly verdict: Verdict;
        readonly marginPoints: number;
        readonly newModel: RateCountsView;
        readonly defaultModel: RateCountsView;
      }>;
      /** The new model's incompatible requests over its calls, against the absolute bound (no default-model side). */
      readonly incompatibleRequests: {
        readonly verdict: Verdict;
        readonly boundPercent: number;
        readonly newModel: RateCountsView;
      };
      readonly deadModel: {
        readonly dead: boolean;
        readonly newModelFailures: number;
        readonly since: string;
        readonly defaultFailureRate: number | null;
      };
      /** What JudgeVerdict was published with, per Check. */
      readonly published: Readonly<Record<string, 0 | 1>>;
    };

/**
 * One scheduled look: where the window starts, the minutes since, the judgement, then the
 * metrics — JudgeVerdict per check, then JudgeHeartbeat. Nothing live: only the heartbeat (there
 * is no verdict to give; the verdict alarms treat missing data as not breaching). A read that
 * fails throws before anything is published, so the heartbeat alarm pages for a judge that
 * cannot see. Idempotent: it reads, judges from scratch and publishes; a run repeated by a retry
 * publishes the same verdicts again, which the verdict alarms (Maximum) and the heartbeat alarm
 * (at least one) read the same.
 */
export async function runJudge(deps: JudgeRunDeps): Promise<JudgeRunSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const evaluation = await evaluateJudge({ ...deps, now });
  if (evaluation.kind === 'nothing-live') {
    deps.metrics.heartbeat();
    return { outcome: 'nothing-live', reason: evaluation.reason };
  }
  const { window: start, read, judgement } = evaluation;
  const published = verdictValues(judgement);
  deps.metrics.verdicts(published);
  deps.metrics.heartbeat();
  const { live } = start;
  const streak = judgement.deadModel.streak;
  return {
    outcome: 'judged',
    verdict: judgement.verdict,
    windowStart: start.start.toISOString(),
    windowStartSource: start.source,
    windowStartDetail: start.detail,
    liveDeployment: {
      number: live.number,
      version: live.version,
      ...(live.label ? { label: live.label } : {}),
      state: live.state,
    },
    minutes: {
      from: new Date(read.fromMs).toISOString(),
      to: new Date(read.toMs).toISOString(),
      count: read.minutes.length,
      clippedToRetention: read.clippedToRetention,
    },
    getMetricData: { calls: read.calls, queries: read.queries },
    checks: judgement.checks.map((c) => ({
      check: c.check,
      verdict: c.verdict,
      marginPoints: c.marginPoints,
      newModel: { ...c.newModel },
      defaultModel: { ...c.defaultModel },
    })),
    incompatibleRequests: {
      verdict: judgement.incompatible.verdict,
      boundPercent: judgement.incompatible.boundPercent,
      newModel: { ...judgement.incompatible.counts },
    },
    deadModel: {
      dead: judgement.deadModel.dead,
      newModelFailures: streak.newModelFailures,
      since: new Date(streak.sinceMs).toISOString(),
      defaultFailureRate: judgement.deadModel.defaultFailureRate ?? null,
    },
    published: Object.fromEntries(published),
  };
}

/** JudgeVerdict per check: 1 = fail; pass and inconclusive are both 0 (neither is a reason to roll back). */
export function verdictValues(judgement: Judgement): Array<[VerdictCheck, 0 | 1]> {
  return [
    ...judgement.checks.map((c): [VerdictCheck, 0 | 1] => [c.check, c.verdict === 'fail' ? 1 : 0]),
    [INCOMPATIBLE_CHECK, judgement.incompatible.verdict === 'fail' ? 1 : 0],
    [DEAD_MODEL_CHECK, judgement.deadModel.dead ? 1 : 0],
  ];
}
