import type { RolloutConfig } from '../lib/domain/config-schema';
import type { JudgeSettings } from '../lib/domain/judge/judge-settings';
import { judgeWindow } from '../lib/domain/judge/judge-window';
import type { MinuteCounts } from '../lib/domain/judge/minute-counts';
import { METRICS_DELAY_MINUTES } from '../lib/domain/judge/planning-assumptions';
import { WindowTally } from '../lib/domain/judge/window-tally';
import { SeededRandom } from './detection-random';
import type { Scenario } from './detection-scenarios';
import { MinuteStream } from './detection-streams';
import { TodaysErrorRateAlarm } from './detection-today';

/**
 * One benchmark cell: `runs` windows of one phase under one scenario, each stream judged by
 * the judge's real code (WindowTally, judgeWindow) every `intervalMinutes`, seeing each minute
 * METRICS_DELAY_MINUTES after it closes, and by today's alarm rule on the same minutes.
 */
export interface Cell {
  readonly scenario: Scenario;
  readonly phase: string;
  readonly rolloutPercent: number;
  readonly windowHours: number;
  readonly requestsPerDay: number;
  readonly runs: number;
  readonly seed: number;
}

/** When each rule rolled back in one run (minutes from the window start), if it did. */
export interface RunOutcome {
  readonly judgeAt?: number;
  readonly todayAt?: number;
  /** Dead model: the minute its failed calls since death reached the guard's count. */
  readonly fifthFailureMinute?: number;
  readonly deathMinute?: number;
}

export interface CellResult {
  readonly cell: Omit<Cell, 'scenario'> & { readonly scenario: string };
  readonly minutes: number;
  readonly outcomes: readonly RunOutcome[];
}

export function runCell(cell: Cell, config: RolloutConfig, settings: JudgeSettings): CellResult {
  const minutes = Math.max(1, Math.round(cell.scenario.runMinutes(cell.windowHours * 60)));
  const random = new SeededRandom(cell.seed);
  const outcomes: RunOutcome[] = [];
  for (let run = 0; run < cell.runs; run++) outcomes.push(runOnce(cell, minutes, random, config, settings));
  return { cell: { ...cell, scenario: cell.scenario.key }, minutes, outcomes };
}

function runOnce(
  cell: Cell,
  minutes: number,
  random: SeededRandom,
  config: RolloutConfig,
  settings: JudgeSettings,
): RunOutcome {
  const stream = new MinuteStream(
    cell.scenario,
    {
      requestsPerDay: cell.requestsPerDay,
      rolloutPercent: cell.rolloutPercent,
      minutes,
      slowCallMs: settings.slowCallMs,
    },
    random,
  );
  const tally = new WindowTally(0);
  const today = new TodaysErrorRateAlarm(config.alarms);
  const waiting: MinuteCounts[] = [];
  const failuresToCount = settings.deadModel.failedCalls;
  let judgeAt: number | undefined;
  let todayAt: number | undefined;
  let fifthFailureMinute: number | undefined;
  let failuresSinceDeath = 0;
  for (let m = 0; m < minutes && (judgeAt === undefined || todayAt === undefined); m++) {
    const counts = stream.minute(m);
    if (stream.deathMinute !== undefined && m >= stream.deathMinute && fifthFailureMinute === undefined) {
      failuresSinceDeath += counts.newModel.modelErrors;
      if (failuresSinceDeath >= failuresToCount) fifthFailureMinute = m;
    }
    // CloudWatch alarms evaluate a period once its data is in: the same delay as the judge's.
    if (todayAt === undefined && today.observe(counts)) todayAt = m + 1 + METRICS_DELAY_MINUTES;
    if (judgeAt !== undefined) continue;
    waiting.push(counts);
    // Minute m is readable at m + 1 + delay; the judge looks at multiples of its interval.
    const readableAt = m + 1 + METRICS_DELAY_MINUTES;
    if (readableAt % settings.intervalMinutes !== 0 || readableAt > minutes) continue;
    for (const w of waiting.splice(0)) tally.add(w);
    if (judgeWindow(tally, settings).verdict === 'fail') judgeAt = readableAt;
  }
  return { judgeAt, todayAt, fifthFailureMinute, deathMinute: stream.deathMinute };
}
