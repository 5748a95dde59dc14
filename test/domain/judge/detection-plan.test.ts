import { binomialAtLeast, logBinomialPmf, poissonAtLeast } from '../../../lib/domain/judge/binomial';
import { smallestFailingCount } from '../../../lib/domain/judge/critical-count';
import { deadModelDetectMinutes } from '../../../lib/domain/judge/dead-model-timing';
import { detectionPower, hoursToDetect, smallestDetectableRisePoints } from '../../../lib/domain/judge/detection-power';
import {
  deadModelGuardBound,
  errorCheckFailChance,
  type FalseRollbackInputs,
} from '../../../lib/domain/judge/false-rollback-bound';
import { expectedCalls } from '../../../lib/domain/judge/phase-traffic';
import { METRICS_DELAY_MINUTES, slowShare } from '../../../lib/domain/judge/planning-assumptions';
import { compareRates } from '../../../lib/domain/judge/rate-comparison';
import { seeded } from '../../helpers/judge-data';

const check = { marginPoints: 0.25, alpha: 0.01 };

describe('smallestFailingCount', () => {
  it.each([
    [2000, { events: 1980, trials: 198_000 }],
    [83, { events: 1388, trials: 138_800 }],
    [150_000, { events: 4500, trials: 450_000 }],
    [6, { events: 14, trials: 694 }],
  ])('is the boundary of the check’s own verdicts for %i calls against %o', (trials, baseline) => {
    const c = smallestFailingCount(trials, baseline, check)!;
    expect(compareRates({ events: c, trials }, baseline, check)).toBe('fail');
    expect(compareRates({ events: c - 1, trials }, baseline, check)).not.toBe('fail');
  });

  it('is undefined when not even every call failing is enough', () => {
    expect(smallestFailingCount(1, { events: 10, trials: 1000 }, check)).toBeUndefined();
    expect(smallestFailingCount(0, { events: 10, trials: 1000 }, check)).toBeUndefined();
  });
});

describe('detection power', () => {
  const canary = { requestsPerDay: 200_000, rolloutPercent: 1 };
  const rise = { baselineRate: 0.01, newRate: 0.03, fallbackRate: 0.03 };

  it('is the exact binomial chance of reaching the check’s failing count at the last look, for a well-measured default model', () => {
    const calls = expectedCalls(canary, 24 * 60, 0.03);
    expect(calls).toEqual({ newModel: 2000, defaultModel: 198_060 });
    const c = smallestFailingCount(2000, { events: 1981, trials: 198_060 }, check)!;
    expect(detectionPower(canary, 24, rise, check)).toBeCloseTo(binomialAtLeast(c, 2000, 0.03), 2);
  });

  it('stays a lower bound of the exact sum over the default model’s count when that model serves only fallbacks', () => {
    // 100% for three days at 20,000 a day: 60,000 new-model calls, ~1,800 fallbacks with ~18 errors.
    const full = { requestsPerDay: 20_000, rolloutPercent: 100 };
    const calls = expectedCalls(full, 72 * 60, 0.03);
    let exact = 0;
    let c: number | undefined;
    for (let x0 = 0; x0 <= 80; x0++) {
      c = smallestFailingCount(calls.newModel, { events: x0, trials: calls.defaultModel }, check, c);
      if (c !== undefined)
        exact += Math.exp(logBinomialPmf(x0, calls.defaultModel, 0.01)) * binomialAtLeast(c, calls.newModel, 0.03);
    }
    const power = detectionPower(full, 72, rise, check);
    expect(exact).toBeGreaterThan(0.2);
    expect(exact).toBeLessThan(0.95);
    expect(power).toBeLessThanOrEqual(exact + 1e-12);
    expect(power).toBeGreaterThan(exact - 0.1);
  });

  it('grows with the rise and with time, and the smallest detectable rise is where it crosses 80%', () => {
    expect(detectionPower(canary, 24, { ...rise, newRate: 0.02 }, check)).toBeLessThan(
      detectionPower(canary, 24, rise, check),
    );
    expect(detectionPower(canary, 12, rise, check)).toBeLessThan(detectionPower(canary, 24, rise, check));
    const points = smallestDetectableRisePoints(canary, 24, 0.01, 0.8, check)!;
    const at = (p: number) =>
      detectionPower(canary, 24, { baselineRate: 0.01, newRate: 0.01 + p / 100, fallbackRate: 0.01 + p / 100 }, check);
    expect(at(points)).toBeGreaterThanOrEqual(0.8);
    expect(at(points - 0.01)).toBeLessThan(0.8);
  });

  it('finds the whole hours needed', () => {
    const smoke = { requestsPerDay: 200_000, rolloutPercent: 0.1 };
    const hours = hoursToDetect(smoke, rise, 0.8, check)!;
    expect(detectionPower(smoke, hours, rise, check)).toBeGreaterThanOrEqual(0.8);
    expect(detectionPower(smoke, hours - 1, rise, check)).toBeLessThan(0.8);
    expect(hoursToDetect({ requestsPerDay: 1, rolloutPercent: 0.1 }, rise, 0.8, check, 100)).toBeUndefined();
  });

  it('uses the log-normal slow-call shares', () => {
    expect(slowShare(3_000)).toBeCloseTo(0.5, 6);
    expect(slowShare(10_000)).toBeCloseTo(0.0662, 3);
    expect(slowShare(10_000, 2)).toBeCloseTo(0.2611, 3);
  });
});

describe('the false-rollback figures', () => {
  const tiny: FalseRollbackInputs = {
    traffic: { requestsPerDay: 14_400, rolloutPercent: 5 }, // half a new-model call a minute
    hours: 0.25,
    intervalMinutes: 5,
    vendorErrorRate: 0.2,
    errorCheck: { marginPoints: 2, alpha: 0.05 },
    deadModelFailedCalls: 2,
  };

  it('error check: the dynamic programme equals brute-force enumeration of every error path', () => {
    // Three looks, 2-3 calls between them: enumerate every count path.
    const looks = [5, 10, 15].map((m) => {
      const calls = expectedCalls(tiny.traffic, m, tiny.vendorErrorRate);
      return {
        calls: calls.newModel,
        threshold: smallestFailingCount(
          calls.newModel,
          { events: Math.round(calls.defaultModel * 0.2), trials: calls.defaultModel },
          tiny.errorCheck,
        ),
      };
    });
    expect(looks.some((l) => l.threshold !== undefined)).toBe(true);
    const walk = (i: number, calls: number, errors: number): number => {
      if (i === looks.length) return 0;
      const step = looks[i]!.calls - calls;
      let failed = 0;
      for (let k = 0; k <= step; k++) {
        const p = Math.exp(logBinomialPmf(k, step, 0.2));
        const count = errors + k;
        const threshold = looks[i]!.threshold;
        failed += threshold !== undefined && count >= threshold ? p : p * walk(i + 1, looks[i]!.calls, count);
      }
      return failed;
    };
    expect(errorCheckFailChance(tiny)).toBeCloseTo(walk(0, 0, 0), 12);
  });

  it('dead-model guard: the Markov chain matches a direct simulation of the guard’s counting rule', () => {
    const inputs = {
      ...tiny,
      hours: 2,
      deadModelFailedCalls: 3,
      vendorErrorRate: 0.3,
      traffic: { requestsPerDay: 1440 * 20, rolloutPercent: 2.5 },
    }; // λ = 0.5 a minute
    const random = seeded(99);
    const noCallChance = Math.exp(-0.5);
    const poisson = (): number => {
      let k = 0;
      for (let p = random(); p > noCallChance; p *= random()) k++;
      return k;
    };
    const runs = 40_000;
    let fired = 0;
    for (let run = 0; run < runs; run++) {
      let streak = 0;
      for (let minute = 0; minute < 120; minute++) {
        const calls = poisson();
        let failures = 0;
        for (let c = 0; c < calls; c++) if (random() < 0.3) failures++;
        if (failures < calls) streak = 0;
        else streak += failures;
        if (streak >= 3) {
          fired++;
          break;
        }
      }
    }
    const simulated = fired / runs;
    const exact = deadModelGuardBound(inputs);
    expect(exact).toBeGreaterThan(0.05);
    expect(Math.abs(exact - simulated)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / runs));
  });

  it('dead-model timing: the 95th percentile of the time to the k-th failure, plus closing, delay and one interval', () => {
    const minutes = deadModelDetectMinutes(0.139, 5, 5)!;
    const toFifth = minutes - 1 - METRICS_DELAY_MINUTES - 5;
    expect(poissonAtLeast(5, 0.139 * toFifth)).toBeCloseTo(0.95, 6);
    expect(deadModelDetectMinutes(0, 5, 5)).toBeUndefined();
    expect(deadModelDetectMinutes(1000, 5, 5)!).toBeCloseTo(1 + METRICS_DELAY_MINUTES + 5, 1);
  });
});
