import { CHECK_NAMES, type CheckName } from './check-names';
import { MinutesOutOfOrderError } from './judge-errors';
import { checkModelMinute, failedCalls, succeededCalls, type MinuteCounts, type ModelMinute } from './minute-counts';
import type { RateCounts } from './rate-confidence-sequence';

/**
 * The window's counts so far: totals per comparison check for each model, the new model's
 * incompatible requests over its calls (a check on the new model alone), and its failures
 * since its last success (the dead-model guard's input). The window starts at the phase's
 * deployment, or at the last rollback or revert — the caller says when; minutes that start
 * before it are not the phase's and are skipped, including a minute the start falls inside.
 *
 * Minutes are added in time order (the scheduled judge adds the new ones each run, or rebuilds
 * from GetMetricData with `of`). Pure module: no AWS import.
 */

/** Both models' counts for one check. */
export interface CheckCounts {
  readonly newModel: RateCounts;
  readonly defaultModel: RateCounts;
}

/** The stretch since the new model last answered a call, for the dead-model guard. */
export interface FailureStreak {
  /** Start of the streak: the minute after the last minute with a success, or the window start. */
  readonly sinceMs: number;
  /** New-model calls failed since then (a success's own minute is left out: its order within the minute is unknown). */
  readonly newModelFailures: number;
  /** The default model's calls and failures over the same minutes. */
  readonly defaultModelCalls: number;
  readonly defaultModelFailures: number;
}

interface MutableCounts {
  events: number;
  trials: number;
}

const MINUTE_MS = 60_000;

export class WindowTally {
  private readonly totals: Record<CheckName, { newModel: MutableCounts; defaultModel: MutableCounts }>;
  private readonly incompatible: MutableCounts = { events: 0, trials: 0 };
  private lastMinuteStartMs = -Infinity;
  private streak: FailureStreak;

  public constructor(public readonly windowStartMs: number) {
    this.totals = Object.fromEntries(
      CHECK_NAMES.map((name) => [name, { newModel: { events: 0, trials: 0 }, defaultModel: { events: 0, trials: 0 } }]),
    ) as WindowTally['totals'];
    this.streak = { sinceMs: windowStartMs, newModelFailures: 0, defaultModelCalls: 0, defaultModelFailures: 0 };
  }

  /** A tally of `minutes` (in time order) from `windowStartMs`. */
  public static of(windowStartMs: number, minutes: Iterable<MinuteCounts>): WindowTally {
    const tally = new WindowTally(windowStartMs);
    for (const minute of minutes) tally.add(minute);
    return tally;
  }

  public add(minute: MinuteCounts): void {
    const start = minute.minuteStartMs;
    if (!Number.isFinite(start))
      throw new MinutesOutOfOrderError(`minuteStartMs must be a time in epoch milliseconds (got ${start})`);
    if (start <= this.lastMinuteStartMs) {
      throw new MinutesOutOfOrderError(
        `minute ${new Date(start).toISOString()} came after ${new Date(this.lastMinuteStartMs).toISOString()}: add minutes once each, in time order`,
      );
    }
    checkModelMinute(minute.newModel, 'newModel');
    checkModelMinute(minute.defaultModel, 'defaultModel');
    this.lastMinuteStartMs = start;
    if (start < this.windowStartMs) return;
    const { newModel: n, defaultModel: d } = minute;
    const circuitOpen = n.circuitOpen ?? 0;
    this.count(
      'errorRate',
      n.modelErrors + circuitOpen + (n.modelRefusals ?? 0),
      n.requests + circuitOpen,
      d.modelErrors + (d.modelRefusals ?? 0),
      d.requests,
    );
    this.count('throttleRate', n.throttles, n.requests, d.throttles, d.requests);
    this.count('refusalRate', n.moderationFlags, n.moderationChecked, d.moderationFlags, d.moderationChecked);
    this.count('slowCallShare', n.slowCalls, n.latencySamples, d.slowCalls, d.latencySamples);
    // Over the calls made to the new model: open-breaker skips never reach it, so it cannot refuse them.
    this.incompatible.events += n.incompatibleRequests ?? 0;
    this.incompatible.trials += n.requests;
    this.extendStreak(start, n, d);
  }

  /** Both models' counts for `check` over the window so far. */
  public counts(check: CheckName): CheckCounts {
    const t = this.totals[check];
    return { newModel: { ...t.newModel }, defaultModel: { ...t.defaultModel } };
  }

  /** The new model's calls it refused as incompatible (the default model answered them), over its calls. */
  public incompatibleCounts(): RateCounts {
    return { ...this.incompatible };
  }

  public get failureStreak(): FailureStreak {
    return this.streak;
  }

  private count(
    check: CheckName,
    newEvents: number,
    newTrials: number,
    defaultEvents: number,
    defaultTrials: number,
  ): void {
    const t = this.totals[check];
    t.newModel.events += newEvents;
    t.newModel.trials += newTrials;
    t.defaultModel.events += defaultEvents;
    t.defaultModel.trials += defaultTrials;
  }

  private extendStreak(start: number, n: ModelMinute, d: ModelMinute): void {
    if (succeededCalls(n) > 0) {
      this.streak = { sinceMs: start + MINUTE_MS, newModelFailures: 0, defaultModelCalls: 0, defaultModelFailures: 0 };
      return;
    }
    const s = this.streak;
    this.streak = {
      sinceMs: s.sinceMs,
      newModelFailures: s.newModelFailures + failedCalls(n),
      defaultModelCalls: s.defaultModelCalls + d.requests,
      defaultModelFailures: s.defaultModelFailures + failedCalls(d),
    };
  }
}
