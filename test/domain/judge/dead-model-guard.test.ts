import { findDeadModel } from '../../../lib/domain/judge/dead-model-guard';
import type { FailureStreak } from '../../../lib/domain/judge/window-tally';

const settings = { failedCalls: 5, defaultFailingRate: 0.1 };

function streak(newModelFailures: number, defaultModelCalls: number, defaultModelFailures: number): FailureStreak {
  return { sinceMs: 0, newModelFailures, defaultModelCalls, defaultModelFailures };
}

describe('the dead-model guard', () => {
  it.each([
    [streak(4, 500, 5), false, 'four failures are not yet five'],
    [streak(5, 500, 5), true, 'five failures while the default model fails 1%'],
    [streak(5, 0, 0), true, 'five failures and no default calls (at 100% it only serves fallbacks)'],
    [streak(40, 500, 49), true, 'the default model just under its failing rate'],
    [streak(40, 500, 50), false, 'the default model failing 10%: the vendor is down, not the new model'],
    [streak(5, 10, 10), false, 'both models failing every call'],
  ])('%o → dead: %s (%s)', (s, dead) => {
    expect(findDeadModel(s, settings).dead).toBe(dead);
  });

  it('reports the default model’s failure rate over the streak', () => {
    expect(findDeadModel(streak(5, 400, 8), settings).defaultFailureRate).toBeCloseTo(0.02, 12);
    expect(findDeadModel(streak(5, 0, 0), settings).defaultFailureRate).toBeUndefined();
  });

  it('follows its settings', () => {
    expect(findDeadModel(streak(3, 100, 1), { failedCalls: 3, defaultFailingRate: 0.5 }).dead).toBe(true);
    expect(findDeadModel(streak(9, 100, 20), { failedCalls: 3, defaultFailingRate: 0.2 }).dead).toBe(false);
  });
});
