import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  NO_ACTION,
  notifySns,
  RolloutAlarmFactory,
  SnsAlarmActionStrategy,
  type AlarmDocs,
} from '../../lib/constructs/alarm-factory';
import { GatewayMetrics } from '../../lib/constructs/gateway-metrics';

interface Built {
  stack: Stack;
  factory: RolloutAlarmFactory;
  topic: sns.Topic;
  metrics: GatewayMetrics;
  template: () => Template;
}

function build(evaluation = { period: Duration.minutes(1), evaluationPeriods: 3, datapointsToAlarm: 2 }): Built {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const topic = new sns.Topic(stack, 'Page');
  const factory = new RolloutAlarmFactory(stack, {
    namePrefix: 'Pfx',
    evaluation,
    owner: 'Owner Team <o@example.com>',
  });
  return {
    stack,
    factory,
    topic,
    metrics: new GatewayMetrics('NS', evaluation.period),
    template: () => Template.fromStack(stack),
  };
}

const DOCS: AlarmDocs = { meaning: 'Something is wrong.', firstStep: 'Do this first.', runbookSection: 'some-section' };
const DESCRIPTION =
  'Something is wrong. First: Do this first. Runbook: RUNBOOK.md#some-section. Owner: Owner Team <o@example.com>.';
const topicRef = (b: Built): { Ref: string } => ({
  Ref: b.stack.getLogicalId(b.topic.node.defaultChild as sns.CfnTopic),
});

describe('RolloutAlarmFactory', () => {
  it('names alarms <prefix>/<name>', () => {
    expect(build().factory.alarmName('x-y')).toBe('Pfx/x-y');
  });

  it('builds a rate alarm as 100 × e / n, judged only with enough samples or enough events', () => {
    const b = build();
    b.factory.addRateAlarm('Rate', 'my-rate', {
      numerator: b.metrics.metric('ModelErrors', 'm1'),
      denominator: b.metrics.metric('Requests', 'm1'),
      thresholdPercent: 7,
      minSamples: 40,
      minEvents: 4,
      docs: DOCS,
    });
    const t = b.template();
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/my-rate',
      AlarmDescription: DESCRIPTION,
      Threshold: 7,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: [
        { Expression: 'IF(n >= 40 OR e >= 4, 100 * e / n, 0)', Id: 'expr_1', Label: 'my-rate (%)', ReturnData: true },
        {
          Id: 'e',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'NS', MetricName: 'ModelErrors', Dimensions: [{ Name: 'Model', Value: 'm1' }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
        {
          Id: 'n',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'NS', MetricName: 'Requests', Dimensions: [{ Name: 'Model', Value: 'm1' }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
  });

  it('builds a percentile alarm that ignores low-sample periods', () => {
    const b = build();
    b.factory.addPercentileAlarm('P99', 'lat', {
      metric: new cloudwatch.Metric({
        namespace: 'NS',
        metricName: 'Latency',
        dimensionsMap: { Model: 'm1' },
        statistic: 'p99',
        period: Duration.minutes(1),
      }),
      thresholdMs: 1234,
      docs: DOCS,
    });
    b.template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/lat',
      Namespace: 'NS',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Statistic: Match.absent(),
      EvaluateLowSampleCountPercentile: 'ignore',
      Threshold: 1234,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('builds a count alarm with M of N by default and 1 of 1 with firstBreach', () => {
    const b = build({ period: Duration.minutes(5), evaluationPeriods: 4, datapointsToAlarm: 3 });
    const metric = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    b.factory.addCountAlarm('Slow', 'slow', { metric, threshold: 6, docs: DOCS });
    b.factory.addCountAlarm('Fast', 'fast', { metric, threshold: 1, firstBreach: true, docs: DOCS });
    const t = b.template();
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/slow',
      Threshold: 6,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
      Period: 300,
      Statistic: 'Sum',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/fast',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  // No OK action: CloudWatch runs OK actions on a new alarm's first INSUFFICIENT_DATA -> OK move
  // (CloudWatch User Guide, "Alarm states"), which would page at every first deploy.
  it('notifies a topic on ALARM (never OK) with notifySns, and does nothing with NO_ACTION', () => {
    const b = build();
    const metric = b.metrics.metric('FlagErrors', undefined);
    b.factory.addCountAlarm('Paged', 'paged', { metric, threshold: 1, docs: DOCS, action: notifySns(b.topic) });
    b.factory.addCountAlarm('Quiet', 'quiet', { metric, threshold: 1, docs: DOCS, action: NO_ACTION });
    const t = b.template();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/paged',
      AlarmActions: [topicRef(b)],
      OKActions: Match.absent(),
      InsufficientDataActions: Match.absent(),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Pfx/quiet',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
    expect(notifySns(b.topic)).toBeInstanceOf(SnsAlarmActionStrategy);
  });

  it('combines alarms into an any-of composite with its own name, description and action', () => {
    const b = build();
    const metric = b.metrics.metric('FlagErrors', undefined);
    const a = b.factory.addCountAlarm('A', 'a', { metric, threshold: 1, docs: DOCS });
    const c = b.factory.addCountAlarm('C', 'c', { metric, threshold: 2, docs: DOCS });
    b.factory.addAnyOfAlarm('Any', 'any', [a, c], DOCS, notifySns(b.topic));
    const t = b.template();
    const id = (alarm: cloudwatch.Alarm): string =>
      b.stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'Pfx/any',
      AlarmDescription: DESCRIPTION,
      AlarmRule: {
        'Fn::Join': [
          '',
          ['(ALARM("', { 'Fn::GetAtt': [id(a), 'Arn'] }, '") OR ALARM("', { 'Fn::GetAtt': [id(c), 'Arn'] }, '"))'],
        ],
      },
      AlarmActions: [topicRef(b)],
      OKActions: Match.absent(),
    });
  });

  it('leaves a composite without actions when none is given', () => {
    const b = build();
    const a = b.factory.addCountAlarm('A', 'a', {
      metric: b.metrics.metric('FlagErrors', undefined),
      threshold: 1,
      docs: DOCS,
    });
    b.factory.addAnyOfAlarm('Any', 'any', [a], DOCS);
    b.template().hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'Pfx/any',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
  });

  it('keeps descriptions within CloudWatch’s 1024 characters', () => {
    const b = build();
    b.factory.addCountAlarm('Long', 'long', {
      metric: b.metrics.metric('FlagErrors', undefined),
      threshold: 1,
      docs: { ...DOCS, meaning: 'x'.repeat(2000) },
    });
    const [alarm] = Object.values(b.template().findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmDescription: string };
    }[];
    expect(alarm!.Properties.AlarmDescription).toHaveLength(1024);
  });
});

describe('GatewayMetrics', () => {
  it('builds ModelRollout metrics with the Model dimension and the default period, unlabelled (alarms keep their plain form)', () => {
    const m = new GatewayMetrics('ModelRollout', Duration.minutes(5)).metric('Requests', 'claude-haiku-4-5');
    expect(m.namespace).toBe('ModelRollout');
    expect(m.metricName).toBe('Requests');
    expect(m.dimensions).toEqual({ Model: 'claude-haiku-4-5' });
    expect(m.statistic).toBe('Sum');
    expect(m.period.toSeconds()).toBe(300);
    expect(m.label).toBeUndefined();
  });

  it('omits the Model dimension without a model, and takes statistic and period overrides', () => {
    const m = new GatewayMetrics('NS', Duration.minutes(1)).metric(
      'FlagErrors',
      undefined,
      'Maximum',
      Duration.minutes(10),
    );
    expect(m.dimensions).toBeUndefined();
    expect(m.statistic).toBe('Maximum');
    expect(m.period.toSeconds()).toBe(600);
    expect(m.label).toBeUndefined();
  });
});
