import { judgeGateOf, judgeLines, judgeReport } from '../../lib/cli/judge-report';
import { judgeSettingsFrom } from '../../lib/domain/judge/judge-settings';
import { judgeWindow } from '../../lib/domain/judge/judge-window';
import { WindowTally } from '../../lib/domain/judge/window-tally';
import type { JudgeEvaluation } from '../../lib/ops/judge-evaluation';
import { shippedConfig } from '../fixtures/config';
import { modelMinute } from '../helpers/judge-data';

/**
 * The incompatible-request check as `rollout status` shows it: a check entry of its own, the
 * new model's calls and refusals, no default-model calls, the observed rate and its
 * confidence bounds in percent, and the bound from judge.incompatibleRequests.maxPercent.
 */
const config = shippedConfig();
const START = Date.UTC(2026, 10, 24, 6);
const MINUTE = 60_000;

const model = modelMinute;

/** 30 minutes of canary traffic with `refusedPerMinute` of the new model's 100 calls refused. */
function evaluation(refusedPerMinute: number): JudgeEvaluation {
  const minutes = Array.from({ length: 30 }, (_, i) => ({
    minuteStartMs: START + i * MINUTE,
    newModel: model(100, { incompatibleRequests: refusedPerMinute }),
    defaultModel: model(2000),
  }));
  return {
    kind: 'judged',
    window: {
      kind: 'window',
      start: new Date(START),
      source: 'deployment',
      live: { number: 3, version: '3', label: 'canary', state: 'COMPLETE' },
      detail: 'deployment 3 (canary)',
    },
    read: { minutes, fromMs: START, toMs: START + 30 * MINUTE, clippedToRetention: false, calls: 1, queries: 16 },
    judgement: judgeWindow(WindowTally.of(START, minutes), judgeSettingsFrom(config.judge)),
  };
}

describe('the incompatible-request check in rollout status', () => {
  it('is a check entry between the comparisons and deadModel, with no default-model calls and percent figures (--json)', () => {
    const report = judgeReport(config, evaluation(3), 'canary');
    expect(report.checks.map((c) => c.name)).toEqual([
      'errorRate',
      'throttleRate',
      'refusalRate',
      'slowCallShare',
      'incompatibleRequests',
      'deadModel',
    ]);
    // Every entry keeps the status --json contract: name, verdict, new/default {calls, value}, statistic, bound.
    for (const c of report.checks) {
      expect(c).toMatchObject({
        name: expect.any(String) as string,
        verdict: expect.stringMatching(/^(pass|fail|inconclusive)$/) as string,
        new: { calls: expect.any(Number) as number },
        default: { calls: expect.any(Number) as number },
        bound: expect.any(Number) as number,
      });
      expect(c).toHaveProperty('new.value');
      expect(c).toHaveProperty('default.value');
      expect(c).toHaveProperty('statistic');
    }
    const check = report.checks.find((c) => c.name === 'incompatibleRequests');
    expect(check).toEqual({
      name: 'incompatibleRequests',
      verdict: 'fail',
      new: { calls: 3000, events: 90, value: 0.03 },
      // No default-model side (an absolute bound), in the same shape as every entry's.
      default: { calls: 0, events: 0, value: null },
      statistic: 3,
      interval: { low: expect.any(Number) as number, high: expect.any(Number) as number },
      bound: 1,
    });
    const { low, high } = (check as { interval: { low: number; high: number } }).interval;
    // 3% of 3,000 calls: the sequence at alpha holds 2.2%–4.0%, wholly above the 1% bound.
    expect(low).toBeGreaterThan(1);
    expect(low).toBeLessThan(3);
    expect(high).toBeGreaterThan(3);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.verdict).toBe('fail');
  });

  it('prints a line with the refused share, its bounds and the bound, and names it when it blocks advance', () => {
    const report = judgeReport(config, evaluation(3), 'canary');
    const lines = judgeLines(report);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}fail {9}incompatibleRequests: new 3% of 3000 refused \(between \d+\.\d+% and \d+\.\d+%\), bound 1%$/,
      ),
    );
    // The only failing check: the comparisons see the same rates on both models.
    expect(judgeGateOf(report)?.failing).toEqual([
      expect.stringMatching(
        /^incompatibleRequests: 3% of new-model calls refused, above the 1% bound with confidence \(at least \d+\.\d+%\)$/,
      ),
    ]);
  });

  it('passes a new model that refuses nothing, once its calls put the rate under the bound', () => {
    const report = judgeReport(config, evaluation(0), 'canary');
    const check = report.checks.find((c) => c.name === 'incompatibleRequests');
    expect(check).toMatchObject({ verdict: 'pass', new: { calls: 3000, events: 0, value: 0 }, statistic: 0 });
    expect(judgeLines(report)).toContainEqual(
      expect.stringMatching(
        /^ {2}pass {9}incompatibleRequests: new 0% of 3000 refused \(between 0% and 0\.\d+%\), bound 1%$/,
      ),
    );
  });
});
