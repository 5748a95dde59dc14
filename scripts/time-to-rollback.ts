/**
 * Prints the worst-case time from the new model failing to every user back on the default
 * model, from a rollout config (default: rollout.config.json).
 *
 *   npm run time-to-rollback [-- path/to/config.json]
 */
import { loadRolloutConfig } from '../lib/domain/load-config';
import {
  formatRollbackTimeline,
  ROLLBACK_TARGET_SECONDS,
  worstCaseTimeToRollback,
} from '../lib/domain/time-to-rollback';

const file = process.argv[2] ?? process.env.ROLLOUT_CONFIG ?? 'rollout.config.json';
const timeline = worstCaseTimeToRollback(loadRolloutConfig(file).config);
console.log(formatRollbackTimeline(timeline));
if (timeline.totalSeconds > ROLLBACK_TARGET_SECONDS) {
  console.log(
    `\nAbove the ${ROLLBACK_TARGET_SECONDS / 60}-minute target: shorten alarms.periodMinutes or appConfig.agentPollIntervalSeconds.`,
  );
  process.exitCode = 1;
}
