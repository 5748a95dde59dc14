import fc from 'fast-check';
import { bucketOf } from '../../lib/domain/bucketing';
import { decideCohort, type Caller, type CohortDecision } from '../../lib/domain/cohort';
import type { FlagValue } from '../../lib/domain/flag-document';

const FLAG_KEY = 'enable_claude_haiku_4_5';

function flag(overrides: Partial<FlagValue> = {}): FlagValue {
  return { enabled: true, rolloutPercent: 1, allowlist: [], clientSegments: [], phase: 'canary', ...overrides };
}

/** A user whose bucket is below / at-or-above `percent` under FLAG_KEY (found by scanning). */
function userWhere(predicate: (bucket: number) => boolean): string {
  for (let i = 0; i < 1_000_000; i++) {
    const user = `scan-user-${i}`;
    if (predicate(bucketOf(FLAG_KEY, user))) return user;
  }
  throw new Error('no such user found');
}

const userKeyArb = fc.string({ minLength: 1, maxLength: 40 });
const percentArb = fc.integer({ min: 0, max: 100_000 }).map((steps) => steps / 1000);

describe('decideCohort', () => {
  const lowUser = userWhere((b) => b < 1);
  const highUser = userWhere((b) => b >= 50);

  describe('reasons', () => {
    it("'flag-off' when the flag is disabled, even for an allowlisted user at 100%", () => {
      const off = flag({ enabled: false, rolloutPercent: 100, allowlist: ['qa-user-1'] });
      expect(decideCohort(FLAG_KEY, off, { userKey: 'qa-user-1' })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'flag-off',
      });
      expect(decideCohort(FLAG_KEY, off, {})).toEqual<CohortDecision>({ inCohort: false, reason: 'flag-off' });
    });

    it("'no-user-key' without a user key (undefined or empty), even at 100%", () => {
      const all = flag({ rolloutPercent: 100 });
      expect(decideCohort(FLAG_KEY, all, {})).toEqual<CohortDecision>({ inCohort: false, reason: 'no-user-key' });
      expect(decideCohort(FLAG_KEY, all, { clientKey: 'internal-tools' })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'no-user-key',
      });
      expect(decideCohort(FLAG_KEY, all, { userKey: '' })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'no-user-key',
      });
    });

    it("'allowlist' for an allowlisted user", () => {
      expect(
        decideCohort(FLAG_KEY, flag({ allowlist: ['qa-user-1', 'qa-user-2'] }), { userKey: 'qa-user-2' }),
      ).toEqual<CohortDecision>({
        inCohort: true,
        reason: 'allowlist',
      });
    });

    it("'client-not-in-segment' when segments are set and the client is missing or another one", () => {
      const smoke = flag({ rolloutPercent: 100, clientSegments: ['internal-tools'], phase: 'smoke' });
      expect(decideCohort(FLAG_KEY, smoke, { userKey: lowUser })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'client-not-in-segment',
      });
      expect(decideCohort(FLAG_KEY, smoke, { userKey: lowUser, clientKey: 'billing' })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'client-not-in-segment',
      });
    });

    it("'in-percentage' for a user whose bucket is below the percentage", () => {
      expect(bucketOf(FLAG_KEY, lowUser)).toBeLessThan(1);
      expect(decideCohort(FLAG_KEY, flag({ rolloutPercent: 1 }), { userKey: lowUser })).toEqual<CohortDecision>({
        inCohort: true,
        reason: 'in-percentage',
      });
    });

    it("'outside-percentage' for a user whose bucket is at or above the percentage", () => {
      expect(decideCohort(FLAG_KEY, flag({ rolloutPercent: 1 }), { userKey: highUser })).toEqual<CohortDecision>({
        inCohort: false,
        reason: 'outside-percentage',
      });
    });

    it('a segment client is bucketed by percentage like anyone else', () => {
      const smoke = flag({ rolloutPercent: 1, clientSegments: ['internal-tools', 'docs-bot'] });
      expect(decideCohort(FLAG_KEY, smoke, { userKey: lowUser, clientKey: 'docs-bot' })).toEqual<CohortDecision>({
        inCohort: true,
        reason: 'in-percentage',
      });
      expect(decideCohort(FLAG_KEY, smoke, { userKey: highUser, clientKey: 'internal-tools' })).toEqual<CohortDecision>(
        {
          inCohort: false,
          reason: 'outside-percentage',
        },
      );
    });

    it('the bucket boundary is exclusive: a user whose bucket equals the percentage is outside', () => {
      const user = lowUser;
      const bucket = bucketOf(FLAG_KEY, user);
      expect(decideCohort(FLAG_KEY, flag({ rolloutPercent: bucket }), { userKey: user }).inCohort).toBe(false);
      expect(decideCohort(FLAG_KEY, flag({ rolloutPercent: bucket + 0.001 }), { userKey: user }).inCohort).toBe(true);
    });
  });

  describe('allowlist', () => {
    it('wins over client segments and over 0%', () => {
      const f = flag({ rolloutPercent: 0, allowlist: ['qa-user-1'], clientSegments: ['internal-tools'] });
      expect(decideCohort(FLAG_KEY, f, { userKey: 'qa-user-1' })).toEqual<CohortDecision>({
        inCohort: true,
        reason: 'allowlist',
      });
      expect(decideCohort(FLAG_KEY, f, { userKey: 'qa-user-1', clientKey: 'billing' })).toEqual<CohortDecision>({
        inCohort: true,
        reason: 'allowlist',
      });
    });

    it('matches the user key exactly (not the client key, not case-insensitively)', () => {
      const f = flag({ rolloutPercent: 0, allowlist: ['qa-user-1'] });
      expect(decideCohort(FLAG_KEY, f, { userKey: 'QA-USER-1' }).inCohort).toBe(false);
      expect(decideCohort(FLAG_KEY, f, { userKey: highUser, clientKey: 'qa-user-1' }).inCohort).toBe(false);
    });
  });

  describe('properties', () => {
    it('100% admits every keyed user (without segments)', () => {
      fc.assert(
        fc.property(userKeyArb, (userKey) => {
          expect(decideCohort(FLAG_KEY, flag({ rolloutPercent: 100 }), { userKey })).toEqual<CohortDecision>({
            inCohort: true,
            reason: 'in-percentage',
          });
        }),
        { numRuns: 500 },
      );
    });

    it('0% admits nobody but the allowlist', () => {
      fc.assert(
        fc.property(
          userKeyArb,
          fc.array(userKeyArb, { maxLength: 5 }),
          fc.option(fc.string(), { nil: undefined }),
          (userKey, allowlist, clientKey) => {
            const caller: Caller = { userKey, clientKey };
            const decision = decideCohort(FLAG_KEY, flag({ rolloutPercent: 0, allowlist }), caller);
            expect(decision.inCohort).toBe(allowlist.includes(userKey));
            if (decision.inCohort) expect(decision.reason).toBe('allowlist');
          },
        ),
        { numRuns: 500 },
      );
    });

    it('is monotone in rolloutPercent: in at p1 ⇒ in at every p2 ≥ p1', () => {
      fc.assert(
        fc.property(
          userKeyArb,
          percentArb,
          percentArb,
          fc.array(userKeyArb, { maxLength: 3 }),
          fc.constantFrom<readonly string[]>([], ['internal-tools']),
          fc.option(fc.constantFrom('internal-tools', 'billing'), { nil: undefined }),
          (userKey, a, b, allowlist, clientSegments, clientKey) => {
            const [p1, p2] = a <= b ? [a, b] : [b, a];
            const at = (rolloutPercent: number) =>
              decideCohort(FLAG_KEY, flag({ rolloutPercent, allowlist, clientSegments }), { userKey, clientKey })
                .inCohort;
            if (at(p1)) expect(at(p2)).toBe(true);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('is sticky: the same caller under the same flag always gets the same decision', () => {
      fc.assert(
        fc.property(userKeyArb, percentArb, (userKey, rolloutPercent) => {
          const f = flag({ rolloutPercent });
          const first = decideCohort(FLAG_KEY, f, { userKey });
          expect(decideCohort(FLAG_KEY, f, { userKey })).toEqual(first);
        }),
      );
    });

    it('matches bucketOf < rolloutPercent for non-allowlisted users without segments', () => {
      fc.assert(
        fc.property(userKeyArb, percentArb, (userKey, rolloutPercent) => {
          const decision = decideCohort(FLAG_KEY, flag({ rolloutPercent }), { userKey });
          expect(decision.inCohort).toBe(bucketOf(FLAG_KEY, userKey) < rolloutPercent);
          expect(decision.reason).toBe(decision.inCohort ? 'in-percentage' : 'outside-percentage');
        }),
        { numRuns: 500 },
      );
    });

    it('admits about rolloutPercent of 20,000 users', () => {
      const f = flag({ rolloutPercent: 5 });
      let admitted = 0;
      for (let i = 0; i < 20_000; i++) if (decideCohort(FLAG_KEY, f, { userKey: `u${i}` }).inCohort) admitted++;
      // Expected 1000, sd ≈ 31.
      expect(admitted).toBeGreaterThan(850);
      expect(admitted).toBeLessThan(1150);
    });
  });
});
