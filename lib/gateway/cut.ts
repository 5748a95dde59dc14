/** Told when a cut is made (see Cut.watch). */
export interface CutWatcher<R extends Error = Error> {
  cutOff(reason: R): void;
}

/**
 * The gateway's own cut of a request or of one vendor call (the client gone, the deadline, a
 * stalled stream): made once, with why, and told to whoever watches it. What an AbortSignal
 * does for the gateway's code, without an EventTarget, an Event and a listener registration per
 * watcher: a request makes several, and each costs. A real AbortSignal is made only for a
 * caller that needs one (`signal`: fetch, or the SDK on any fetch but vendorFetch).
 */
export class Cut<R extends Error = Error> {
  private readonly watchers: CutWatcher<R>[] = [];
  private why?: R;
  private controller?: AbortController;

  /** Why the cut was made; undefined until it is. */
  public get reason(): R | undefined {
    return this.why;
  }

  /** Aborts, with the cut's reason, when the cut is made (aborted already if it was). */
  public get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  /** Tells `watcher` when the cut is made: at once, if it was already. */
  public watch(watcher: CutWatcher<R>): void {
    if (this.why) watcher.cutOff(this.why);
    else this.watchers.push(watcher);
  }

  public unwatch(watcher: CutWatcher<R>): void {
    const i = this.watchers.indexOf(watcher);
    if (i >= 0) this.watchers.splice(i, 1);
  }

  /**
   * Makes the cut, the first time only: the signal aborts, then the watchers are told, each of
   * them: one that throws does not keep the others from being told (as with an EventTarget's
   * listeners), and the first error is thrown once they all have been.
   */
  public cut(reason: R): void {
    if (this.why) return;
    this.why = reason;
    this.controller?.abort(reason);
    let failure: { readonly error: unknown } | undefined;
    for (const watcher of this.watchers.splice(0)) {
      try {
        watcher.cutOff(reason);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /** Nobody is told any more (what was cut is over). */
  public forget(): void {
    this.watchers.length = 0;
  }
}
