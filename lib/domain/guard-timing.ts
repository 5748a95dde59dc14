/**
 * How long the rollback guard may work, and the arithmetic that makes its waits fit its Lambda
 * timeout. Pure, so the construct (timeout), the handler (deadline) and the tests share it.
 *
 * The guard loops — plan, act, wait — until the flag is safe or its deadline passes, then
 * throws so that Lambda retries it (twice, one and two minutes apart) before the failure
 * destination pages. The deadline is the invocation's remaining time less `marginMs`: what the
 * guard still does after its last deadline check must finish before Lambda kills it, or a run
 * that did its job could still end as a timeout.
 */
export const GUARD_TIMING = {
  /** The guard function's timeout (Lambda allows up to 900 s). */
  lambdaTimeoutSeconds: 300,
  /** Kept back from the invocation's remaining time for the work after the last deadline check. */
  marginMs: 45_000,
  /** Between two reads of a deployment that is settling. */
  pollIntervalMs: 5_000,
  /** The guard's AWS clients: one attempt never hangs longer than connection + request timeout. */
  sdk: { maxAttempts: 6, connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 },
  /** What the guard expects AppConfig to take for a rollback (ROLLING_BACK → ROLLED_BACK) to settle. */
  expectedRollbackMs: 60_000,
  /** …and for the all-at-once off deployment, which has no bake, to complete. */
  expectedOffDeploymentMs: 60_000,
} as const;

/** Lambda's asynchronous retries of a failed invocation, and its waits before them. */
export const LAMBDA_ASYNC_RETRIES = { attempts: 2, waitsMs: [60_000, 120_000] } as const;

/**
 * AWS calls after the last deadline check, each at most one attempt's budget in the normal
 * case: the poll read in progress; restoring the alarm's actions (read, enable, read again);
 * the page.
 */
export const CALLS_AFTER_DEADLINE = 5;

/** The longest one attempt of one AWS call can take before the SDK gives up on it. */
export function attemptBudgetMs(): number {
  return GUARD_TIMING.sdk.connectionTimeoutMs + GUARD_TIMING.sdk.requestTimeoutMs;
}

/** What must fit in the margin: a poll interval, then the calls after the deadline. */
export function tailBudgetMs(): number {
  return GUARD_TIMING.pollIntervalMs + CALLS_AFTER_DEADLINE * attemptBudgetMs();
}

/**
 * The longest run the guard should finish in one invocation: stop a deployment and let the
 * rollback settle, then turn the flag off and let that complete — a poll past each, and the
 * reads and writes between (list, stop, list, disable, start, list).
 */
export function longestExpectedRunMs(): number {
  const { expectedRollbackMs, expectedOffDeploymentMs, pollIntervalMs } = GUARD_TIMING;
  return expectedRollbackMs + expectedOffDeploymentMs + 2 * pollIntervalMs + 6 * attemptBudgetMs();
}

/** The time the guard may work for: the timeout less the margin. */
export function workBudgetMs(): number {
  return GUARD_TIMING.lambdaTimeoutSeconds * 1000 - GUARD_TIMING.marginMs;
}

/** The guard's deadline (epoch ms), from the invocation's start and context.getRemainingTimeInMillis(). */
export function guardDeadline(nowMs: number, remainingMs: number): number {
  return nowMs + remainingMs - GUARD_TIMING.marginMs;
}

/** From the alarm to the failure destination's page, if every attempt runs to its timeout. */
export function timeToFailurePageMs(): number {
  const attempts = 1 + LAMBDA_ASYNC_RETRIES.attempts;
  return attempts * GUARD_TIMING.lambdaTimeoutSeconds * 1000 + LAMBDA_ASYNC_RETRIES.waitsMs.reduce((a, b) => a + b, 0);
}
