export interface CircuitBreakerOptions {
  /** Consecutive failures, within `windowMs`, that open the breaker. */
  readonly failureThreshold: number;
  readonly windowMs: number;
  /** How long the breaker stays open before letting calls through again. */
  readonly cooldownMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Stops sending the cohort to a failing new model for a cool-down (per Lambda environment),
 * so users do not each pay a failed call plus a fallback while the vendor is down. After the
 * cool-down calls go through again; one failure re-opens it, one success closes it.
 */
export class CircuitBreaker {
  /** Times of the current run of failures (no success since), within the window. */
  private failureTimes: number[] = [];
  private openUntil = 0;
  private halfOpen = false;
  private readonly now: () => number;

  public constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when a call may go to the protected model now. */
  public allowsCall(): boolean {
    if (this.openUntil === 0) return true;
    if (this.now() < this.openUntil) return false;
    this.halfOpen = true;
    return true;
  }

  public get isOpen(): boolean {
    return this.openUntil !== 0 && this.now() < this.openUntil;
  }

  public recordSuccess(): void {
    this.failureTimes = [];
    this.openUntil = 0;
    this.halfOpen = false;
  }

  public recordFailure(): void {
    const now = this.now();
    if (this.halfOpen) {
      this.open(now);
      return;
    }
    this.failureTimes = this.failureTimes.filter((t) => now - t <= this.options.windowMs);
    this.failureTimes.push(now);
    if (this.failureTimes.length >= this.options.failureThreshold) this.open(now);
  }

  private open(now: number): void {
    this.openUntil = now + this.options.cooldownMs;
    this.halfOpen = false;
    this.failureTimes = [];
  }
}
