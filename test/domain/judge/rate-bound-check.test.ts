import { checkRateBound } from '../../../lib/domain/judge/rate-bound-check';
import { rateBounds } from '../../../lib/domain/judge/rate-confidence-sequence';
import type { Verdict } from '../../../lib/domain/judge/verdict';
import { seeded } from '../../helpers/judge-data';

describe('checkRateBound: one rate against an absolute bound', () => {
  it.each<[number, number, number, Verdict, string]>([
    // [events, calls, bound (%), verdict, why]
    [0, 0, 1, 'inconclusive', 'no calls yet'],
    [0, 100, 1, 'inconclusive', 'a hundred clean calls cannot show a rate under 1% (upper end 7.2%)'],
    [0, 1000, 1, 'pass', 'a thousand clean calls: upper end 0.86%'],
    [0, 900, 1, 'pass', 'upper end 0.949% at alpha; it would be 1.025% at alpha/2: one sequence, not two'],
    [3, 1000, 1, 'inconclusive', '0.3% observed, upper end 1.6%'],
    [10, 10, 1, 'fail', 'every call refused'],
    [30, 1000, 1, 'fail', '3% observed, lower end 1.3%'],
    [40, 2000, 1, 'inconclusive', '2% observed, lower end 0.96%: above the bound, not yet with confidence'],
    [22, 1000, 0.8, 'fail', 'lower end 0.804% at alpha; it would be 0.766% at alpha/2'],
    [150, 10_000, 1, 'fail', '1.5% on ten thousand calls, lower end 1.03%'],
    [100, 10_000, 1, 'inconclusive', 'exactly at the bound'],
    [60, 10_000, 1, 'inconclusive', '0.6% observed, upper end 1.0001%: just short of a pass'],
    [50, 10_000, 1, 'pass', '0.5% observed, upper end 0.87%'],
    [10, 10, 100, 'inconclusive', 'a 100% bound is never exceeded'],
    [0, 10, 100, 'pass', 'a 100% bound passes as soon as one call is answered'],
  ])('%i of %i calls against %d% is %s (%s)', (events, trials, boundPercent, verdict) => {
    expect(checkRateBound({ events, trials }, { boundRate: boundPercent / 100, alpha: 0.01 })).toBe(verdict);
  });

  it("agrees with the sequence's own bounds at alpha everywhere on a grid (the shortcut loses nothing)", () => {
    const disagreements: string[] = [];
    for (const trials of [1, 7, 50, 333, 1000, 4000])
      for (let events = 0; events <= trials; events += Math.max(1, Math.floor(trials / 60)))
        for (const boundRate of [0.001, 0.01, 0.05, 0.3, 1]) {
          const { low, high } = rateBounds({ events, trials }, 0.01);
          const expected: Verdict = low > boundRate ? 'fail' : high < boundRate ? 'pass' : 'inconclusive';
          const got = checkRateBound({ events, trials }, { boundRate, alpha: 0.01 });
          if (got !== expected) disagreements.push(`${events}/${trials} at ${boundRate}: ${got}, not ${expected}`);
        }
    expect(disagreements).toEqual([]);
  });

  it.each([0, -0.01, 1.5, Number.NaN])('refuses a bound of %d', (boundRate) => {
    expect(() => checkRateBound({ events: 0, trials: 10 }, { boundRate, alpha: 0.01 })).toThrow(RangeError);
  });

  it('refuses counts that cannot be real', () => {
    expect(() => checkRateBound({ events: 11, trials: 10 }, { boundRate: 0.01, alpha: 0.01 })).toThrow(RangeError);
  });

  it('fails a rate exactly at the bound in ≤ alpha of windows looked at after every batch, where a fixed-sample test does not (seeded simulation)', () => {
    // The rate exactly at the bound: the edge of "no worse than the bound". 300 looks, 10
    // calls apart, in each of 1,000 windows. Both rules see the same streams; the fixed-sample
    // rule is the one-sided 95% z-test of the rate against the bound, peeked at every look.
    const random = seeded(20_261_125);
    const boundRate = 0.05;
    const alpha = 0.05;
    const runs = 1000;
    let judgeFails = 0;
    let peekingFails = 0;
    for (let run = 0; run < runs; run++) {
      const counts = { events: 0, trials: 0 };
      let judged = false;
      let peeked = false;
      for (let look = 0; look < 300 && !(judged && peeked); look++) {
        for (let call = 0; call < 10; call++) {
          counts.trials++;
          if (random() < boundRate) counts.events++;
        }
        if (!judged && checkRateBound(counts, { boundRate, alpha }) === 'fail') judged = true;
        const observed = counts.events / counts.trials;
        const se = Math.sqrt((boundRate * (1 - boundRate)) / counts.trials);
        if (!peeked && (observed - boundRate) / se > 1.645) peeked = true;
      }
      if (judged) judgeFails++;
      if (peeked) peekingFails++;
    }
    expect(judgeFails / runs).toBeLessThanOrEqual(alpha);
    // The same streams are not tame: the peeked fixed-sample test is wrong far more often.
    expect(peekingFails / runs).toBeGreaterThan(3 * alpha);
  });

  it('catches a rate at twice the bound in the same windows (the simulation above is not blind)', () => {
    const random = seeded(11);
    const boundRate = 0.05;
    let caught = 0;
    for (let run = 0; run < 200; run++) {
      const counts = { events: 0, trials: 0 };
      for (let look = 0; look < 300 && checkRateBound(counts, { boundRate, alpha: 0.05 }) !== 'fail'; look++) {
        for (let call = 0; call < 10; call++) {
          counts.trials++;
          if (random() < 2 * boundRate) counts.events++;
        }
      }
      if (checkRateBound(counts, { boundRate, alpha: 0.05 }) === 'fail') caught++;
    }
    expect(caught / 200).toBeGreaterThan(0.95);
  });
});
