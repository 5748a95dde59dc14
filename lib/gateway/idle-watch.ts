/**
 * Aborts a vendor call that has been silent for `idleMs`: no byte at all, pings included (it is
 * rearmed from the raw response body, see byte-watch.ts). The SDK ends an aborted stream
 * quietly, like a finished one, so `stalled` remembers that the gateway cut it.
 */
export class IdleWatch {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private cut = false;

  public constructor(private readonly idleMs: number) {}

  /** Pass to the SDK call so the watch can abort it. */
  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  public get stalled(): boolean {
    return this.cut;
  }

  /** Bytes arrived: the silence starts again. */
  public rearm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.cut = true;
      this.controller.abort();
    }, this.idleMs);
  }

  public stop(): void {
    clearTimeout(this.timer);
  }
}
