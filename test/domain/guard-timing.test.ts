import {
  GUARD_TIMING,
  LAMBDA_ASYNC_RETRIES,
  attemptBudgetMs,
  guardDeadline,
  longestExpectedRunMs,
  tailBudgetMs,
  timeToFailurePageMs,
  workBudgetMs,
} from '../../lib/domain/guard-timing';

/**
 * The guard's waits must fit its Lambda timeout with margin: it works until its deadline
 * (remaining time less the margin), and what it does after its last deadline check must fit the
 * margin, or a run that did its job ends as a timeout and is retried for nothing.
 */
describe('guard timing arithmetic', () => {
  it('fits Lambda: the timeout is within the 900 s maximum', () => {
    expect(GUARD_TIMING.lambdaTimeoutSeconds).toBeLessThanOrEqual(900);
  });

  it('keeps a margin that covers a poll interval and the calls after the last deadline check', () => {
    expect(attemptBudgetMs()).toBe(7_000);
    expect(tailBudgetMs()).toBe(5_000 + 5 * 7_000);
    expect(GUARD_TIMING.marginMs).toBeGreaterThanOrEqual(tailBudgetMs());
  });

  it('leaves time for the longest run it should finish in one attempt: stop, rollback settles, off deployment completes', () => {
    expect(longestExpectedRunMs()).toBe(60_000 + 60_000 + 2 * 5_000 + 6 * 7_000);
    expect(workBudgetMs()).toBe(300_000 - 45_000);
    expect(workBudgetMs()).toBeGreaterThanOrEqual(longestExpectedRunMs());
  });

  it('sets the deadline at the remaining time less the margin', () => {
    const start = Date.UTC(2026, 10, 25, 12);
    expect(guardDeadline(start, 300_000)).toBe(start + 255_000);
    // Late in an invocation the deadline can already be past: the guard then throws at once.
    expect(guardDeadline(start, 10_000)).toBeLessThan(start);
  });

  it('pages through the failure destination within 18 minutes at worst (3 attempts, 1 and 2 min apart)', () => {
    expect(LAMBDA_ASYNC_RETRIES.attempts).toBe(2);
    expect(timeToFailurePageMs()).toBe(3 * 300_000 + 180_000);
  });
});
