/** The request's deadline passed: the gateway ends the answer itself, while it still can. */
export class DeadlineExceededError extends Error {
  public constructor(options?: ErrorOptions) {
    super('The gateway ran out of time for this request.', options);
    this.name = 'DeadlineExceededError';
  }
}

/** The client closed its connection before the answer was complete. */
export class ClientGoneError extends Error {
  public constructor(options?: ErrorOptions) {
    super('The client closed the connection.', options);
    this.name = 'ClientGoneError';
  }
}

export type RequestEnd = DeadlineExceededError | ClientGoneError;

/** How long one request may live, as the adapter that serves it knows. */
export interface RequestLimits {
  /**
   * Epoch ms by which the answer must be ended, logged and metered. Lambda sets it from
   * `getRemainingTimeInMillis()` less a margin; `rollout serve` has none.
   */
  readonly deadline?: number;
  /** Aborts when the client has gone away. */
  readonly clientGone?: AbortSignal;
}

/**
 * One signal that aborts the request's vendor calls when the client leaves or the deadline
 * passes, and remembers which of the two it was: the SDK ends an aborted stream quietly, like a
 * finished one, so the gateway has to know that it cut it, and why.
 */
export class RequestLifetime {
  private readonly controller = new AbortController();
  private readonly timer?: NodeJS.Timeout;
  private readonly onClientGone = (): void => this.end(new ClientGoneError());
  private why?: RequestEnd;

  public constructor(
    private readonly limits: RequestLimits,
    now: () => number,
  ) {
    if (limits.clientGone?.aborted) this.onClientGone();
    else limits.clientGone?.addEventListener('abort', this.onClientGone, { once: true });
    if (limits.deadline !== undefined && !this.why) {
      this.timer = setTimeout(() => this.end(new DeadlineExceededError()), Math.max(0, limits.deadline - now()));
    }
  }

  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the request was cut short, if it was. */
  public get endedBy(): RequestEnd | undefined {
    return this.why;
  }

  /** The request is over: no more cuts. */
  public stop(): void {
    clearTimeout(this.timer);
    this.limits.clientGone?.removeEventListener('abort', this.onClientGone);
  }

  private end(why: RequestEnd): void {
    if (this.why) return;
    this.why = why;
    this.controller.abort(why);
  }
}
