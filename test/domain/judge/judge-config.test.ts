import { RolloutConfigError } from '../../../lib/domain/config-errors';
import { JUDGE_DEFAULTS } from '../../../lib/domain/judge/judge-config-schema';
import { judgeSettingsFrom } from '../../../lib/domain/judge/judge-settings';
import { parseRolloutConfig } from '../../../lib/domain/load-config';
import { TODAY, validConfigInput, withChange } from '../../fixtures/config';

function parse(input: unknown) {
  return parseRolloutConfig(input, { today: TODAY }).config;
}

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parse(input);
  } catch (err) {
    if (err instanceof RolloutConfigError) return err.issues.map((i) => ({ path: i.path, message: i.message }));
    throw err;
  }
  throw new Error('expected a RolloutConfigError');
}

describe('the judge section of the config', () => {
  it('is optional: without it every margin has its default', () => {
    const input = validConfigInput();
    expect('judge' in input).toBe(false);
    expect(parse(input).judge).toEqual({
      intervalMinutes: JUDGE_DEFAULTS.intervalMinutes,
      wrongVerdictPercent: JUDGE_DEFAULTS.wrongVerdictPercent,
      errorRate: { marginPoints: JUDGE_DEFAULTS.errorRateMarginPoints },
      throttleRate: { marginPoints: JUDGE_DEFAULTS.throttleRateMarginPoints },
      refusalRate: { marginPoints: JUDGE_DEFAULTS.refusalRateMarginPoints },
      latency: { slowCallMs: JUDGE_DEFAULTS.slowCallMs, marginPoints: JUDGE_DEFAULTS.slowCallMarginPoints },
      incompatibleRequests: { maxPercent: JUDGE_DEFAULTS.incompatibleRequestsMaxPercent },
      deadModel: {
        failedCalls: JUDGE_DEFAULTS.deadModelFailedCalls,
        defaultFailingPercent: JUDGE_DEFAULTS.defaultFailingPercent,
      },
      maxTimeToRollbackMinutes: JUDGE_DEFAULTS.maxTimeToRollbackMinutes,
      holdbackPercent: JUDGE_DEFAULTS.holdbackPercent,
    });
  });

  it('takes the judge path’s time-to-rollback target (default 20 minutes), > 0 and ≤ 180', () => {
    expect(JUDGE_DEFAULTS.maxTimeToRollbackMinutes).toBe(20);
    expect(
      parse(withChange((c) => Object.assign(c, { judge: { maxTimeToRollbackMinutes: 12.5 } }))).judge
        .maxTimeToRollbackMinutes,
    ).toBe(12.5);
    for (const bad of [0, -1, 181])
      expect(issuesOf(withChange((c) => Object.assign(c, { judge: { maxTimeToRollbackMinutes: bad } })))).toEqual([
        { path: 'judge.maxTimeToRollbackMinutes', message: expect.stringMatching(/must be (> 0|≤ 180) minutes/) },
      ]);
  });

  it('takes partial sections, keeping the other defaults', () => {
    const config = parse(
      withChange((c) =>
        Object.assign(c, { judge: { errorRate: { marginPoints: 1 }, latency: { slowCallMs: 20_000 } } }),
      ),
    );
    expect(config.judge.errorRate.marginPoints).toBe(1);
    expect(config.judge.latency).toEqual({ slowCallMs: 20_000, marginPoints: JUDGE_DEFAULTS.slowCallMarginPoints });
    expect(config.judge.throttleRate.marginPoints).toBe(JUDGE_DEFAULTS.throttleRateMarginPoints);
  });

  it('refuses a zero margin (a point null) with the reason', () => {
    expect(issuesOf(withChange((c) => Object.assign(c, { judge: { errorRate: { marginPoints: 0 } } })))).toEqual([
      {
        path: 'judge.errorRate.marginPoints',
        message: expect.stringMatching(/must be > 0 points: a zero margin is a point null/),
      },
    ]);
  });

  it('bounds the new model’s incompatible requests at judge.incompatibleRequests.maxPercent (default 1), > 0 and ≤ 100', () => {
    expect(JUDGE_DEFAULTS.incompatibleRequestsMaxPercent).toBe(1);
    const config = parse(withChange((c) => Object.assign(c, { judge: { incompatibleRequests: { maxPercent: 0.7 } } })));
    expect(config.judge.incompatibleRequests).toEqual({ maxPercent: 0.7 });
    expect(judgeSettingsFrom(config.judge).incompatibleMaxRate).toBeCloseTo(0.007, 12);
    expect(
      parse(withChange((c) => Object.assign(c, { judge: { incompatibleRequests: { maxPercent: 100 } } }))).judge
        .incompatibleRequests.maxPercent,
    ).toBe(100);
    const refusal = (maxPercent: unknown) =>
      issuesOf(withChange((c) => Object.assign(c, { judge: { incompatibleRequests: { maxPercent } } })));
    expect(refusal(0)).toEqual([
      {
        path: 'judge.incompatibleRequests.maxPercent',
        message: 'must be > 0 percent: a zero bound fails on the first refused request',
      },
    ]);
    expect(refusal(-1)).toEqual([
      { path: 'judge.incompatibleRequests.maxPercent', message: expect.stringMatching(/must be > 0 percent/) },
    ]);
    expect(refusal(101)).toEqual([{ path: 'judge.incompatibleRequests.maxPercent', message: 'must be ≤ 100 percent' }]);
    expect(refusal('1%')).toEqual([
      { path: 'judge.incompatibleRequests.maxPercent', message: 'must be a percentage of the new model’s calls' },
    ]);
    expect(
      issuesOf(withChange((c) => Object.assign(c, { judge: { incompatibleRequests: { maxPercentage: 1 } } }))).map(
        (i) => i.path,
      ),
    ).toEqual(['judge.incompatibleRequests.maxPercentage']);
  });

  it.each([
    [{ wrongVerdictPercent: 0 }, 'judge.wrongVerdictPercent'],
    [{ wrongVerdictPercent: 20 }, 'judge.wrongVerdictPercent'],
    [{ intervalMinutes: 0 }, 'judge.intervalMinutes'],
    [{ deadModel: { failedCalls: 1 } }, 'judge.deadModel.failedCalls'],
    [{ latency: { slowCallMs: 1.5 } }, 'judge.latency.slowCallMs'],
    [{ refusalRate: { marginPoint: 1 } }, 'judge.refusalRate.marginPoint'],
  ])('refuses %o at %s', (judge, path) => {
    expect(issuesOf(withChange((c) => Object.assign(c, { judge }))).map((i) => i.path)).toEqual([path]);
  });

  it('turns percentages into the rates the judge uses', () => {
    const settings = judgeSettingsFrom(
      parse(
        withChange((c) =>
          Object.assign(c, { judge: { wrongVerdictPercent: 2, deadModel: { defaultFailingPercent: 25 } } }),
        ),
      ).judge,
    );
    expect(settings.alpha).toBeCloseTo(0.02, 12);
    expect(settings.deadModel).toEqual({ failedCalls: 5, defaultFailingRate: 0.25 });
    expect(settings.marginPoints.slowCallShare).toBe(JUDGE_DEFAULTS.slowCallMarginPoints);
  });
});
