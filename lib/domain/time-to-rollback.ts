import type { RolloutConfig } from './config-schema';
import { JUDGE_TIMING } from './judge/judge-invocation-timing';

/** One stage between the new model failing and every user being back on the default model. */
export interface RollbackStage {
  readonly stage: string;
  readonly seconds: number;
  /** Where the figure comes from. */
  readonly basis: string;
}

export interface RollbackTimeline {
  readonly stages: readonly RollbackStage[];
  readonly totalSeconds: number;
}

/** The rollout's target for the worst case. */
export const ROLLBACK_TARGET_SECONDS = 300;

/**
 * Budgets for steps no config controls. They are budgets, not measurements: EventBridge
 * delivers alarm state changes in seconds, and the guard's calls (ListDeployments, then
 * StopDeployment or StartDeployment) take a few seconds even from a cold start.
 */
export const STEP_BUDGETS = {
  /** EMF log lines become metric datapoints and the alarm evaluates them. */
  metricsAndEvaluationSeconds: 60,
  eventBridgeSeconds: 10,
  guardSeconds: 30,
} as const;

/**
 * The worst-case time on the alarm path: from a metric alarm of the rollback composite starting
 * to breach (`flag-errors`, on alarms.periodMinutes; the new model's fixed thresholds page but no
 * longer roll back — the judge does) to every Lambda environment serving the default model
 * again, through the guard (which acts on the rollback alarm during and after a deployment;
 * AppConfig's own rollback during a deployment or bake can only be faster).
 *
 * Detection takes datapointsToAlarm breaching periods, plus one more when the failure starts
 * late in a period that then has too few samples to judge. Errors and throttles are also
 * absorbed per request much sooner: each failed call falls back at once, and the circuit
 * breaker stops calling the new model after a few failures.
 */
export function worstCaseTimeToRollback(config: RolloutConfig): RollbackTimeline {
  const periodSeconds = config.alarms.periodMinutes * 60;
  const stages: RollbackStage[] = [
    {
      stage: 'alarm detection',
      seconds: (config.alarms.datapointsToAlarm + 1) * periodSeconds,
      basis: `(alarms.datapointsToAlarm ${config.alarms.datapointsToAlarm} + 1 partial) × alarms.periodMinutes ${config.alarms.periodMinutes} min`,
    },
    {
      stage: 'metric delivery and alarm evaluation',
      seconds: STEP_BUDGETS.metricsAndEvaluationSeconds,
      basis: 'budget: EMF extraction and the once-a-minute alarm evaluation',
    },
    ...pathAfterTheComposite(config),
  ];
  return { stages, totalSeconds: stages.reduce((sum, s) => sum + s.seconds, 0) };
}

/** The judge path's target: `judge.maxTimeToRollbackMinutes`, in seconds. */
export function judgeRollbackTargetSeconds(config: RolloutConfig): number {
  return config.judge.maxTimeToRollbackMinutes * 60;
}

/**
 * The worst-case time through the judge, from the moment the evidence of a worse new model is
 * complete (the minute that tips a check, or the dead model's last failed call) to every Lambda
 * environment serving the default model again. How long the evidence takes to gather depends on
 * traffic and margins: `npx rollout plan` shows it per phase; this is what the machinery adds.
 *
 * The judge reads only minutes older than its settle delay, so the tipping minute waits that
 * long and then up to one interval for the next run. The run publishes JudgeVerdict = 1; the
 * check's alarm (Maximum over one interval period) can take a whole period to evaluate it, and
 * then the composite, the guard and the agent's poll follow as on the alarm path.
 */
export function worstCaseJudgeTimeToRollback(config: RolloutConfig): RollbackTimeline {
  const interval = config.judge.intervalMinutes;
  const stages: RollbackStage[] = [
    {
      stage: 'judge settle delay (newest minutes left out)',
      seconds: JUDGE_TIMING.metricSettleSeconds,
      basis: `the judge's constant: ${JUDGE_TIMING.metricSettleSeconds / 60} min for EMF metrics to complete`,
    },
    {
      stage: 'next scheduled judge run',
      seconds: interval * 60,
      basis: `judge.intervalMinutes ${interval} min`,
    },
    {
      stage: 'judge run',
      seconds: JUDGE_TIMING.runBudgetSeconds,
      basis: 'budget: cold start and GetMetricData calls',
    },
    {
      stage: 'verdict alarm period',
      seconds: interval * 60,
      basis: `JudgeVerdict Maximum over one judge.intervalMinutes ${interval} min period`,
    },
    {
      stage: 'metric delivery and alarm evaluation',
      seconds: STEP_BUDGETS.metricsAndEvaluationSeconds,
      basis: 'budget: EMF extraction and the once-a-minute alarm evaluation',
    },
    ...pathAfterTheComposite(config),
  ];
  return { stages, totalSeconds: stages.reduce((sum, s) => sum + s.seconds, 0) };
}

/** The same on both paths: the composite's move to ALARM reaching every gateway environment. */
function pathAfterTheComposite(config: RolloutConfig): RollbackStage[] {
  return [
    { stage: 'composite alarm to guard (EventBridge)', seconds: STEP_BUDGETS.eventBridgeSeconds, basis: 'budget' },
    {
      stage: 'guard stops, reverts or turns the flag off',
      seconds: STEP_BUDGETS.guardSeconds,
      basis: 'budget: cold start and two AppConfig calls',
    },
    {
      stage: 'every gateway environment polls the new flag',
      seconds: config.appConfig.agentPollIntervalSeconds,
      basis: `appConfig.agentPollIntervalSeconds ${config.appConfig.agentPollIntervalSeconds} s`,
    },
    {
      stage: "the gateway's flag cache expires",
      seconds: config.gateway.flagCacheMs / 1000,
      basis: `gateway.flagCacheMs ${config.gateway.flagCacheMs} ms`,
    },
  ];
}

/** The timeline as a Markdown table, its total against `targetSeconds` (default: the alarm path's target). */
export function formatRollbackTimeline(
  timeline: RollbackTimeline,
  targetSeconds: number = ROLLBACK_TARGET_SECONDS,
): string {
  const rows = timeline.stages.map((s) => `| ${s.stage} | ${s.seconds} s | ${s.basis} |`);
  const total = `| **worst case** | **${timeline.totalSeconds} s (${(timeline.totalSeconds / 60).toFixed(1)} min)** | target ≤ ${targetSeconds / 60} min |`;
  return ['| stage | time | basis |', '|---|---|---|', ...rows, total].join('\n');
}
