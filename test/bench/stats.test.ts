import { bootstrapQuantileDifference, quantileOfSorted, resampledQuantile, seededRandom } from '../../bench/stats';

/** A latency-like sample: a body around `base` and a tail, from a seeded generator. */
function sample(n: number, base: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => base + -Math.log(1 - random()) * 2);
}

describe('quantileOfSorted', () => {
  it('takes the element at floor(q·n), as summarize does', () => {
    const sorted = Array.from({ length: 200 }, (_, i) => i);
    expect(quantileOfSorted(sorted, 0.99)).toBe(198);
    expect(quantileOfSorted(sorted, 0.5)).toBe(100);
    expect(quantileOfSorted([], 0.5)).toBeNaN();
  });
});

describe('seededRandom', () => {
  it('gives the same numbers for the same seed, in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs).size).toBe(1000);
    expect(seededRandom(8)()).not.toBe(seededRandom(7)());
  });
});

describe('resampledQuantile', () => {
  it('is the quantile of the sorted resample, drawn with the same numbers', () => {
    const sorted = sample(500, 20, 3).sort((x, y) => x - y);
    for (const q of [0, 0.5, 0.9, 0.99]) {
      const draws = seededRandom(11);
      const again = seededRandom(11);
      const naive = Array.from({ length: sorted.length }, () => sorted[Math.floor(again() * sorted.length)]!).sort(
        (x, y) => x - y,
      );
      expect(resampledQuantile(sorted, new Uint32Array(sorted.length), q, draws)).toBe(quantileOfSorted(naive, q));
    }
  });
});

describe('bootstrapQuantileDifference', () => {
  it('brackets zero for two samples of one distribution', () => {
    const interval = bootstrapQuantileDifference(sample(3000, 25, 1), sample(3000, 25, 2), 0.99);
    expect(interval.low).toBeLessThan(0);
    expect(interval.high).toBeGreaterThan(0);
    expect(Math.abs(interval.estimate)).toBeLessThan(1.5);
  });

  it('places a shift of the whole distribution, with zero outside the interval', () => {
    const a = sample(3000, 25, 1);
    const b = sample(3000, 30, 2);
    const interval = bootstrapQuantileDifference(a, b, 0.99);
    expect(interval.high).toBeLessThan(0);
    expect(interval.low).toBeGreaterThan(-8);
    expect(interval.low).toBeLessThan(interval.estimate);
    expect(interval.high).toBeGreaterThan(interval.estimate);
  });

  it('is reproducible: the same samples and seed give the same interval', () => {
    const a = sample(1000, 25, 1);
    const b = sample(1000, 26, 2);
    expect(bootstrapQuantileDifference(a, b, 0.99)).toEqual(bootstrapQuantileDifference(a, b, 0.99));
    expect(bootstrapQuantileDifference(a, b, 0.99, { random: seededRandom(2) })).not.toEqual(
      bootstrapQuantileDifference(a, b, 0.99),
    );
  });

  it('narrows as the samples grow', () => {
    const width = (n: number): number => {
      const i = bootstrapQuantileDifference(sample(n, 25, 1), sample(n, 25, 2), 0.99);
      return i.high - i.low;
    };
    expect(width(6000)).toBeLessThan(width(500));
  });

  it('cuts (1 − confidence) / 2 of the resamples off each end', () => {
    const a = sample(2000, 25, 1);
    const b = sample(2000, 25, 2);
    const all = bootstrapQuantileDifference(a, b, 0.99, { confidence: 0.999999 });
    const wide = bootstrapQuantileDifference(a, b, 0.99);
    const narrow = bootstrapQuantileDifference(a, b, 0.99, { confidence: 0.5 });
    expect(all.low).toBeLessThan(wide.low);
    expect(all.high).toBeGreaterThan(wide.high);
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
  });

  it('names what was wrong with its input', () => {
    expect(() => bootstrapQuantileDifference([], [1], 0.99)).toThrow('two non-empty samples');
    expect(() => bootstrapQuantileDifference([1], [1], 1)).toThrow('quantile must be in [0, 1), got 1');
  });
});
