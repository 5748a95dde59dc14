import { logGamma } from './log-gamma';

/**
 * Exact binomial and Poisson probabilities, summed in log space so that tails of one in a
 * billion and counts in the hundreds of thousands stay accurate. The plan's power and
 * false-rollback figures are tails of these distributions. Pure module: no AWS import.
 */

/** Terms below this share of the running sum no longer change a double. */
const NEGLIGIBLE = 1e-17;

/** ln P(X = k) for X ~ Binomial(n, p). */
export function logBinomialPmf(k: number, n: number, p: number): number {
  checkCount(k, n);
  if (p <= 0) return k === 0 ? 0 : -Infinity;
  if (p >= 1) return k === n ? 0 : -Infinity;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  checkCount(k, n);
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  checkCount(k, n);
  if (k <= n * p) return 1 - sumTerms((j) => logBinomialPmf(j, n, p), k - 1, -1, 0);
  return sumTerms((j) => logBinomialPmf(j, n, p), k, 1, n);
}

/** P(X ≥ k) for X ~ Poisson(mean). */
export function poissonAtLeast(k: number, mean: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  const logPmf = (j: number): number => j * Math.log(mean) - mean - logGamma(j + 1);
  if (k <= mean) return 1 - sumTerms(logPmf, k - 1, -1, 0);
  return sumTerms(logPmf, k, 1, Number.MAX_SAFE_INTEGER);
}

/**
 * P(X = j) for X ~ Binomial(n, p) and j = from … to, by the ratio recurrence outwards from the
 * value nearest the mode (one log-gamma evaluation, then a multiplication per term).
 */
export function binomialPmfRange(n: number, p: number, from: number, to: number): Float64Array {
  checkCount(from, n);
  checkCount(to, n);
  const out = new Float64Array(Math.max(0, to - from + 1));
  if (out.length === 0) return out;
  const anchor = Math.min(to, Math.max(from, Math.floor((n + 1) * p)));
  out[anchor - from] = Math.exp(logBinomialPmf(anchor, n, p));
  if (p <= 0 || p >= 1) {
    for (let j = from; j <= to; j++) out[j - from] = Math.exp(logBinomialPmf(j, n, p));
    return out;
  }
  const odds = p / (1 - p);
  for (let j = anchor; j < to; j++) out[j + 1 - from] = out[j - from]! * ((n - j) / (j + 1)) * odds;
  for (let j = anchor; j > from; j--) out[j - 1 - from] = (out[j - from]! * j) / ((n - j + 1) * odds);
  return out;
}

/**
 * Σ exp(logTerm(j)) for j = from, from + step, … up to `last`, stopping once the terms have
 * become negligible. Called only where the terms fall away from `from` (past the mode), so the
 * stop is safe.
 */
function sumTerms(logTerm: (j: number) => number, from: number, step: 1 | -1, last: number): number {
  const first = logTerm(from);
  if (first === -Infinity) return 0;
  let sum = 0;
  for (let j = from; step > 0 ? j <= last : j >= last; j += step) {
    const term = Math.exp(logTerm(j) - first);
    sum += term;
    if (term < NEGLIGIBLE * sum) break;
  }
  return Math.min(1, sum * Math.exp(first));
}

function checkCount(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n) {
    throw new RangeError(`binomial counts must be whole numbers with 0 ≤ k ≤ n (got k=${k}, n=${n})`);
  }
}
