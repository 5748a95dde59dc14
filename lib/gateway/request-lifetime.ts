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

/** Told when the request is cut short (see RequestLifetime.watch). */
export interface RequestEndWatcher {
  requestEnded(why: RequestEnd): void;
}

/**
 * Ends the request's vendor calls when the client leaves or the deadline passes, and remembers
 * which of the two it was: the SDK ends an aborted stream quietly, like a finished one, so the
 * gateway has to know that it cut it, and why. A call's watch (idle-watch.ts) is told directly;
 * an AbortSignal is made only for a caller that asks for one (a pass-through's fetch): each
 * costs an EventTarget, and a request makes several.
 */
export class RequestLifetime {
  private controller?: AbortController;
  private readonly timer?: NodeJS.Timeout;
  private readonly watchers: RequestEndWatcher[] = [];
  private why?: RequestEnd;

  public constructor(
    private readonly limits: RequestLimits,
    now: () => number,
  ) {
    if (limits.clientGone?.aborted) this.end(new ClientGoneError());
    // The lifetime is the listener object (handleEvent): no closure per request.
    else limits.clientGone?.addEventListener('abort', this, { once: true });
    if (limits.deadline !== undefined && !this.why) {
      this.timer = setTimeout(() => this.end(new DeadlineExceededError()), Math.max(0, limits.deadline - now()));
    }
  }

  /** Aborts, with the RequestEnd as its reason, when the request is cut short. */
  public get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  /** Why the request was cut short, if it was. */
  public get endedBy(): RequestEnd | undefined {
    return this.why;
  }

  /** Tells `watcher` when the request is cut short (at once, if it was already). */
  public watch(watcher: RequestEndWatcher): void {
    if (this.why) watcher.requestEnded(this.why);
    else this.watchers.push(watcher);
  }

  public unwatch(watcher: RequestEndWatcher): void {
    const i = this.watchers.indexOf(watcher);
    if (i >= 0) this.watchers.splice(i, 1);
  }

  /** The request is over: no more cuts. */
  public stop(): void {
    clearTimeout(this.timer);
    this.limits.clientGone?.removeEventListener('abort', this);
    this.watchers.length = 0;
  }

  /** The client left (`limits.clientGone` aborted). */
  public handleEvent(): void {
    this.end(new ClientGoneError());
  }

  private end(why: RequestEnd): void {
    if (this.why) return;
    this.why = why;
    this.controller?.abort(why);
    for (const watcher of this.watchers.splice(0)) watcher.requestEnded(why);
  }
}
