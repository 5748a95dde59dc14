import { logBeta } from './log-gamma';

/**
 * A time-uniform confidence sequence for one model's event rate (errors, throttles, refusals,
 * slow calls per call): Robbins' (1970) mixture of likelihood ratios with a Beta(½, ½) mixing
 * distribution — the conjugate "beta-binomial" boundary of Howard, Ramdas, McAuliffe and Sekhon
 * (2021). docs/DETECTION.md says why this one.
 *
 * For a true rate p, M_n(p) = ∫ Π (θ/p)^x ((1−θ)/(1−p))^(1−x) dBeta(θ; ½, ½) is a nonnegative
 * martingale with mean 1 over the calls, so by Ville's inequality P(∃ n: M_n(p) ≥ 1/α) ≤ α: the
 * set {p : M_n(p) < 1/α} holds the true rate at every look at once, with probability 1 − α,
 * however often it is looked at and at any count (no normal approximation). M_n depends on the
 * calls only through their counts, so minute sums from CloudWatch are enough.
 *
 * Beta(½, ½) (Jeffreys, Krichevsky–Trofimov) costs about ½ ln n nats wherever the rate is, so
 * one prior serves a 0.5% error rate and a 30% slow-call share alike. Pure module: no AWS import.
 */

/** Mixing distribution Beta(a, b) with a = b = ½. */
const PRIOR = 0.5;
const LOG_BETA_PRIOR = logBeta(PRIOR, PRIOR);
/** Newton stops once the boundary equation holds to within this many nats. */
const TOLERANCE_NATS = 1e-10;
const MAX_NEWTON_STEPS = 100;

/** Observed counts of one model for one check. */
export interface RateCounts {
  /** Calls with the event (errors, throttles, refusals, slow calls). */
  readonly events: number;
  /** Calls that could have had it. */
  readonly trials: number;
}

export interface RateBounds {
  readonly low: number;
  readonly high: number;
}

/** ln M_n(p): the evidence (in nats) against the rate being `rate`. */
export function mixtureLogEvidence(counts: RateCounts, rate: number): number {
  const { events, trials } = counts;
  const nonEvents = trials - events;
  if (rate <= 0) return events > 0 ? Infinity : logMarginal(events, nonEvents);
  if (rate >= 1) return nonEvents > 0 ? Infinity : logMarginal(events, nonEvents);
  return logMarginal(events, nonEvents) - events * Math.log(rate) - nonEvents * Math.log1p(-rate);
}

/**
 * The rates not excluded after these counts: the sequence holds the true rate at every look
 * with probability ≥ 1 − alpha. Convexity of ln M_n(p) makes the set an interval around the
 * observed rate.
 */
export function rateBounds(counts: RateCounts, alpha: number): RateBounds {
  checkCounts(counts);
  checkAlpha(alpha);
  const { events, trials } = counts;
  if (trials === 0) return { low: 0, high: 1 };
  const threshold = Math.log(1 / alpha);
  return {
    low: lowerBound(events, trials - events, threshold),
    high: 1 - lowerBound(trials - events, events, threshold),
  };
}

/** The lower end only (half the work, for the judge's fail test). */
export function rateLowerBound(counts: RateCounts, alpha: number): number {
  checkCounts(counts);
  checkAlpha(alpha);
  if (counts.trials === 0) return 0;
  return lowerBound(counts.events, counts.trials - counts.events, Math.log(1 / alpha));
}

/** The upper end only. */
export function rateUpperBound(counts: RateCounts, alpha: number): number {
  checkCounts(counts);
  checkAlpha(alpha);
  if (counts.trials === 0) return 1;
  return 1 - lowerBound(counts.trials - counts.events, counts.events, Math.log(1 / alpha));
}

/** ln of the mixture's marginal likelihood ratio numerator, B(½+S, ½+F) / B(½, ½). */
function logMarginal(events: number, nonEvents: number): number {
  return logBeta(PRIOR + events, PRIOR + nonEvents) - LOG_BETA_PRIOR;
}

/**
 * The smallest p with ln M(p) < threshold: the root below the observed rate of
 * g(u) = C − S·u − F·ln(1 − e^u) − threshold, u = ln p. g is convex and decreasing there, so
 * Newton converges from any start below the observed rate: from the right of the root its
 * first step lands left of it (a convex function lies above its tangents), and from the left
 * it climbs to the root without overshooting. The start is the normal-approximation guess.
 */
function lowerBound(events: number, nonEvents: number, threshold: number): number {
  if (events === 0) return 0;
  const trials = events + nonEvents;
  const observedRate = events / trials;
  const c = logMarginal(events, nonEvents) - threshold;
  const observed = Math.log(observedRate);
  // The observed rate is always inside: M(p̂) ≤ 1 < 1/α (p̂ maximises the likelihood).
  const z = Math.sqrt(2 * threshold + Math.log(trials));
  const guess = observedRate - z * Math.sqrt((observedRate * (1 - observedRate) + 1 / trials) / trials);
  let u = guess > 0 ? Math.log(guess) : Math.min(observed, c / events) - 1;
  let value = boundaryGap(u, c, events, nonEvents);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const e = Math.exp(u);
    const slope = -events + (nonEvents > 0 ? (nonEvents * e) / (1 - e) : 0);
    u -= value / slope;
    value = boundaryGap(u, c, events, nonEvents);
    if (Math.abs(value) < TOLERANCE_NATS) break;
  }
  return Math.exp(u);
}

/** g(u) = C − S·u − F·ln(1 − e^u): ln M(e^u) − ln(1/α). (A plain function: it runs in the judge's hot loop.) */
function boundaryGap(u: number, c: number, events: number, nonEvents: number): number {
  return c - events * u - (nonEvents > 0 ? nonEvents * Math.log1p(-Math.exp(u)) : 0);
}

function checkCounts(counts: RateCounts): void {
  const { events, trials } = counts;
  if (!Number.isInteger(events) || !Number.isInteger(trials) || events < 0 || events > trials) {
    throw new RangeError(`counts must be whole numbers with 0 ≤ events ≤ trials (got ${events} of ${trials})`);
  }
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (got ${alpha})`);
}
