import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import { JUDGE_TIMING } from '../../lib/domain/judge/judge-invocation-timing';
import {
  formatRollbackTimeline,
  judgeRollbackTargetSeconds,
  ROLLBACK_TARGET_SECONDS,
  STEP_BUDGETS,
  worstCaseJudgeTimeToRollback,
  worstCaseTimeToRollback,
} from '../../lib/domain/time-to-rollback';
import { configWith, shippedConfig, TODAY } from '../fixtures/config';

describe('worstCaseTimeToRollback', () => {
  it('keeps the shipped config within the five-minute target', () => {
    const t = worstCaseTimeToRollback(shippedConfig());
    expect(t.stages.map((s) => [s.stage, s.seconds])).toEqual([
      ['alarm detection', 180],
      ['metric delivery and alarm evaluation', STEP_BUDGETS.metricsAndEvaluationSeconds],
      ['composite alarm to guard (EventBridge)', STEP_BUDGETS.eventBridgeSeconds],
      ['guard stops, reverts or turns the flag off', STEP_BUDGETS.guardSeconds],
      ['every gateway environment polls the new flag', 15],
      ["the gateway's flag cache expires", 1],
    ]);
    expect(t.totalSeconds).toBe(296);
    expect(t.totalSeconds).toBeLessThanOrEqual(ROLLBACK_TARGET_SECONDS);
  });

  it('grows with the alarm period, the datapoints and the agent poll interval', () => {
    const slow = configWith((c) => {
      c.alarms.periodMinutes = 5;
      c.alarms.datapointsToAlarm = 3;
      c.appConfig.agentPollIntervalSeconds = 45;
    });
    expect(worstCaseTimeToRollback(slow).stages[0]!.seconds).toBe(4 * 300);
    expect(worstCaseTimeToRollback(slow).totalSeconds).toBe(1200 + 60 + 10 + 30 + 45 + 1);
  });

  it('makes synth warn when a config misses the target', () => {
    const raw = structuredClone(shippedConfig());
    raw.alarms.periodMinutes = 5;
    const { warnings } = parseRolloutConfig(raw, { today: TODAY });
    expect(warnings).toEqual([
      expect.objectContaining({
        path: 'alarms.periodMinutes',
        value: 5,
        message: expect.stringMatching(/takes up to 1016 s to roll back \(target 300 s\)/),
      }),
    ]);
  });

  it('is the figure README prints', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(formatRollbackTimeline(worstCaseTimeToRollback(shippedConfig())));
  });
});

describe('worstCaseJudgeTimeToRollback', () => {
  it('adds settle delay, a judge interval, the run, one alarm period and the path after the composite (shipped: 926 s, within 20 min)', () => {
    const t = worstCaseJudgeTimeToRollback(shippedConfig());
    expect(t.stages.map((s) => [s.stage, s.seconds])).toEqual([
      ['judge settle delay (newest minutes left out)', JUDGE_TIMING.metricSettleSeconds],
      ['next scheduled judge run', 300],
      ['judge run', JUDGE_TIMING.runBudgetSeconds],
      ['verdict alarm period', 300],
      ['metric delivery and alarm evaluation', STEP_BUDGETS.metricsAndEvaluationSeconds],
      ['composite alarm to guard (EventBridge)', STEP_BUDGETS.eventBridgeSeconds],
      ['guard stops, reverts or turns the flag off', STEP_BUDGETS.guardSeconds],
      ['every gateway environment polls the new flag', 15],
      ["the gateway's flag cache expires", 1],
    ]);
    expect(t.totalSeconds).toBe(926);
    expect(t.totalSeconds).toBeLessThanOrEqual(judgeRollbackTargetSeconds(shippedConfig()));
    expect(judgeRollbackTargetSeconds(shippedConfig())).toBe(1200);
  });

  it('grows by two intervals per interval minute, and with the agent poll interval', () => {
    const slow = configWith((c) => {
      c.judge.intervalMinutes = 10;
      c.appConfig.agentPollIntervalSeconds = 45;
    });
    expect(worstCaseJudgeTimeToRollback(slow).totalSeconds).toBe(180 + 600 + 30 + 600 + 60 + 10 + 30 + 45 + 1);
  });

  it('is printed against judge.maxTimeToRollbackMinutes', () => {
    const config = configWith((c) => {
      c.judge.maxTimeToRollbackMinutes = 12;
    });
    expect(formatRollbackTimeline(worstCaseJudgeTimeToRollback(config), judgeRollbackTargetSeconds(config))).toMatch(
      /\| \*\*worst case\*\* \| \*\*926 s \(15\.4 min\)\*\* \| target ≤ 12 min \|$/,
    );
  });

  it('is the figure README prints beside the alarm path', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const config = shippedConfig();
    const judge = worstCaseJudgeTimeToRollback(config);
    const alarm = worstCaseTimeToRollback(config);
    const total = (t: { totalSeconds: number }): string =>
      `**${t.totalSeconds} s (${(t.totalSeconds / 60).toFixed(1)} min)**`;
    const detection = judge.stages.slice(0, 4).reduce((sum, s) => sum + s.seconds, 0);
    const after = judge.stages.slice(4).reduce((sum, s) => sum + s.seconds, 0);
    expect(after).toBe(alarm.stages.slice(1).reduce((sum, s) => sum + s.seconds, 0));
    expect(readme).toContain(
      `| **worst case** | ${total(alarm)}, target ${ROLLBACK_TARGET_SECONDS / 60} min | ${total(judge)}, target \`judge.maxTimeToRollbackMinutes\` ${judgeRollbackTargetSeconds(config) / 60} min |`,
    );
    expect(readme).toContain(`| detection | ${alarm.stages[0]!.seconds} s: `);
    expect(readme).toContain(` | ${detection} s: ${judge.stages[0]!.seconds} s settle delay`);
    expect(readme).toContain(`| alarm evaluation, guard, every gateway on the new flag | ${after} s | ${after} s |`);
  });
});
