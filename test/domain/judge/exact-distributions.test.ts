import { binomialAtLeast, binomialPmfRange, logBinomialPmf, poissonAtLeast } from '../../../lib/domain/judge/binomial';
import { logBeta, logGamma } from '../../../lib/domain/judge/log-gamma';

/** n! as a BigInt, for exact binomial coefficients. */
function factorial(n: number): bigint {
  let out = 1n;
  for (let i = 2n; i <= BigInt(n); i++) out *= i;
  return out;
}

/** P(X ≥ k), X ~ Binomial(n, p), summed term by term with exact coefficients. */
function directAtLeast(k: number, n: number, p: number): number {
  let sum = 0;
  for (let j = k; j <= n; j++) {
    const choose = Number(factorial(n) / (factorial(j) * factorial(n - j)));
    sum += choose * p ** j * (1 - p) ** (n - j);
  }
  return sum;
}

describe('logGamma', () => {
  it.each([1, 2, 3, 5, 10, 20, 50, 170])('is ln((x−1)!) at x = %i', (x) => {
    expect(logGamma(x)).toBeCloseTo(Math.log(Number(factorial(x - 1))), 9);
  });

  it.each([
    [0.5, 0.5 * Math.log(Math.PI)],
    [1.5, Math.log(Math.sqrt(Math.PI) / 2)],
    [0.25, Math.log(3.625609908221908)],
    [1e-3, Math.log(999.4237724845955)],
  ])('matches Γ(%f) at a half-integer and small arguments', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });

  it('gives B(½, ½) = π and B(a, 1) = 1/a', () => {
    expect(Math.exp(logBeta(0.5, 0.5))).toBeCloseTo(Math.PI, 12);
    expect(Math.exp(logBeta(7, 1))).toBeCloseTo(1 / 7, 12);
  });

  it('refuses arguments outside its domain', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(Number.NaN)).toThrow(RangeError);
  });
});

describe('binomial and Poisson tails', () => {
  it.each([
    [0, 10, 0.3],
    [3, 10, 0.3],
    [7, 10, 0.3],
    [1, 40, 0.01],
    [5, 40, 0.01],
    [12, 60, 0.1],
    [60, 60, 0.9],
    [30, 60, 0.5],
  ])('P(X ≥ %i) for Binomial(%i, %f) equals the direct sum', (k, n, p) => {
    expect(binomialAtLeast(k, n, p)).toBeCloseTo(directAtLeast(k, n, p), 12);
  });

  it('keeps tails of one in a billion accurate (relative)', () => {
    const direct = directAtLeast(9, 50, 0.01);
    expect(direct).toBeLessThan(1e-8);
    expect(binomialAtLeast(9, 50, 0.01) / direct).toBeCloseTo(1, 9);
  });

  it('sums pmf to one and handles the edges', () => {
    let total = 0;
    for (let k = 0; k <= 30; k++) total += Math.exp(logBinomialPmf(k, 30, 0.17));
    expect(total).toBeCloseTo(1, 12);
    expect(binomialAtLeast(0, 5, 0.2)).toBe(1);
    expect(binomialAtLeast(6, 5, 0.2)).toBe(0);
    expect(logBinomialPmf(0, 5, 0)).toBe(0);
    expect(() => logBinomialPmf(6, 5, 0.5)).toThrow(RangeError);
  });

  it.each([
    [40, 0.01, 0, 40],
    [198_060, 0.01, 1800, 2160],
    [60, 0.7, 30, 50],
    [10, 0.3, 0, 10],
  ])('gives Binomial(%i, %f) probabilities %i…%i by recurrence, equal to the direct ones', (n, p, from, to) => {
    const range = binomialPmfRange(n, p, from, to);
    expect(range).toHaveLength(to - from + 1);
    range.forEach((value, i) => expect(value / Math.exp(logBinomialPmf(from + i, n, p))).toBeCloseTo(1, 8));
  });

  it.each([
    [1, 0.5, 1 - Math.exp(-0.5)],
    [3, 2, 1 - Math.exp(-2) * (1 + 2 + 2)],
    [5, 9.153519, 0.95],
  ])('P(Poisson ≥ %i) at mean %f', (k, mean, expected) => {
    expect(poissonAtLeast(k, mean)).toBeCloseTo(expected, 6);
  });
});
