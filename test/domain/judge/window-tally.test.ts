import { InvalidMinuteCountsError, MinutesOutOfOrderError } from '../../../lib/domain/judge/judge-errors';
import type { MinuteCounts, ModelMinute } from '../../../lib/domain/judge/minute-counts';
import { WindowTally } from '../../../lib/domain/judge/window-tally';
import { modelMinute } from '../../helpers/judge-data';

const START = Date.UTC(2026, 10, 25, 10, 0);
const MINUTE = 60_000;

const model = modelMinute;

function minute(offset: number, newModel: ModelMinute, defaultModel: ModelMinute = model(100)): MinuteCounts {
  return { minuteStartMs: START + offset * MINUTE, newModel, defaultModel };
}

describe('WindowTally', () => {
  it('sums each check for each model, counting open-breaker skips and model-wide refusals as new-model errors', () => {
    const tally = WindowTally.of(START, [
      minute(
        0,
        model(10, {
          modelErrors: 1,
          throttles: 2,
          circuitOpen: 3,
          modelRefusals: 1,
          moderationChecked: 7,
          moderationFlags: 1,
          slowCalls: 4,
        }),
        model(100, { modelErrors: 2, throttles: 1, slowCalls: 9 }),
      ),
      minute(1, model(5, { modelErrors: 1 }), model(90, { moderationChecked: 0 })),
    ]);
    expect(tally.counts('errorRate')).toEqual({
      newModel: { events: 1 + 3 + 1 + 1, trials: 15 + 3 },
      defaultModel: { events: 2, trials: 190 },
    });
    expect(tally.counts('throttleRate')).toEqual({
      newModel: { events: 2, trials: 15 },
      defaultModel: { events: 1, trials: 190 },
    });
    expect(tally.counts('refusalRate')).toEqual({
      newModel: { events: 1, trials: 12 },
      defaultModel: { events: 0, trials: 100 },
    });
    expect(tally.counts('slowCallShare')).toEqual({
      newModel: { events: 4, trials: 15 },
      defaultModel: { events: 9, trials: 190 },
    });
  });

  it('counts the new model’s incompatible requests over the calls made to it, within the window only', () => {
    const tally = WindowTally.of(START + 30_000, [
      minute(0, model(8, { incompatibleRequests: 8 })),
      // Open-breaker skips never reach the model: they are not calls it could refuse.
      minute(1, model(10, { incompatibleRequests: 2, circuitOpen: 5 }), model(100, { incompatibleRequests: 100 })),
      minute(2, model(6)),
    ]);
    expect(tally.incompatibleCounts()).toEqual({ events: 2, trials: 16 });
    expect(new WindowTally(START).incompatibleCounts()).toEqual({ events: 0, trials: 0 });
  });

  it('skips minutes that start before the window, including the one the start falls inside', () => {
    const start = START + 30_000; // a rollback at 10:00:30
    const tally = WindowTally.of(start, [
      minute(-1, model(9, { modelErrors: 9 })),
      minute(0, model(8, { modelErrors: 8 })),
      minute(1, model(4)),
    ]);
    expect(tally.counts('errorRate').newModel).toEqual({ events: 0, trials: 4 });
    expect(tally.failureStreak.newModelFailures).toBe(0);
  });

  it('keeps the new model’s failures since its last success, leaving that minute out', () => {
    const tally = new WindowTally(START);
    tally.add(minute(0, model(3, { modelErrors: 2 }), model(100, { modelErrors: 1 })));
    expect(tally.failureStreak).toEqual({
      sinceMs: START + MINUTE,
      newModelFailures: 0,
      defaultModelCalls: 0,
      defaultModelFailures: 0,
    });
    tally.add(minute(1, model(2, { modelErrors: 1, throttles: 1 }), model(100, { modelErrors: 3 })));
    tally.add(minute(2, model(0), model(50)));
    tally.add(minute(3, model(1, { modelRefusals: 1 }), model(100, { throttles: 2 })));
    expect(tally.failureStreak).toEqual({
      sinceMs: START + MINUTE,
      newModelFailures: 3,
      defaultModelCalls: 250,
      defaultModelFailures: 5,
    });
    tally.add(minute(4, model(4, { modelErrors: 3 })));
    expect(tally.failureStreak.newModelFailures).toBe(0);
    expect(tally.failureStreak.sinceMs).toBe(START + 5 * MINUTE);
  });

  it('counts from the window start when the new model has not succeeded yet', () => {
    const tally = WindowTally.of(START, [
      minute(0, model(2, { modelErrors: 2 })),
      minute(1, model(1, { throttles: 1 })),
    ]);
    expect(tally.failureStreak).toMatchObject({ sinceMs: START, newModelFailures: 3 });
  });

  it('counts requests the new model refused (a retired id, no access) as failures for the dead-model guard', () => {
    const tally = WindowTally.of(START, [
      minute(0, model(3, { incompatibleRequests: 3 })),
      minute(1, model(2, { incompatibleRequests: 1, modelErrors: 1 })),
    ]);
    expect(tally.failureStreak).toMatchObject({ sinceMs: START, newModelFailures: 5 });
  });

  it('refuses minutes out of order or twice', () => {
    const tally = WindowTally.of(START, [minute(2, model(1))]);
    expect(() => tally.add(minute(2, model(1)))).toThrow(MinutesOutOfOrderError);
    expect(() => tally.add(minute(1, model(1)))).toThrow(/add minutes once each, in time order/);
    expect(() => tally.add({ ...minute(3, model(1)), minuteStartMs: Number.NaN })).toThrow(MinutesOutOfOrderError);
  });

  it.each([
    [model(2, { modelErrors: 2, throttles: 1 }), /exceed requests/],
    [model(2, { requests: -1 }), /requests must be a whole number/],
    [model(2, { slowCalls: 1.5 }), /slowCalls must be a whole number/],
    [model(2, { moderationFlags: 3 }), /moderationFlags \(3\) exceed moderationChecked/],
    [model(2, { slowCalls: 3 }), /slowCalls \(3\) exceed latencySamples/],
    [model(2, { incompatibleRequests: 3 }), /incompatibleRequests \(3\) exceed requests \(2\)/],
    [model(2, { incompatibleRequests: 0.5 }), /incompatibleRequests must be a whole number/],
  ])('refuses counts that cannot be real: %o', (bad, message) => {
    expect(() => WindowTally.of(START, [minute(0, bad)])).toThrow(InvalidMinuteCountsError);
    expect(() => WindowTally.of(START, [minute(0, model(1), bad)])).toThrow(message);
  });
});
