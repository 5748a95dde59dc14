/**
 * The scheduled judge's run ran out of the time it gave itself (its deadline, a margin before
 * Lambda's timeout): a read was aborted. Named for the read, so the log says which call hung
 * instead of Lambda's bare "Task timed out". Thrown, it fails the run: nothing is published.
 */
export class JudgeDeadlineError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JudgeDeadlineError';
  }
}

/**
 * Runs `read`; if it fails once `signal` has aborted (the SDK rejects an aborted call with an
 * AbortError, and its retries stop), the failure becomes a JudgeDeadlineError naming `what`.
 * Without a signal it is just `read()`.
 */
export async function beforeDeadline<T>(
  what: string,
  signal: AbortSignal | undefined,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (signal?.aborted)
      throw new JudgeDeadlineError(`The judge ran out of time for this run while ${what}.`, { cause: err });
    throw err;
  }
}
