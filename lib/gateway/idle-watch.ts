import type { RequestEnd, RequestEndWatcher } from './request-lifetime';

/** What a watch follows for the call's other cuts: the request's lifetime (request-lifetime.ts). */
export interface RequestCuts {
  watch(watcher: RequestEndWatcher): void;
  unwatch(watcher: RequestEndWatcher): void;
}

/**
 * Aborts a vendor call that has been silent for `idleMs`: no byte at all, pings included (it is
 * rearmed from the raw response body, see byte-watch.ts). The SDK ends an aborted stream
 * quietly, like a finished one, so `stalled` remembers that the gateway cut it. The call's
 * other cuts (the client leaving, the deadline: `request`) abort the same signal, with their
 * reason: one signal per call instead of `AbortSignal.any`, which costs several times more.
 */
export class IdleWatch implements RequestEndWatcher {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  /** When the last bytes arrived (performance.now()). */
  private lastBytesAt = 0;
  private stopped = false;
  private cut = false;

  public constructor(
    private readonly idleMs: number,
    private readonly request?: RequestCuts,
  ) {
    request?.watch(this);
  }

  /** Pass to the SDK call so the watch (or the request's cuts) can abort it. */
  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  public get stalled(): boolean {
    return this.cut;
  }

  /**
   * Bytes arrived: the silence starts again. Called for every chunk of an answer, so it only
   * notes the time; the one timer, when it fires, cuts or waits out the rest of the silence
   * (instead of a new timer for every chunk).
   */
  public rearm(): void {
    if (this.stopped) return;
    this.lastBytesAt = performance.now();
    this.timer ??= setTimeout(() => this.check(), this.idleMs);
  }

  public stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.unwatch(this);
  }

  /** The request was cut short: so is the call, with the same reason. */
  public requestEnded(why: RequestEnd): void {
    if (this.stopped) return;
    this.controller.abort(why);
  }

  private check(): void {
    const silentMs = performance.now() - this.lastBytesAt;
    if (silentMs < this.idleMs) {
      // Whole milliseconds: Node keeps a timer list per distinct delay.
      this.timer = setTimeout(() => this.check(), Math.ceil(this.idleMs - silentMs));
      return;
    }
    this.cut = true;
    this.controller.abort();
  }
}
