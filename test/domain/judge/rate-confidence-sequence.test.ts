import {
  mixtureLogEvidence,
  rateBounds,
  rateLowerBound,
  rateUpperBound,
} from '../../../lib/domain/judge/rate-confidence-sequence';

/**
 * ln ∫ Bin(S; n, θ) / Bin(S; n, p) dBeta(θ; ½, ½) by quadrature: with θ = sin²φ the Beta(½, ½)
 * measure is (2/π) dφ on (0, π/2), and the integrand is smooth.
 */
function quadratureLogEvidence(events: number, trials: number, rate: number): number {
  // Local bindings: global lookups are slow inside Jest's sandbox, and this runs 40,000 times.
  const { sin, log, exp } = Math;
  const steps = 40_000;
  const h = Math.PI / 2 / steps;
  const nonEvents = trials - events;
  const atRate = events * log(rate) + nonEvents * log(1 - rate);
  // ln of Bin(S; n, θ)/Bin(S; n, p): the binomial coefficient cancels.
  const logRatio = (theta: number): number =>
    (events > 0 ? events * log(theta) : 0) + (nonEvents > 0 ? nonEvents * log(1 - theta) : 0) - atRate;
  const logs: number[] = [];
  for (let i = 0; i <= steps; i++) logs.push(logRatio(Math.min(1, sin(i * h) ** 2)));
  const max = Math.max(...logs);
  // Simpson's rule: weights 1, 4, 2, 4, …, 4, 1.
  let sum = 0;
  logs.forEach((l, i) => (sum += (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * exp(l - max)));
  return max + log(((sum * h) / 3) * (2 / Math.PI));
}

/**
 * P(∃ n ≤ horizon: the rule excludes p), for Bernoulli(p) calls, computed exactly by dynamic
 * programming over the event count, removing paths once excluded.
 */
function exactCrossingChance(
  p: number,
  horizon: number,
  excludes: (events: number, trials: number) => boolean,
): number {
  let alive = new Float64Array([1]);
  let crossed = 0;
  for (let n = 1; n <= horizon; n++) {
    const next = new Float64Array(n + 1);
    for (let s = 0; s < alive.length; s++) {
      next[s]! += alive[s]! * (1 - p);
      next[s + 1]! += alive[s]! * p;
    }
    for (let s = 0; s <= n; s++) {
      if (next[s]! > 0 && excludes(s, n)) {
        crossed += next[s]!;
        next[s] = 0;
      }
    }
    alive = next;
  }
  return crossed;
}

describe('the beta-mixture confidence sequence for a rate', () => {
  it.each([
    [0, 10, 0.05],
    [3, 10, 0.05],
    [1, 200, 0.01],
    [9, 200, 0.01],
    [40, 200, 0.3],
    [150, 2000, 0.05],
    [5, 5, 0.5],
  ])(
    'its evidence for %i events in %i calls against p = %f equals the integral of binomial likelihood ratios',
    (events, trials, rate) => {
      expect(mixtureLogEvidence({ events, trials }, rate)).toBeCloseTo(quadratureLogEvidence(events, trials, rate), 6);
    },
  );

  it.each([
    [0, 50, 0.01],
    [1, 1, 0.01],
    [3, 80, 0.005],
    [60, 2000, 0.005],
    [1980, 198_000, 0.005],
    [33, 33, 0.005],
    [109, 417, 0.005],
  ])(
    'its bounds for %i events in %i calls at alpha %f are where the evidence reaches ln(1/alpha)',
    (events, trials, alpha) => {
      const { low, high } = rateBounds({ events, trials }, alpha);
      const observed = events / trials;
      expect(low).toBeLessThanOrEqual(observed);
      expect(high).toBeGreaterThanOrEqual(observed);
      const threshold = Math.log(1 / alpha);
      if (events > 0) expect(mixtureLogEvidence({ events, trials }, low)).toBeCloseTo(threshold, 6);
      else expect(low).toBe(0);
      if (events < trials) expect(mixtureLogEvidence({ events, trials }, high)).toBeCloseTo(threshold, 6);
      else expect(high).toBe(1);
      // Just inside the bounds the rate is not excluded; just outside it is.
      if (events > 0) expect(mixtureLogEvidence({ events, trials }, low * 0.999)).toBeGreaterThan(threshold);
      if (events < trials)
        expect(mixtureLogEvidence({ events, trials }, high + (1 - high) * 0.001)).toBeGreaterThan(threshold);
      expect(rateLowerBound({ events, trials }, alpha)).toBe(low);
      expect(rateUpperBound({ events, trials }, alpha)).toBe(high);
    },
  );

  it('narrows as calls accumulate and widens as alpha shrinks', () => {
    const widths = [100, 1_000, 10_000].map((n) => {
      const b = rateBounds({ events: n / 50, trials: n }, 0.01);
      return b.high - b.low;
    });
    expect(widths[1]!).toBeLessThan(widths[0]!);
    expect(widths[2]!).toBeLessThan(widths[1]!);
    const strict = rateBounds({ events: 20, trials: 1000 }, 0.001);
    const loose = rateBounds({ events: 20, trials: 1000 }, 0.05);
    expect(strict.low).toBeLessThan(loose.low);
    expect(strict.high).toBeGreaterThan(loose.high);
  });

  it('knows nothing before the first call', () => {
    expect(rateBounds({ events: 0, trials: 0 }, 0.01)).toEqual({ low: 0, high: 1 });
  });

  it.each([
    [0.005, 0.01],
    [0.02, 0.01],
    [0.2, 0.01],
    [0.5, 0.05],
    [0.01, 0.05],
  ])(
    'excludes the true rate %f at any look with chance ≤ alpha %f (exact, every call looked at, 400 calls)',
    (p, alpha) => {
      const crossing = exactCrossingChance(
        p,
        400,
        (s, n) => mixtureLogEvidence({ events: s, trials: n }, p) >= Math.log(1 / alpha),
      );
      expect(crossing).toBeLessThanOrEqual(alpha);
      // Not vacuous: the bound is used, not a tiny fraction of it, at the rates the judge sees.
      if (p >= 0.02) expect(crossing).toBeGreaterThan(alpha / 20);
    },
  );

  it('the same exact computation catches a fixed-sample interval looked at after every call (the peeking problem)', () => {
    // A 99% Wald interval, p̂ ± 2.576·√(p̂(1−p̂)/n), is the textbook interval; looked at 400 times
    // it excludes the true rate far more often than 1%.
    const wald = (s: number, n: number): boolean => {
      const observed = s / n;
      const half = 2.576 * Math.sqrt((observed * (1 - observed)) / n);
      return 0.2 < observed - half || 0.2 > observed + half;
    };
    expect(exactCrossingChance(0.2, 400, wald)).toBeGreaterThan(0.05);
  });

  it('refuses counts that cannot be real', () => {
    expect(() => rateBounds({ events: 3, trials: 2 }, 0.01)).toThrow(RangeError);
    expect(() => rateBounds({ events: 1.5, trials: 2 }, 0.01)).toThrow(RangeError);
    expect(() => rateBounds({ events: 1, trials: 2 }, 1)).toThrow(RangeError);
  });
});
