import { Cut } from './cut';
import type { RequestEnd, RequestEndWatcher } from './request-lifetime';

/** What a watch follows for the call's other cuts: the request's lifetime (request-lifetime.ts). */
export interface RequestCuts {
  watch(watcher: RequestEndWatcher): void;
  unwatch(watcher: RequestEndWatcher): void;
}

/**
 * Cuts a vendor call that has been silent for `idleMs`: no byte at all, pings included (it is
 * rearmed from the raw response body, see byte-watch.ts). The SDK ends an aborted stream
 * quietly, like a finished one, so `stalled` remembers that the gateway cut it. The call's
 * other cuts (the client leaving, the deadline: `request`) make the same cut, with their
 * reason: one cut per call (cut.ts), which vendorFetch follows without an AbortSignal.
 */
export class IdleWatch implements RequestEndWatcher {
  /** The call's cut: give it to the call (byte-watch.ts's callWatches). */
  public readonly cut = new Cut();
  private timer?: NodeJS.Timeout;
  /** When the last bytes arrived (performance.now()). */
  private lastBytesAt = 0;
  private stopped = false;
  private silenced = false;

  public constructor(
    private readonly idleMs: number,
    private readonly request?: RequestCuts,
  ) {
    request?.watch(this);
  }

  public get stalled(): boolean {
    return this.silenced;
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
  public cutOff(why: RequestEnd): void {
    if (this.stopped) return;
    this.cut.cut(why);
  }

  private check(): void {
    const silentMs = performance.now() - this.lastBytesAt;
    if (silentMs < this.idleMs) {
      // Whole milliseconds: Node keeps a timer list per distinct delay.
      this.timer = setTimeout(() => this.check(), Math.ceil(this.idleMs - silentMs));
      return;
    }
    this.silenced = true;
    // The reason an AbortSignal aborted without one has: an AbortError, as the caller's abort gives.
    this.cut.cut(new DOMException('This operation was aborted', 'AbortError'));
  }
}
