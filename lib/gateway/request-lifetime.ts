import { Cut, type CutWatcher } from './cut';

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
  /** Made when the client has gone away. */
  readonly clientGone?: Cut<ClientGoneError>;
}

/** Told when the request is cut short (see RequestLifetime.watch). */
export type RequestEndWatcher = CutWatcher<RequestEnd>;

/**
 * Ends the request's vendor calls when the client leaves or the deadline passes, and remembers
 * which of the two it was: the SDK ends an aborted stream quietly, like a finished one, so the
 * gateway has to know that it cut it, and why. A call's watch (idle-watch.ts) is told directly
 * (cut.ts); an AbortSignal is made only for a caller that asks for one (a pass-through's fetch).
 */
export class RequestLifetime implements CutWatcher<ClientGoneError> {
  private readonly ending = new Cut<RequestEnd>();
  private readonly timer?: NodeJS.Timeout;

  public constructor(
    private readonly limits: RequestLimits,
    now: () => number,
  ) {
    limits.clientGone?.watch(this);
    if (limits.deadline !== undefined && !this.ending.reason) {
      this.timer = setTimeout(() => this.ending.cut(new DeadlineExceededError()), Math.max(0, limits.deadline - now()));
    }
  }

  /** Aborts, with the RequestEnd as its reason, when the request is cut short. */
  public get signal(): AbortSignal {
    return this.ending.signal;
  }

  /** Why the request was cut short, if it was. */
  public get endedBy(): RequestEnd | undefined {
    return this.ending.reason;
  }

  /** Tells `watcher` when the request is cut short (at once, if it was already). */
  public watch(watcher: RequestEndWatcher): void {
    this.ending.watch(watcher);
  }

  public unwatch(watcher: RequestEndWatcher): void {
    this.ending.unwatch(watcher);
  }

  /** The request is over: no more cuts. */
  public stop(): void {
    clearTimeout(this.timer);
    this.limits.clientGone?.unwatch(this);
    this.ending.forget();
  }

  /** The client left (`limits.clientGone` was made). */
  public cutOff(why: ClientGoneError): void {
    this.ending.cut(why);
  }
}
