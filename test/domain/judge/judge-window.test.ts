import { judgeSettingsFrom } from '../../../lib/domain/judge/judge-settings';
import { judgeWindow } from '../../../lib/domain/judge/judge-window';
import type { ModelMinute } from '../../../lib/domain/judge/minute-counts';
import { WindowTally } from '../../../lib/domain/judge/window-tally';
import { configWith, shippedConfig } from '../../fixtures/config';
import { modelMinute } from '../../helpers/judge-data';

const settings = judgeSettingsFrom(shippedConfig().judge);
const START = Date.UTC(2026, 10, 25);

const model = modelMinute;

/** `minutes` identical minutes from START. */
function tallyOf(minutes: number, newModel: ModelMinute, defaultModel: ModelMinute): WindowTally {
  return WindowTally.of(
    START,
    Array.from({ length: minutes }, (_, i) => ({ minuteStartMs: START + i * 60_000, newModel, defaultModel })),
  );
}

describe('judgeWindow', () => {
  it('fails when one check fails, naming it', () => {
    // Three days at 25%: 11.4% of the new model's calls are slow against 4.8% of the default's,
    // 6.6 points, beyond the 5-point margin.
    const j = judgeWindow(
      tallyOf(4320, model(35, { slowCalls: 4, modelErrors: 0 }), model(104, { slowCalls: 5 })),
      settings,
    );
    expect(j.verdict).toBe('fail');
    expect(j.checks.find((c) => c.verdict === 'fail')?.check).toBe('slowCallShare');
    expect(j.deadModel.dead).toBe(false);
  });

  it('passes only when every check passes', () => {
    const healthy = judgeWindow(tallyOf(4320, model(35), model(104)), settings);
    expect(healthy.checks.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(healthy.incompatible).toEqual({
      verdict: 'pass',
      counts: { events: 0, trials: 35 * 4320 },
      boundPercent: 1,
    });
    expect(healthy.verdict).toBe('pass');
    // Ten minutes' 350 clean calls cannot yet show a rate under the 1% bound: not a pass yet.
    const unsure = judgeWindow(tallyOf(10, model(35), model(104)), settings);
    expect(unsure.incompatible.verdict).toBe('inconclusive');
    expect(unsure.verdict).toBe('inconclusive');
  });

  it('is inconclusive while any check is, e.g. refusals the gateway does not count on the default model', () => {
    const j = judgeWindow(tallyOf(4320, model(35), model(104, { moderationChecked: 0 })), settings);
    expect(j.checks.find((c) => c.check === 'refusalRate')?.verdict).toBe('inconclusive');
    expect(j.verdict).toBe('inconclusive');
  });

  it('fails on a model that dies after a good start, before the error-rate check can tell', () => {
    // Smoke traffic: 200 good calls, then the model dies; five failed calls, minutes apart.
    const minutes = [
      { minuteStartMs: START, newModel: model(200), defaultModel: model(139, { modelErrors: 1 }) },
      ...[1, 2, 3, 4, 5].map((i) => ({
        minuteStartMs: START + i * 7 * 60_000,
        newModel: model(1, { modelErrors: 1 }),
        defaultModel: model(139, { modelErrors: 2 }),
      })),
    ];
    const j = judgeWindow(WindowTally.of(START, minutes), settings);
    expect(j.checks.find((c) => c.check === 'errorRate')?.verdict).toBe('inconclusive');
    expect(j.deadModel.dead).toBe(true);
    expect(j.verdict).toBe('fail');
    // Four failures are not enough.
    expect(judgeWindow(WindowTally.of(START, minutes.slice(0, 5)), settings).verdict).toBe('inconclusive');
  });

  it('fails on a new model refusing more than judge.incompatibleRequests.maxPercent of its calls, with confidence, though the comparisons pass', () => {
    // Three days at 25%: one call in 35 refused (2.9%) against the 1% bound; the default model
    // answers those, so nothing else differs.
    const j = judgeWindow(tallyOf(4320, model(35, { incompatibleRequests: 1 }), model(104)), settings);
    expect(j.checks.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(j.incompatible).toMatchObject({ verdict: 'fail', counts: { events: 4320, trials: 35 * 4320 } });
    expect(j.verdict).toBe('fail');
    // One sequence at alpha, against the bound from config: at a 5% bound the same counts pass.
    const wide = judgeSettingsFrom(configWith((c) => (c.judge.incompatibleRequests.maxPercent = 5)).judge);
    expect(judgeWindow(tallyOf(4320, model(35, { incompatibleRequests: 1 }), model(104)), wide).incompatible).toEqual({
      verdict: 'pass',
      counts: { events: 4320, trials: 35 * 4320 },
      boundPercent: 5,
    });
  });

  it('carries the margins from config', () => {
    const j = judgeWindow(tallyOf(1, model(1), model(1)), settings);
    expect(Object.fromEntries(j.checks.map((c) => [c.check, c.marginPoints]))).toEqual({
      errorRate: 0.25,
      throttleRate: 1,
      refusalRate: 0.5,
      slowCallShare: 5,
    });
  });
});
