import type { DeadModelSettings } from './judge-settings';
import type { FailureStreak } from './window-tally';

/**
 * The dead-model guard, for traffic too thin for the rate comparison: at 0.1% of 200,000
 * requests a day the new model gets about eight calls an hour, and a model that fails every
 * call would take days to fail a rate check with confidence. Instead: roll back once the new
 * model has failed `failedCalls` calls with no success since its last success, while the
 * default model is not failing over the same minutes (then the vendor is down, and turning the
 * new model off mends nothing). A healthy model at a 2% error rate strings five failures
 * together with probability about 3·10⁻⁹ per call. Pure module: no AWS import.
 */
export interface DeadModelFinding {
  readonly dead: boolean;
  readonly streak: FailureStreak;
  /** The default model's failure rate over the streak's minutes (undefined without calls). */
  readonly defaultFailureRate: number | undefined;
}

export function findDeadModel(streak: FailureStreak, settings: DeadModelSettings): DeadModelFinding {
  const defaultFailureRate =
    streak.defaultModelCalls > 0 ? streak.defaultModelFailures / streak.defaultModelCalls : undefined;
  // No default calls in the streak is no sign of a vendor outage: at 100% the default model
  // only serves the fallbacks, and a dead new model makes those succeed.
  const defaultFailing = defaultFailureRate !== undefined && defaultFailureRate >= settings.defaultFailingRate;
  return { dead: streak.newModelFailures >= settings.failedCalls && !defaultFailing, streak, defaultFailureRate };
}
