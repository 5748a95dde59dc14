import type { RolloutConfig } from './config-schema';

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
 * The worst-case time from the new model failing to every Lambda environment serving the
 * default model again, through the guard (which acts on the rollback alarm during and after
 * a deployment; AppConfig's own rollback during a deployment or bake can only be faster).
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
  return { stages, totalSeconds: stages.reduce((sum, s) => sum + s.seconds, 0) };
}

/** The timeline as a Markdown table. */
export function formatRollbackTimeline(timeline: RollbackTimeline): string {
  const rows = timeline.stages.map((s) => `| ${s.stage} | ${s.seconds} s | ${s.basis} |`);
  const total = `| **worst case** | **${timeline.totalSeconds} s (${(timeline.totalSeconds / 60).toFixed(1)} min)** | target ≤ ${ROLLBACK_TARGET_SECONDS / 60} min |`;
  return ['| stage | time | basis |', '|---|---|---|', ...rows, total].join('\n');
}
