import type { CellResult, RunOutcome } from './detection-run';

/** What the report needs of one cell's runs (a few numbers, sent back from a worker). */
export interface CellSummary {
  readonly scenario: string;
  readonly phase: string;
  readonly requestsPerDay: number;
  readonly runs: number;
  readonly minutes: number;
  /** Runs the judge rolled back, and today's alarm rule. */
  readonly judgeFired: number;
  readonly todayFired: number;
  /** Median minutes from the window start to the rollback, over the runs that fired. */
  readonly judgeMedianMinutes: number | undefined;
  readonly todayMedianMinutes: number | undefined;
  /** Runs rolled back within the first hour (the latency target's horizon). */
  readonly judgeWithinHour: number;
  readonly todayWithinHour: number;
  /**
   * Dead model only. delays: the judge's minutes from the minute of the new model's 5th failed
   * call since its death to the rollback (negative when a rate check caught it first).
   * caughtInTime: runs rolled back after the death and within the target of that 5th failure
   * (or before it). rolledBackBeforeDeath: healthy-phase false rollbacks, which end the run early.
   */
  readonly deadDelay?: {
    readonly median: number;
    readonly max: number;
    readonly caughtInTime: number;
    readonly rolledBackBeforeDeath: number;
    readonly neverReachedFiveFailures: number;
  };
}

/** The dead-model target: rolled back within this many minutes of the 5th failed call. */
export const DEAD_MODEL_TARGET_MINUTES = 15;

export function summarize(result: CellResult): CellSummary {
  const { outcomes } = result;
  const judge = outcomes.filter((o) => o.judgeAt !== undefined).map((o) => o.judgeAt!);
  const today = outcomes.filter((o) => o.todayAt !== undefined).map((o) => o.todayAt!);
  return {
    scenario: result.cell.scenario,
    phase: result.cell.phase,
    requestsPerDay: result.cell.requestsPerDay,
    runs: outcomes.length,
    minutes: result.minutes,
    judgeFired: judge.length,
    todayFired: today.length,
    judgeMedianMinutes: median(judge),
    todayMedianMinutes: median(today),
    judgeWithinHour: judge.filter((m) => m <= 60).length,
    todayWithinHour: today.filter((m) => m <= 60).length,
    ...(result.cell.scenario === 'dead' ? { deadDelay: deadDelay(outcomes) } : {}),
  };
}

function deadDelay(outcomes: readonly RunOutcome[]): NonNullable<CellSummary['deadDelay']> {
  const delays: number[] = [];
  let rolledBackBeforeDeath = 0;
  let neverReachedFiveFailures = 0;
  let caughtInTime = 0;
  for (const o of outcomes) {
    if (o.judgeAt !== undefined && o.deathMinute !== undefined && o.judgeAt <= o.deathMinute) {
      rolledBackBeforeDeath++;
      continue;
    }
    if (o.fifthFailureMinute === undefined) neverReachedFiveFailures++;
    if (o.judgeAt === undefined) continue;
    if (o.fifthFailureMinute === undefined) {
      caughtInTime++; // caught before a 5th failed call ever came
      continue;
    }
    const delay = o.judgeAt - o.fifthFailureMinute;
    delays.push(delay);
    if (delay <= DEAD_MODEL_TARGET_MINUTES) caughtInTime++;
  }
  return {
    median: median(delays) ?? Number.NaN,
    max: delays.length ? Math.max(...delays) : Number.NaN,
    caughtInTime,
    rolledBackBeforeDeath,
    neverReachedFiveFailures,
  };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
