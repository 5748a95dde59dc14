import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import {
  formatRollbackTimeline,
  ROLLBACK_TARGET_SECONDS,
  STEP_BUDGETS,
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
