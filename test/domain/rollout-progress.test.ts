import type { RolloutConfig } from '../../lib/domain/config-schema';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import {
  checkAdvance,
  nextStepOf,
  type AdvanceInput,
  type AlarmReading,
  type JudgeGate,
  type LivePhase,
} from '../../lib/domain/rollout-progress';
import type { DeploymentView } from '../../lib/domain/rollback-plan';
import { TODAY, validConfigInput } from '../fixtures/config';

/**
 * The advance gates and the next-step advice, table-driven, on a config of this test's own
 * (three phases with names of their own), so nothing here leans on the shipped file's phases.
 */
function threePhaseConfig(): RolloutConfig {
  const input = validConfigInput();
  const template = input.rollout.phases[1]!;
  const phase = (name: string, rolloutPercent: number, min: number, max?: number): typeof template => ({
    ...structuredClone(template),
    name,
    rolloutPercent,
    description: `Phase ${name}.`,
    watchWindowHours: max === undefined ? { min } : { min, max },
    allowlist: [],
    clientSegments: [],
  });
  input.rollout.phases = [phase('alpha', 1, 10, 20), phase('beta', 10, 24), phase('gamma', 100, 0)];
  return parseRolloutConfig(input, { today: TODAY }).config;
}

const config = threePhaseConfig();
const NOW = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);
const phaseOf = (name: string): AdvanceInput['target'] => config.rollout.phases.find((p) => p.name === name)!;
const live = (phase: string, sinceHours?: number): LivePhase => ({
  phase,
  since: sinceHours === undefined ? undefined : hoursAgo(sinceHours),
});
const inFlight: DeploymentView = { number: 7, version: '3', label: 'beta', state: 'DEPLOYING' };
const ALARM: AlarmReading = { name: 'X/new-model-error-rate', state: 'ALARM' };
const PLANNED = { newModelCalls: 1_000, hours: 10, requestsPerDay: 2_400 };
const judged = (over: Partial<JudgeGate> = {}): JudgeGate => ({
  verdict: 'pass',
  failing: [],
  newModelCalls: 5_000,
  planned: PLANNED,
  windowStart: hoursAgo(12),
  ...over,
});

describe('checkAdvance', () => {
  const base = (over: Partial<AdvanceInput>): AdvanceInput => ({
    config,
    live: live('alpha', 12),
    alarms: [],
    rollbackAlarmFiredAt: [],
    target: phaseOf('beta'),
    now: NOW,
    ...over,
  });

  it.each<[string, Partial<AdvanceInput>, RegExp | null]>([
    ['off → first phase, nothing in the way', { live: live('off'), target: phaseOf('alpha') }, null],
    ['the live phase watched past its minimum', {}, null],
    [
      'a deployment in flight',
      { inFlight },
      /deployment #7 \(beta\) is DEPLOYING: AppConfig runs one deployment per environment/,
    ],
    [
      'inside the minimum watch window',
      { live: live('alpha', 9) },
      /alpha has been live 9\.0 h of its 10 h minimum watch window; it can advance from 2026-12-01T13:00:00\.000Z/,
    ],
    ['skipping a phase', { target: phaseOf('gamma') }, /gamma skips beta: advance one phase at a time/],
    ['to the live phase itself', { target: phaseOf('alpha') }, /alpha is already the live phase/],
    ['an alarm in ALARM now', { alarms: [ALARM] }, /alarm\(s\) in ALARM now: X\/new-model-error-rate/],
    [
      'the rollback alarm fired in the window',
      { rollbackAlarmFiredAt: [hoursAgo(3), hoursAgo(5)] },
      /the rollback alarm fired during alpha's watch window \(last at 2026-12-01T09:00:00\.000Z\)/,
    ],
    [
      'a live version that is no phase of this config',
      { live: live('canary', 100) },
      /the live flag version \(canary\) is not a phase of this config/,
    ],
    ['no time since when the phase is live', { live: live('alpha') }, /cannot tell since when alpha is live/],
    ['the judge passes with the planned sample', { judge: judged() }, null],
    [
      'an inconclusive judge alone (thin traffic) with the planned sample',
      { judge: judged({ verdict: 'inconclusive' }) },
      null,
    ],
    [
      'a failing judge check',
      { judge: judged({ verdict: 'fail', failing: ['errorRate: +2 pt'] }) },
      /^the judge fails errorRate: \+2 pt \(npx rollout status shows the evidence\)$/,
    ],
    [
      'a window short of the planned sample',
      { judge: judged({ newModelCalls: 999 }) },
      /^the judge's window \(since 2026-12-01T00:00:00\.000Z\) holds 999 new-model calls; rollout plan counted on 1000 for alpha \(10 h at 2400 requests a day\): wait for more traffic$/,
    ],
    [
      'no traffic estimate: no sample to hold the phase to',
      { judge: judged({ newModelCalls: 0, planned: undefined }) },
      null,
    ],
    [
      '--force passes the judge but never an alarm',
      { judge: judged({ verdict: 'fail', failing: ['errorRate'] }), force: true, alarms: [ALARM] },
      /alarm\(s\) in ALARM now/,
    ],
  ])('%s', (_name, over, refusal) => {
    const result = checkAdvance(base(over));
    if (refusal === null) {
      expect(result).toEqual({ ok: true, refusals: [], forced: [], notBefore: undefined });
    } else {
      expect(result.ok).toBe(false);
      expect(result.refusals).toEqual(expect.arrayContaining([expect.stringMatching(refusal)]));
    }
  });

  it('lets --force through the judge only, and says what it let through', () => {
    const result = checkAdvance(
      base({ judge: judged({ verdict: 'fail', failing: ['errorRate'], newModelCalls: 10 }), force: true }),
    );
    expect(result.ok).toBe(true);
    expect(result.refusals).toEqual([]);
    expect(result.forced).toEqual([
      expect.stringMatching(/^the judge fails errorRate/),
      expect.stringMatching(/^the judge's window .* holds 10 new-model calls/),
    ]);
  });

  it('does not ask the judge when moving back or staying', () => {
    const result = checkAdvance(
      base({ judge: judged({ verdict: 'fail', failing: ['errorRate'] }), target: phaseOf('alpha') }),
    );
    expect(result.refusals).not.toEqual(expect.arrayContaining([expect.stringMatching(/judge/)]));
  });

  it('gives the time the watch-window gate opens', () => {
    expect(checkAdvance(base({ live: live('beta', 20), target: phaseOf('gamma') })).notBefore).toEqual(hoursAgo(-4));
  });

  it('lists every refusal together', () => {
    expect(checkAdvance(base({ inFlight, live: live('alpha', 1), alarms: [ALARM] })).refusals).toHaveLength(3);
  });
});

describe('nextStepOf', () => {
  it.each<[string, LivePhase, DeploymentView | undefined, AlarmReading[], RegExp]>([
    [
      'an alarm in ALARM comes first',
      live('alpha', 12),
      inFlight,
      [ALARM],
      /^Alarm X\/new-model-error-rate is in ALARM: do not advance/,
    ],
    [
      'a deployment in flight',
      live('alpha', 12),
      inFlight,
      [],
      /^Deployment of beta is DEPLOYING: wait for it to complete/,
    ],
    [
      'a rollback settling',
      live('alpha', 12),
      { ...inFlight, state: 'ROLLING_BACK' },
      [],
      /is ROLLING_BACK: wait for it to settle/,
    ],
    [
      'the flag off',
      live('off'),
      undefined,
      [],
      /^The flag is off\. Start the rollout with npx rollout advance \(deploys alpha\)/,
    ],
    [
      'inside the minimum window',
      live('alpha', 2),
      undefined,
      [],
      /^Watch alpha until 2026-12-01T20:00:00\.000Z \(minimum 10 h\), then npx rollout advance \(beta, 10%\)/,
    ],
    [
      'past the maximum window',
      live('alpha', 30),
      undefined,
      [],
      /^alpha's watch window \(20 h\) ended 10\.0 h ago: decide now/,
    ],
    ['ready', live('alpha', 15), undefined, [], /^Ready to advance to beta \(10%\): npx rollout advance/],
    [
      'complete',
      live('gamma', 1),
      undefined,
      [],
      /^The rollout is complete \(gamma, 99% of users \(1% held back on the default model as the judge's baseline\)\)\. .*RUNBOOK\.md: After the rollout/,
    ],
    ['an unknown live version', live('canary', 1), undefined, [], /is not a phase of this config/],
  ])('%s', (_name, livePhase, flight, alarms, expected) => {
    expect(nextStepOf(config, livePhase, flight, alarms, NOW)).toMatch(expected);
  });
});
