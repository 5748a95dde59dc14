import type { MinuteCounts, ModelMinute } from '../lib/domain/judge/minute-counts';
import { LATENCY_SLOWDOWN_FACTOR, slowShare } from '../lib/domain/judge/planning-assumptions';
import type { SeededRandom } from './detection-random';
import {
  DEATH_WITHIN_MINUTES,
  HEALTHY_REFUSAL_RATE,
  HEALTHY_THROTTLE_RATE,
  INCIDENT_ERROR_RATE,
  INCIDENT_MINUTES,
  REQUESTS_PER_USER_PER_DAY,
  USER_ERROR_PROPENSITY_SHAPE,
  USER_TRAFFIC_LOG_SD,
  type Scenario,
} from './detection-scenarios';

/**
 * One run's per-minute gateway counts for both models on the rollout route: Poisson arrivals,
 * each call's outcome drawn independently (binomial counts), the new model's failed calls
 * falling back to the default model (so its Requests include them, as the gateway counts), and
 * the scenario's incident, clustering, death, error rise or slowdown.
 *
 * Clustering draws the run's users: traffic per user log-normal, error propensity per user
 * Gamma with mean 1 (both models fail the same users more, since their prompts are the hard
 * ones), and the cohort a sticky random set of users — so the cohort's error rate differs from
 * the rest's by who happens to be in it, and its traffic share from the phase's percentage.
 */
export interface RunPlan {
  readonly requestsPerDay: number;
  readonly rolloutPercent: number;
  readonly minutes: number;
  readonly slowCallMs: number;
}

interface Population {
  /** Share of rollout traffic from cohort users. */
  readonly cohortShare: number;
  /** Traffic-weighted mean error propensity of cohort users, of the rest, and of the cohort's failed calls. */
  readonly cohortPropensity: number;
  readonly restPropensity: number;
  readonly fallbackPropensity: number;
}

interface Rates {
  readonly error: number;
  readonly throttle: number;
  readonly refusal: number;
  readonly slow: number;
}

// Module-level copies: imported bindings are property reads, and these sit in the per-minute loop.
const THROTTLE_RATE = HEALTHY_THROTTLE_RATE;
const REFUSAL_RATE = HEALTHY_REFUSAL_RATE;

export class MinuteStream {
  public readonly deathMinute: number | undefined;
  public readonly incidentStart: number | undefined;
  private readonly population: Population;
  private readonly healthySlow: number;
  private readonly newSlow: number;
  private readonly callsPerMinute: number;

  public constructor(
    private readonly scenario: Scenario,
    plan: RunPlan,
    private readonly random: SeededRandom,
  ) {
    this.population = scenario.clustered
      ? drawPopulation(plan, random)
      : { cohortShare: plan.rolloutPercent / 100, cohortPropensity: 1, restPropensity: 1, fallbackPropensity: 1 };
    this.incidentStart = scenario.incident
      ? Math.floor(random.uniform() * Math.max(1, plan.minutes - INCIDENT_MINUTES))
      : undefined;
    this.deathMinute =
      scenario.newModel === 'dead'
        ? Math.floor(random.uniform() * Math.min(DEATH_WITHIN_MINUTES, Math.max(1, plan.minutes / 4)))
        : undefined;
    this.healthySlow = slowShare(plan.slowCallMs);
    this.newSlow =
      scenario.newModel === 'latency-2x' ? slowShare(plan.slowCallMs, LATENCY_SLOWDOWN_FACTOR) : this.healthySlow;
    this.callsPerMinute = plan.requestsPerDay / 1440;
  }

  public minute(m: number): MinuteCounts {
    const incident =
      this.incidentStart !== undefined && m >= this.incidentStart && m < this.incidentStart + INCIDENT_MINUTES;
    const p = this.population;
    const newError =
      this.deathMinute !== undefined && m >= this.deathMinute
        ? 1
        : incident
          ? INCIDENT_ERROR_RATE
          : this.scenario.newModel === 'errors-3pct'
            ? 0.03
            : this.vendorRate(incident, p.cohortPropensity);
    const newRates: Rates = {
      error: newError,
      throttle: newError >= 1 ? 0 : THROTTLE_RATE,
      refusal: REFUSAL_RATE,
      slow: this.newSlow,
    };
    const newModel = this.calls(this.random.poisson(this.callsPerMinute * p.cohortShare), newRates);
    const fallbacks = newModel.modelErrors + newModel.throttles;
    const defaultDirect = this.calls(
      this.random.poisson(this.callsPerMinute * (1 - p.cohortShare)),
      this.healthy(this.vendorRate(incident, p.restPropensity)),
    );
    // Most minutes have no fallback: skip drawing (and adding) an empty batch.
    const defaultModel =
      fallbacks === 0
        ? defaultDirect
        : sum(defaultDirect, this.calls(fallbacks, this.healthy(this.vendorRate(incident, p.fallbackPropensity))));
    return { minuteStartMs: m * 60_000, newModel, defaultModel };
  }

  private vendorRate(incident: boolean, propensity: number): number {
    return incident ? INCIDENT_ERROR_RATE : Math.min(1, this.scenario.vendorErrorRate * propensity);
  }

  private healthy(error: number): Rates {
    return { error, throttle: THROTTLE_RATE, refusal: REFUSAL_RATE, slow: this.healthySlow };
  }

  /** `n` calls' counts: errors, then throttles among the rest; refusals among answers; slow among all. */
  private calls(n: number, r: Rates): ModelMinute {
    const random = this.random;
    const modelErrors = random.binomial(n, r.error);
    const throttles = r.error >= 1 ? 0 : random.binomial(n - modelErrors, r.throttle / (1 - r.error));
    const answered = n - modelErrors - throttles;
    return {
      requests: n,
      modelErrors,
      throttles,
      moderationChecked: answered,
      moderationFlags: random.binomial(answered, r.refusal),
      latencySamples: n,
      slowCalls: random.binomial(n, r.slow),
    };
  }
}

function sum(a: ModelMinute, b: ModelMinute): ModelMinute {
  return {
    requests: a.requests + b.requests,
    modelErrors: a.modelErrors + b.modelErrors,
    throttles: a.throttles + b.throttles,
    moderationChecked: a.moderationChecked + b.moderationChecked,
    moderationFlags: a.moderationFlags + b.moderationFlags,
    latencySamples: a.latencySamples + b.latencySamples,
    slowCalls: a.slowCalls + b.slowCalls,
  };
}

function drawPopulation(plan: RunPlan, random: SeededRandom): Population {
  const users = Math.max(100, Math.round(plan.requestsPerDay / REQUESTS_PER_USER_PER_DAY));
  const share = plan.rolloutPercent / 100;
  const sd = USER_TRAFFIC_LOG_SD;
  let cohortTraffic = 0;
  let cohortErrors = 0;
  let cohortErrorsSquared = 0;
  let restTraffic = 0;
  let restErrors = 0;
  for (let u = 0; u < users; u++) {
    const traffic = Math.exp(sd * random.normal() - (sd * sd) / 2);
    const propensity = random.gamma(USER_ERROR_PROPENSITY_SHAPE) / USER_ERROR_PROPENSITY_SHAPE;
    if (random.uniform() < share) {
      cohortTraffic += traffic;
      cohortErrors += traffic * propensity;
      cohortErrorsSquared += traffic * propensity * propensity;
    } else {
      restTraffic += traffic;
      restErrors += traffic * propensity;
    }
  }
  const total = cohortTraffic + restTraffic;
  return {
    cohortShare: cohortTraffic / total,
    cohortPropensity: cohortTraffic > 0 ? cohortErrors / cohortTraffic : 1,
    restPropensity: restTraffic > 0 ? restErrors / restTraffic : 1,
    // A fallback comes from a failed call, so from a user in proportion to traffic × propensity.
    fallbackPropensity: cohortErrors > 0 ? cohortErrorsSquared / cohortErrors : 1,
  };
}
