import { compareRates, rateDifferenceBounds } from '../../../lib/domain/judge/rate-comparison';
import { rateBounds } from '../../../lib/domain/judge/rate-confidence-sequence';
import type { Verdict } from '../../../lib/domain/judge/verdict';
import { seeded } from '../../helpers/judge-data';

const settings = { marginPoints: 0.25, alpha: 0.01 };

describe('compareRates: the new model against the default model with a margin', () => {
  it.each<[number, number, number, number, Verdict, string]>([
    // [new events, new calls, default events, default calls, verdict, why]
    [0, 0, 20, 2000, 'inconclusive', 'no new-model calls yet'],
    [10, 10, 20, 2000, 'fail', 'every new-model call failed'],
    [60, 2000, 1980, 198_000, 'fail', '3% against 1% on a day of canary traffic'],
    [30, 2000, 1980, 198_000, 'inconclusive', '1.5% against 1%: above the margin, not yet with confidence'],
    [1500, 150_000, 1500, 150_000, 'pass', 'equal rates on three days of 25% traffic'],
    [1900, 150_000, 1500, 150_000, 'inconclusive', '1.27% against 1%: near the margin'],
    [2400, 150_000, 1500, 150_000, 'fail', '1.6% against 1% on three days of 25% traffic'],
    [0, 20, 0, 20, 'inconclusive', 'twenty calls each say little'],
  ])('%i/%i against %i/%i is %s (%s)', (newEvents, newTrials, defaultEvents, defaultTrials, verdict) => {
    expect(
      compareRates(
        { events: newEvents, trials: newTrials },
        { events: defaultEvents, trials: defaultTrials },
        settings,
      ),
    ).toBe(verdict);
  });

  it('agrees with the difference bounds: fail ⇔ low > margin, pass ⇔ high < margin (grid of counts)', () => {
    let checked = 0;
    for (const newTrials of [5, 50, 500, 5000]) {
      for (const defaultTrials of [5, 500, 50_000]) {
        for (const newRate of [0, 0.004, 0.01, 0.03, 0.2, 1]) {
          for (const defaultRate of [0, 0.01, 0.2]) {
            const n = { events: Math.round(newTrials * newRate), trials: newTrials };
            const d = { events: Math.round(defaultTrials * defaultRate), trials: defaultTrials };
            const bounds = rateDifferenceBounds(n, d, settings.alpha);
            const expected = bounds.low > 0.0025 ? 'fail' : bounds.high < 0.0025 ? 'pass' : 'inconclusive';
            expect({ n, d, verdict: compareRates(n, d, settings) }).toEqual({ n, d, verdict: expected });
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(216);
  });

  it('builds the difference bounds from each model’s sequence at alpha/2', () => {
    const n = { events: 60, trials: 2000 };
    const d = { events: 1980, trials: 198_000 };
    const bn = rateBounds(n, 0.005);
    const bd = rateBounds(d, 0.005);
    expect(rateDifferenceBounds(n, d, 0.01)).toEqual({ low: bn.low - bd.high, high: bn.high - bd.low });
  });

  it('fails a model within its margin in ≤ alpha of windows, looked at every minute at thin traffic, where a fixed-sample test does not (seeded simulation)', () => {
    // The new model exactly one margin (2 points) worse than the default: the edge of the null.
    // Thin canary-like traffic (≈1.4 new calls a minute), 480 minutes, a look after every
    // minute: the regime where fixed-sample tests peeked at break down. Both rules see the
    // same streams; the fixed-sample rule is the one-sided 95% z-test of the difference.
    const random = seeded(20_240_601);
    const margin = { marginPoints: 2, alpha: 0.05 };
    const runs = 200;
    let judgeFails = 0;
    let peekingFails = 0;
    for (let run = 0; run < runs; run++) {
      const n = { events: 0, trials: 0 };
      const d = { events: 0, trials: 0 };
      let judged = false;
      let peeked = false;
      for (let minute = 0; minute < 480 && !(judged && peeked); minute++) {
        for (let call = 0; call < 10; call++) {
          if (random() < 0.14) {
            n.trials++;
            if (random() < 0.05) n.events++;
          }
          d.trials++;
          if (random() < 0.03) d.events++;
        }
        if (!judged && compareRates(n, d, margin) === 'fail') judged = true;
        if (!peeked && n.trials > 0) {
          const pn = n.events / n.trials;
          const pd = d.events / d.trials;
          const se = Math.sqrt((pn * (1 - pn)) / n.trials + (pd * (1 - pd)) / d.trials);
          if (se > 0 && (pn - pd - 0.02) / se > 1.645) peeked = true;
        }
      }
      if (judged) judgeFails++;
      if (peeked) peekingFails++;
    }
    // The guarantee is ≤ 5%, allowing for sampling noise (200 runs: sd ≈ 1.5 points) …
    expect(judgeFails / runs).toBeLessThanOrEqual(0.05 + 0.035);
    // … while the same streams make the fixed-sample test fail far more often than its 5%.
    expect(peekingFails / runs).toBeGreaterThan(0.15);
  });

  it('catches the same margin-sized rise doubled (the simulation above is not blind)', () => {
    const random = seeded(7);
    const margin = { marginPoints: 2, alpha: 0.05 };
    let caught = 0;
    for (let run = 0; run < 100; run++) {
      const n = { events: 0, trials: 0 };
      const d = { events: 0, trials: 0 };
      for (let minute = 0; minute < 480 && compareRates(n, d, margin) !== 'fail'; minute++) {
        for (let call = 0; call < 10; call++) {
          if (random() < 0.14) {
            n.trials++;
            if (random() < 0.13) n.events++;
          }
          d.trials++;
          if (random() < 0.03) d.events++;
        }
      }
      if (compareRates(n, d, margin) === 'fail') caught++;
    }
    expect(caught).toBeGreaterThan(80);
  });
});
