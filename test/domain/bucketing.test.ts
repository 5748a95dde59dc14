import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { bucketIndexOf, bucketOf } from '../../lib/domain/bucketing';
import { BUCKETS } from '../../lib/domain/percent';

const FLAG_KEY = 'enable_claude_haiku_4_5';

/** Flag keys as the config allows them (FLAG_KEY_PATTERN). */
const flagKeyArb = fc.stringMatching(/^[a-z][a-zA-Z\d_-]{0,63}$/);
/** User keys: anything a client may send as metadata.user_id or x-user-id. */
const userKeyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 64 }),
  fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }),
  fc.uuid(),
);
/** A rollout percentage in steps of 0.001, as the config allows. */
const percentArb = fc.integer({ min: 0, max: BUCKETS }).map((steps) => steps / 1000);

/** The bucket computed independently of the product code, from the documented algorithm. */
function referenceIndex(flagKey: string, userKey: string): number {
  const hex = createHash('sha256').update(`${flagKey}.${userKey}`, 'utf8').digest('hex');
  return Number(BigInt(`0x${hex.slice(0, 12)}`) % BigInt(BUCKETS));
}

/** 100,000 distinct user keys, as an application might send them. */
const USERS: readonly string[] = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe('bucketOf / bucketIndexOf', () => {
  it('has 100,000 buckets', () => {
    expect(BUCKETS).toBe(100_000);
  });

  it('bucketIndexOf is an integer in [0, 100000) and bucketOf is that index in steps of 0.001, in [0, 100)', () => {
    fc.assert(
      fc.property(flagKeyArb, userKeyArb, (flagKey, userKey) => {
        const index = bucketIndexOf(flagKey, userKey);
        const bucket = bucketOf(flagKey, userKey);
        expect(Number.isInteger(index)).toBe(true);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(BUCKETS);
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(100);
        // At most 3 decimals: the value is exactly the decimal with 3 places.
        expect(Number(bucket.toFixed(3))).toBe(bucket);
        expect(Math.round(bucket * 1000)).toBe(index);
        expect(bucket).toBe(index / 1000);
      }),
      { numRuns: 500 },
    );
  });

  it('follows the documented algorithm (first 48 bits of SHA-256 of "flagKey.userKey", mod 100,000)', () => {
    fc.assert(
      fc.property(flagKeyArb, userKeyArb, (flagKey, userKey) => {
        expect(bucketIndexOf(flagKey, userKey)).toBe(referenceIndex(flagKey, userKey));
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same inputs give the same bucket on every call', () => {
    fc.assert(
      fc.property(flagKeyArb, userKeyArb, (flagKey, userKey) => {
        const first = bucketOf(flagKey, userKey);
        for (let i = 0; i < 3; i++) expect(bucketOf(flagKey, userKey)).toBe(first);
        expect(bucketIndexOf(flagKey, userKey)).toBe(bucketIndexOf(flagKey, userKey));
      }),
    );
  });

  it('is sticky across module instances (another Lambda environment computes the same bucket)', () => {
    let fresh: typeof bucketOf | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fresh = (require('../../lib/domain/bucketing') as { bucketOf: typeof bucketOf }).bucketOf;
    });
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(bucketOf);
    for (const user of USERS.slice(0, 1000)) expect(fresh?.(FLAG_KEY, user)).toBe(bucketOf(FLAG_KEY, user));
  });

  it('is pinned: known users keep their buckets across releases', () => {
    // Changing these reshuffles every cohort mid-rollout; it must never happen silently.
    // Values computed independently: printf 'flag.user' | sha256sum, first 12 hex digits mod 100000.
    const pinned: ReadonlyArray<readonly [string, string, number]> = [
      [FLAG_KEY, 'qa-user-1', 92.809],
      [FLAG_KEY, 'user-0', 60.102],
      [FLAG_KEY, 'user-42', 24.771],
      ['other_flag', 'user-42', 59.024],
    ];
    for (const [flagKey, userKey, bucket] of pinned) expect(bucketOf(flagKey, userKey)).toBe(bucket);
  });

  it('is monotone: for any user and p1 ≤ p2, bucket < p1 implies bucket < p2', () => {
    fc.assert(
      fc.property(flagKeyArb, userKeyArb, percentArb, percentArb, (flagKey, userKey, a, b) => {
        const [p1, p2] = a <= b ? [a, b] : [b, a];
        const bucket = bucketOf(flagKey, userKey);
        if (bucket < p1) expect(bucket < p2).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('a percentage of k steps admits exactly the bucket indices below k (no floating-point off-by-one)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BUCKETS }), fc.integer({ min: 0, max: BUCKETS - 1 }), (steps, index) => {
        const percent = steps / 1000;
        const bucket = index / 1000;
        expect(bucket < percent).toBe(index < steps);
      }),
      { numRuns: 2000 },
    );
    // Boundaries of the shipped phases, exhaustively around each edge.
    for (const percent of [0.1, 1, 5, 25, 100]) {
      const steps = Math.round(percent * 1000);
      for (let index = Math.max(0, steps - 3); index < Math.min(BUCKETS, steps + 3); index++) {
        expect(index / 1000 < percent).toBe(index < steps);
      }
    }
  });

  describe('uniformity over 100,000 user keys', () => {
    const buckets = USERS.map((u) => bucketOf(FLAG_KEY, u));

    it.each([
      [0.1, 0.05],
      [1, 0.2],
      [10, 0.5],
      [25, 0.8],
      [50, 1],
    ])('the share of users below %p% is within ±%p points', (percent, tolerance) => {
      const share = (100 * buckets.filter((b) => b < percent).length) / buckets.length;
      expect(Math.abs(share - percent)).toBeLessThanOrEqual(tolerance);
    });

    it('passes a chi-square test over 100 equal bins', () => {
      const bins = new Array<number>(100).fill(0);
      for (const b of buckets) bins[Math.floor(b)] = (bins[Math.floor(b)] ?? 0) + 1;
      const expected = buckets.length / 100;
      const chiSquare = bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 99 degrees of freedom: mean 99, sd ≈ 14. 160 is p < 1e-4; a broken hash lands in the thousands.
      expect(chiSquare).toBeLessThan(160);
      // Suspiciously perfect would mean the buckets are not hash-like (e.g. a counter).
      expect(chiSquare).toBeGreaterThan(50);
    });

    it('passes a chi-square test over 1,000 fine bins (the 0.1% smoke phase granularity)', () => {
      const bins = new Array<number>(1000).fill(0);
      for (const b of buckets) {
        const i = Math.floor(b * 10);
        bins[i] = (bins[i] ?? 0) + 1;
      }
      const expected = buckets.length / 1000;
      const chiSquare = bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 999 degrees of freedom: mean 999, sd ≈ 45.
      expect(chiSquare).toBeLessThan(1250);
      expect(chiSquare).toBeGreaterThan(750);
    });

    it('has a mean near 50 and uses the whole range', () => {
      const mean = buckets.reduce((s, b) => s + b, 0) / buckets.length;
      expect(Math.abs(mean - 50)).toBeLessThan(0.5);
      expect(Math.min(...buckets)).toBeLessThan(0.01);
      expect(Math.max(...buckets)).toBeGreaterThan(99.99);
    });
  });

  describe('the flag key salts the bucket', () => {
    function correlation(xs: readonly number[], ys: readonly number[]): number {
      const n = xs.length;
      const mx = xs.reduce((s, x) => s + x, 0) / n;
      const my = ys.reduce((s, y) => s + y, 0) / n;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < n; i++) {
        const dx = (xs[i] ?? 0) - mx;
        const dy = (ys[i] ?? 0) - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
      }
      return sxy / Math.sqrt(sxx * syy);
    }

    it('two flag keys order the same 100,000 users independently (correlation ≈ 0)', () => {
      const users = USERS;
      const a = users.map((u) => bucketOf(FLAG_KEY, u));
      const b = users.map((u) => bucketOf('enable_some_other_model', u));
      // sd of r for independent samples ≈ 1/√n ≈ 0.003.
      expect(Math.abs(correlation(a, b))).toBeLessThan(0.015);
      // The 10% cohorts of two rollouts overlap like independent draws: ≈ 1% of users, not 10%.
      const both = users.filter((_, i) => (a[i] ?? 100) < 10 && (b[i] ?? 100) < 10).length;
      expect(Math.abs((100 * both) / users.length - 1)).toBeLessThan(0.2);
    });

    it('for any two distinct flag keys, the buckets are uncorrelated', () => {
      const users = USERS.slice(0, 2000);
      fc.assert(
        fc.property(flagKeyArb, flagKeyArb, (k1, k2) => {
          fc.pre(k1 !== k2);
          const r = correlation(
            users.map((u) => bucketOf(k1, u)),
            users.map((u) => bucketOf(k2, u)),
          );
          // sd ≈ 0.022: 0.13 is ~6 sd.
          expect(Math.abs(r)).toBeLessThan(0.13);
        }),
        { numRuns: 25 },
      );
    });

    it("changes a given user's bucket with the flag key", () => {
      const moved = USERS.slice(0, 1000).filter(
        (u) => bucketIndexOf(FLAG_KEY, u) !== bucketIndexOf('enable_other', u),
      ).length;
      expect(moved).toBeGreaterThan(990);
    });
  });
});
