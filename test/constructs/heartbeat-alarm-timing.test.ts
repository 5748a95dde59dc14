import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { shippedConfig } from '../fixtures/config';
import { evaluateAlarm, fill, row, type AlarmRule, type Datapoint } from '../helpers/cloudwatch-alarm-rule';

/**
 * When the judge's heartbeat alarm pages, by CloudWatch's documented rule for missing data
 * (test/helpers/cloudwatch-alarm-rule.ts), on the alarm exactly as synthesized.
 *
 * Time is counted in judge intervals (= the alarm's period). Each scheduled run's heartbeat
 * lands in its own interval, a little after the interval starts (run time plus EMF lag). Whether
 * CloudWatch counts the interval holding "now" before it completes is not documented, so both
 * readings are evaluated: `current` (the newest period is the one just begun, its run not landed
 * yet: the reading that could page early) and `complete` (the newest period is the last one
 * that ended: the reading that pages late).
 */

type Reading = 'current' | 'complete';

interface HeartbeatAlarm {
  readonly rule: AlarmRule;
  /** Whether the alarm reads FILL(heartbeat, 0) rather than the raw metric. */
  readonly filled: boolean;
  /** Periods CloudWatch retrieves: the doc's evaluation range for 3 evaluation periods of 5 minutes. */
  readonly range: number;
}

function synthesizedHeartbeatAlarm(): HeartbeatAlarm {
  const t = Template.fromStack(
    new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', {
      config: shippedConfig(),
    }),
  );
  const found = Object.values(
    t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'LlmModelRollout/judge-heartbeat' } }),
  );
  expect(found).toHaveLength(1);
  const p = (found[0] as { Properties: Record<string, unknown> }).Properties;
  expect([p.ComparisonOperator, p.Threshold]).toEqual(['LessThanThreshold', 1]);
  const treatMissingData = p.TreatMissingData;
  if (treatMissingData !== 'breaching' && treatMissingData !== 'notBreaching')
    throw new Error(`TreatMissingData ${String(treatMissingData)} is not evaluated here`);
  let period: unknown = p.Period;
  let filled = false;
  if (p.Metrics !== undefined) {
    const metrics = p.Metrics as Array<{
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string }; Period: number; Stat: string };
    }>;
    const stat = metrics.find((m) => m.MetricStat)!;
    const expression = metrics.find((m) => m.Expression !== undefined)!;
    expect(metrics).toHaveLength(2);
    expect(stat).toMatchObject({
      ReturnData: false,
      MetricStat: { Metric: { MetricName: 'JudgeHeartbeat' }, Stat: 'Sum' },
    });
    expect(expression.Expression).toBe(`FILL(${stat.Id}, 0)`);
    expect(expression.ReturnData).not.toBe(false);
    period = stat.MetricStat!.Period;
    filled = true;
  } else {
    expect([p.MetricName, p.Statistic]).toEqual(['JudgeHeartbeat', 'Sum']);
  }
  const evaluationPeriods = p.EvaluationPeriods as number;
  // The doc's worked examples: period 5 minutes, Evaluation Periods 3, "5 is the evaluation range".
  if (period !== 300 || evaluationPeriods !== 3)
    throw new Error('the evaluation range is documented for 3 periods of 5 minutes only');
  return {
    rule: {
      evaluationPeriods,
      datapointsToAlarm: (p.DatapointsToAlarm as number | undefined) ?? evaluationPeriods,
      treatMissingData,
      breaches: (v) => v < 1,
    },
    filled,
    range: 5,
  };
}

/**
 * The alarm's state at the start of interval `t`, when `beats(i)` heartbeats landed in
 * interval i (for i < t; interval t's run has not landed yet).
 */
function stateAt(alarm: HeartbeatAlarm, beats: (i: number) => number, t: number, reading: Reading) {
  const newest = reading === 'current' ? t : t - 1;
  const raw: Datapoint[] = [];
  for (let i = newest - alarm.range + 1; i <= newest; i++) {
    const n = i < t ? beats(i) : 0;
    raw.push(n > 0 ? n : undefined);
  }
  return evaluateAlarm(alarm.filled ? fill(raw, 0) : raw, alarm.rule);
}

/** Intervals from the last run to the first evaluation in ALARM, for a judge that ran every interval up to interval 0. */
function intervalsToPageAfterLastRun(alarm: HeartbeatAlarm, reading: Reading): number {
  const beats = (i: number): number => (i <= 0 ? 1 : 0);
  for (let t = 1; t < 50; t++) if (stateAt(alarm, beats, t, reading) === 'ALARM') return t;
  throw new Error('never pages');
}

const heartbeat = synthesizedHeartbeatAlarm();

describe('CloudWatch missing-data rule (the evaluator reproduces the doc tables)', () => {
  const rule = (datapointsToAlarm: number, treatMissingData: AlarmRule['treatMissingData']): AlarmRule => ({
    evaluationPeriods: 3,
    datapointsToAlarm,
    treatMissingData,
    breaches: (v) => v >= 1,
  });
  it.each([
    ['0 - X - X', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK'],
    ['- - - - -', 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM'],
  ])('3 of 3: %s → breaching %s, not breaching %s', (points, breaching, notBreaching) => {
    expect(evaluateAlarm(row(points), rule(3, 'breaching'))).toBe(breaching);
    expect(evaluateAlarm(row(points), rule(3, 'notBreaching'))).toBe(notBreaching);
  });
  it.each([
    ['0 - X - X', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM'],
    ['0 - X - -', 'ALARM', 'OK'],
    ['- - - - 0', 'ALARM', 'OK'],
  ])('2 of 3: %s → breaching %s, not breaching %s', (points, breaching, notBreaching) => {
    expect(evaluateAlarm(row(points), rule(2, 'breaching'))).toBe(breaching);
    expect(evaluateAlarm(row(points), rule(2, 'notBreaching'))).toBe(notBreaching);
  });
  it('the old heartbeat shape (raw metric, 2 of 3, missing breaching) stays OK with two real beats in range', () => {
    const old: AlarmRule = { ...rule(2, 'breaching'), breaches: (v) => v < 1 };
    expect(evaluateAlarm([1, 1, undefined, undefined, undefined], old)).toBe('OK');
    expect(evaluateAlarm([1, undefined, undefined, undefined, undefined], old)).toBe('ALARM');
  });
});

describe('the judge heartbeat alarm as synthesized', () => {
  it('reads FILL(heartbeat, 0), so every interval in range is a real datapoint', () => {
    expect(heartbeat.filled).toBe(true);
  });

  it.each<[Reading, number]>([
    ['current', 3],
    ['complete', 4],
  ])(
    'pages a stopped judge after two missed runs (%s interval reading: %i intervals after the last run)',
    (reading, n) => {
      expect(intervalsToPageAfterLastRun(heartbeat, reading)).toBe(n);
    },
  );

  it.each<Reading>(['current', 'complete'])('is in ALARM at first deploy, before any run (%s reading)', (reading) => {
    expect(stateAt(heartbeat, () => 0, 0, reading)).toBe('ALARM');
  });

  it.each<Reading>(['current', 'complete'])(
    'never pages for one failed or skipped run, nor for a run whose heartbeat lands an interval late (%s reading)',
    (reading) => {
      const missed = (i: number): number => (i === 10 ? 0 : 1);
      const late = (i: number): number => (i === 10 ? 0 : i === 11 ? 2 : 1);
      for (let t = 6; t < 20; t++) {
        expect([t, stateAt(heartbeat, missed, t, reading)]).toEqual([t, 'OK']);
        expect([t, stateAt(heartbeat, late, t, reading)]).toEqual([t, 'OK']);
      }
    },
  );

  it('goes back to OK one interval after runs resume (current reading), once they have landed', () => {
    const resumed = (i: number): number => (i <= 0 || i >= 6 ? 1 : 0);
    expect(stateAt(heartbeat, resumed, 6, 'current')).toBe('ALARM');
    expect(stateAt(heartbeat, resumed, 7, 'current')).toBe('OK');
  });
});
