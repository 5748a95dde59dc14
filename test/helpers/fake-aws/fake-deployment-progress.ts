/** A deployment strategy's shape, as the fake runs it. */
export interface StrategyTiming {
  readonly durationMinutes: number;
  readonly finalBakeMinutes: number;
  /** Percent of targets added at each linear step. */
  readonly growthFactor: number;
}

/**
 * PercentageComplete of a LINEAR deployment `elapsedMs` after it started: the first step at
 * once, one more every duration / steps, 100 at the end of the duration.
 */
export function deploymentProgress(timing: StrategyTiming, elapsedMs: number): number {
  const durationMs = timing.durationMinutes * 60_000;
  if (durationMs <= 0 || elapsedMs >= durationMs) return 100;
  const steps = Math.ceil(100 / timing.growthFactor);
  const step = Math.floor(elapsedMs / (durationMs / steps)) + 1;
  return Math.min(100, step * timing.growthFactor);
}
