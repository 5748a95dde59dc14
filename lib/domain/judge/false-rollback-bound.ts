import { logBinomialPmf } from './binomial';
import { smallestFailingCount } from './critical-count';
import { expectedCalls, newModelCallsPerMinute, type PhaseTraffic } from './phase-traffic';
import type { RateComparisonSettings } from './rate-comparison';

/**
 * The chance that a healthy new model (both models at the same vendor-wide error rate) is
 * rolled back during a window, from the error check and the dead-model guard — the two that a
 * vendor-wide error rate drives. Pure module: no AWS import.
 *
 * Error check, exactly: the judge looks every `intervalMinutes`, and at each look the check
 * fails from a known count of new-model errors (asked of the check itself, with the default
 * model's counts at their expected values). The new model's error count is a sum of binomial
 * increments between looks; dynamic programming over it, removing the paths that reached a
 * look's threshold, gives the chance that any look fails. Increments are merged while no
 * threshold is within reach (a sum of binomials with one rate is binomial), and counts too
 * unlikely to matter (< 1e-16) are dropped with their mass counted as a rollback, so the
 * figure stays an upper bound.
 *
 * Dead-model guard, exactly as it counts: minute by minute, a minute with a success resets
 * the streak, a minute without one adds its failures; a Markov chain over the streak's
 * failures (Poisson calls per minute) gives the chance it ever reaches `failedCalls`. The
 * guard also holds off while the default model is failing, which only lowers it. The two
 * chances are added (a union bound).
 */
export interface FalseRollbackInputs {
  readonly traffic: PhaseTraffic;
  readonly hours: number;
  readonly intervalMinutes: number;
  readonly vendorErrorRate: number;
  readonly errorCheck: RateComparisonSettings;
  readonly deadModelFailedCalls: number;
}

const NEGLIGIBLE_MASS = 1e-16;

export function falseRollbackBound(i: FalseRollbackInputs): number {
  return Math.min(1, errorCheckFailChance(i) + deadModelGuardBound(i));
}

/** Probabilities of the counts offset, offset + 1, … */
interface CountDistribution {
  readonly offset: number;
  readonly mass: Float64Array;
}

export function errorCheckFailChance(i: FalseRollbackInputs): number {
  const rate = i.vendorErrorRate;
  // P(no look failed so far and the count is c), for the calls already folded in.
  let alive: CountDistribution = { offset: 0, mass: new Float64Array([1]) };
  let folded = 0; // new-model calls folded into `alive`
  let failed = 0;
  let threshold: number | undefined;
  for (let look = i.intervalMinutes; look <= i.hours * 60; look += i.intervalMinutes) {
    const calls = expectedCalls(i.traffic, look, rate);
    threshold = smallestFailingCount(
      calls.newModel,
      { events: Math.round(calls.defaultModel * rate), trials: calls.defaultModel },
      i.errorCheck,
      threshold,
    );
    if (threshold === undefined) continue;
    const pending = binomialWindow(calls.newModel - folded, rate);
    if (threshold > alive.offset + alive.mass.length - 1 + pending.offset + pending.mass.length - 1) continue; // out of reach
    alive = convolve(alive, pending);
    folded = calls.newModel;
    const mass = alive.mass;
    for (let j = Math.max(0, threshold - alive.offset); j < mass.length; j++) {
      failed += mass[j]!;
      mass[j] = 0;
    }
    const trimmed = trim(alive);
    failed += trimmed.dropped;
    alive = trimmed.kept;
  }
  return Math.min(1, failed);
}

export function deadModelGuardBound(i: FalseRollbackInputs): number {
  const callsPerMinute = newModelCallsPerMinute(i.traffic);
  const k = i.deadModelFailedCalls;
  const rate = i.vendorErrorRate;
  // P(a minute has no success and exactly f failures) = P(N = f)·rate^f, N ~ Poisson(λ).
  const noSuccessWith: number[] = [];
  for (let f = 0, term = Math.exp(-callsPerMinute); f < k; f++, term *= (callsPerMinute * rate) / f)
    noSuccessWith.push(term);
  const noSuccessAtAll = Math.exp(-callsPerMinute * (1 - rate));
  let streak = new Float64Array(k); // P(not fired, the streak holds s failures)
  streak[0] = 1;
  let fired = 0;
  for (let minute = 0; minute < i.hours * 60; minute++) {
    const next = new Float64Array(k);
    let alive = 0;
    for (let s = 0; s < k; s++) {
      const mass = streak[s]!;
      if (mass === 0) continue;
      alive += mass;
      for (let f = 0; s + f < k; f++) next[s + f]! += mass * noSuccessWith[f]!;
    }
    // Of the success-free mass, what did not stay below k failures has fired; the rest of the
    // mass had a success and starts over.
    let successFreeBelowK = 0;
    for (let s = 0; s < k; s++) successFreeBelowK += next[s]!;
    const reset = alive * (1 - noSuccessAtAll);
    fired += alive - successFreeBelowK - reset;
    next[0]! += reset;
    streak = next;
  }
  return Math.min(1, Math.max(0, fired));
}

/** Binomial(n, p) over the counts that matter, from its mode outwards. */
function binomialWindow(n: number, p: number): CountDistribution {
  if (n === 0 || p === 0) return { offset: 0, mass: new Float64Array([1]) };
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const atMode = Math.exp(logBinomialPmf(mode, n, p));
  const odds = p / (1 - p);
  const below: number[] = [];
  for (let j = mode, term = atMode; j > 0; j--) {
    term *= j / (n - j + 1) / odds; // P(j − 1) from P(j)
    if (term < NEGLIGIBLE_MASS * 1e-2) break;
    below.push(term);
  }
  const above: number[] = [];
  for (let j = mode, term = atMode; j < n; j++) {
    term *= ((n - j) / (j + 1)) * odds; // P(j + 1) from P(j)
    if (term < NEGLIGIBLE_MASS * 1e-2) break;
    above.push(term);
  }
  return { offset: mode - below.length, mass: Float64Array.from([...below.reverse(), atMode, ...above]) };
}

function convolve(a: CountDistribution, b: CountDistribution): CountDistribution {
  const out = new Float64Array(a.mass.length + b.mass.length - 1);
  for (let i = 0; i < a.mass.length; i++) {
    const ai = a.mass[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < b.mass.length; j++) out[i + j]! += ai * b.mass[j]!;
  }
  return { offset: a.offset + b.offset, mass: out };
}

/** Drops negligible counts at both ends. */
function trim(d: CountDistribution): { kept: CountDistribution; dropped: number } {
  let first = 0;
  let dropped = 0;
  while (first < d.mass.length - 1 && d.mass[first]! < NEGLIGIBLE_MASS) dropped += d.mass[first++]!;
  let last = d.mass.length - 1;
  while (last > first && d.mass[last]! < NEGLIGIBLE_MASS) dropped += d.mass[last--]!;
  return { kept: { offset: d.offset + first, mass: d.mass.slice(first, last + 1) }, dropped };
}
