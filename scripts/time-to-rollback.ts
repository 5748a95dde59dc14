/**
 * Prints the worst-case time to roll a bad phase back, on both paths to the rollback alarm —
 * a metric alarm (flag errors) and the judge's verdicts — from a rollout config (default:
 * rollout.config.json). Exits 1 when either path misses its target.
 *
 *   npm run time-to-rollback [-- path/to/config.json]
 */
import { loadRolloutConfig } from '../lib/domain/load-config';
import {
  formatRollbackTimeline,
  judgeRollbackTargetSeconds,
  ROLLBACK_TARGET_SECONDS,
  worstCaseJudgeTimeToRollback,
  worstCaseTimeToRollback,
} from '../lib/domain/time-to-rollback';

const file = process.argv[2] ?? process.env.ROLLOUT_CONFIG ?? 'rollout.config.json';
const config = loadRolloutConfig(file).config;
const alarmPath = worstCaseTimeToRollback(config);
const judgePath = worstCaseJudgeTimeToRollback(config);
const judgeTarget = judgeRollbackTargetSeconds(config);

console.log('Alarm path (a metric alarm in the rollback composite: flag-errors)\n');
console.log(formatRollbackTimeline(alarmPath));
console.log('\nJudge path (a JudgeVerdict alarm), from the evidence being complete\n');
console.log(formatRollbackTimeline(judgePath, judgeTarget));
if (alarmPath.totalSeconds > ROLLBACK_TARGET_SECONDS) {
  console.log(
    `\nAlarm path above the ${ROLLBACK_TARGET_SECONDS / 60}-minute target: shorten alarms.periodMinutes or appConfig.agentPollIntervalSeconds.`,
  );
  process.exitCode = 1;
}
if (judgePath.totalSeconds > judgeTarget) {
  console.log(
    `\nJudge path above judge.maxTimeToRollbackMinutes (${judgeTarget / 60} min): shorten judge.intervalMinutes or appConfig.agentPollIntervalSeconds.`,
  );
  process.exitCode = 1;
}
