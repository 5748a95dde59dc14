/**
 * The benchmark's statistics: quantiles as `summarize` takes them, and a bootstrap interval for
 * the difference of two samples' quantiles — how sure one run is that one gateway's p99 is
 * below another's, when both are a few requests out of thousands.
 */

/** The element at floor(q·n) of ascending `sorted` (NaN when empty). */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32): a run's intervals can be redone from its samples. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  const imul = Math.imul; // local bindings: global lookups are slow inside Jest's sandbox
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  /** The difference measured on the samples themselves. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 0.95 */
  readonly confidence?: number;
  /** @default - seededRandom(1) */
  readonly random?: () => number;
}

/**
 * Percentile bootstrap of quantile(a, q) − quantile(b, q), the two samples independent (each
 * resampled with replacement on its own). A resample's quantile is found from how often each
 * element was drawn, without sorting the resample: O(n) per resample.
 */
export function bootstrapQuantileDifference(
  a: readonly number[],
  b: readonly number[],
  q: number,
  options: BootstrapOptions = {},
): Interval {
  if (a.length === 0 || b.length === 0) throw new RangeError('bootstrapQuantileDifference needs two non-empty samples');
  if (!(q >= 0 && q < 1)) throw new RangeError(`quantile must be in [0, 1), got ${q}`);
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const random = options.random ?? seededRandom(1);
  const sortedA = [...a].sort((x, y) => x - y);
  const sortedB = [...b].sort((x, y) => x - y);
  const countsA = new Uint32Array(sortedA.length);
  const countsB = new Uint32Array(sortedB.length);
  const differences: number[] = [];
  for (let i = 0; i < resamples; i++) {
    differences.push(resampledQuantile(sortedA, countsA, q, random) - resampledQuantile(sortedB, countsB, q, random));
  }
  differences.sort((x, y) => x - y);
  const tail = (1 - confidence) / 2;
  return {
    estimate: quantileOfSorted(sortedA, q) - quantileOfSorted(sortedB, q),
    low: quantileOfSorted(differences, tail),
    high: differences[Math.max(0, Math.ceil((1 - tail) * differences.length) - 1)]!,
  };
}

/** quantileOfSorted of one resample of `sorted` (n draws with replacement); `counts` is scratch space. */
export function resampledQuantile(
  sorted: readonly number[],
  counts: Uint32Array,
  q: number,
  random: () => number,
): number {
  const n = sorted.length;
  counts.fill(0);
  // A draw's index without Math.floor: `| 0` truncates, and n is far below 2^31.
  for (let i = 0; i < n; i++) counts[(random() * n) | 0]! += 1;
  const rank = Math.min(n - 1, Math.floor(q * n));
  let seen = 0;
  for (let j = 0; j < n; j++) {
    seen += counts[j]!;
    if (seen > rank) return sorted[j]!;
  }
  return sorted[n - 1]!;
}
