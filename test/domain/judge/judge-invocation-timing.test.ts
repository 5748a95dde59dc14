import {
  JUDGE_TIMING,
  JudgeIntervalError,
  judgeInvocationTiming,
} from '../../../lib/domain/judge/judge-invocation-timing';

describe('judgeInvocationTiming', () => {
  it.each([
    // interval (min), timeout (s), lateness budget (s), max event age (s), scheduler retries
    [1, 30, 30, 60, 0],
    [2, 60, 60, 60, 2],
    [3, 90, 90, 90, 2],
    [5, 120, 180, 180, 2],
    [10, 120, 480, 480, 2],
    [60, 120, 3480, 3480, 2],
  ])(
    'every %i min: timeout %i s, lateness %i s, max event age %i s, %i retries',
    (interval, timeout, late, age, retries) => {
      expect(judgeInvocationTiming(interval)).toEqual({
        intervalSeconds: interval * 60,
        timeoutSeconds: timeout,
        latenessBudgetSeconds: late,
        maxEventAgeSeconds: age,
        schedulerRetryAttempts: retries,
      });
    },
  );

  it('never lets a retried delivery overlap the next run, for every interval the config allows', () => {
    for (let interval = 1; interval <= 60; interval++) {
      const t = judgeInvocationTiming(interval);
      expect([interval, t.timeoutSeconds <= Math.min(JUDGE_TIMING.maxRunSeconds, t.intervalSeconds / 2)]).toEqual([
        interval,
        true,
      ]);
      // AWS accepts 60 s to 1 day for both Scheduler's and Lambda's maximum event age.
      expect(t.maxEventAgeSeconds).toBeGreaterThanOrEqual(60);
      expect(t.maxEventAgeSeconds).toBeLessThanOrEqual(86_400);
      if (t.schedulerRetryAttempts > 0)
        expect([interval, t.maxEventAgeSeconds + t.timeoutSeconds]).toEqual([interval, t.intervalSeconds]);
    }
  });

  it.each([0, 1.5, 61, Number.NaN])('refuses an interval of %s minutes', (interval) => {
    expect(() => judgeInvocationTiming(interval)).toThrow(JudgeIntervalError);
  });
});
