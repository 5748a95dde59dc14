import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { GatewayMetrics } from '../../lib/constructs/gateway-metrics';
import { RolloutDashboard } from '../../lib/constructs/rollout-dashboard';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

const CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true };

interface Widget {
  type: string;
  properties: { title?: string; alarms?: string[]; metrics?: unknown[][] };
}
interface Body {
  start: string;
  widgets: Widget[];
}

/** The dashboard body with tokens as `<logicalId.Attr>` / `<Ref>`; `literal` is the literal parts only. */
function dashboard(t: Template): { name: string; literal: string; body: Body } {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardName: string; DashboardBody: unknown };
  }[];
  expect(dashboards).toHaveLength(1);
  const { DashboardName, DashboardBody } = dashboards[0]!.Properties;
  const join = (DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  expect(join[0]).toBe('');
  const literal = join[1].filter((p): p is string => typeof p === 'string').join('');
  const resolved = join[1]
    .map((p) => {
      if (typeof p === 'string') return p;
      const getAtt = (p as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
      return `<${(p as { Ref: string }).Ref}>`;
    })
    .join('');
  return { name: DashboardName, literal, body: JSON.parse(resolved) as Body };
}

function synth(config: RolloutConfig = shippedConfig()): Template {
  return Template.fromStack(new ModelRolloutStack(new App({ context: CONTEXT }), 'Rollout', { config }));
}

/** [namespace, metricName, 'Model', model, {stat, ...}] rows of a graph widget. */
function metricRows(widget: Widget): { name: string; model?: string; stat?: string }[] {
  return (widget.properties.metrics ?? [])
    .filter((row) => typeof row[0] === 'string')
    .map((row) => {
      const options = row[row.length - 1] as { stat?: string };
      return { name: row[1] as string, model: row[2] === 'Model' ? (row[3] as string) : undefined, stat: options.stat };
    });
}

describe('RolloutDashboard in the stack', () => {
  let t: Template;
  let d: ReturnType<typeof dashboard>;

  beforeAll(() => {
    t = synth();
    d = dashboard(t);
  });

  it('is one dashboard named <stackName>-<region>-rollout (dashboard names are per account)', () => {
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(d.name).toBe('LlmModelRollout-us-east-1-rollout');
    expect(d.body.start).toBe('-PT6H');
  });

  it('shows both models and every gateway metric the rollout is judged by', () => {
    for (const text of [
      'claude-haiku-4-5',
      'claude-sonnet-4-6',
      '"ModelRollout"',
      '"Requests"',
      '"Latency"',
      '"p95"',
      '"p99"',
      '"Throttles"',
      '"Fallbacks"',
      '"InputTokens"',
      '"OutputTokens"',
      '"EstimatedCostUsd"',
      '"ModerationFlags"',
      '"TimeToFirstToken"',
      '"ModelErrors"',
      '"FlagErrors"',
    ]) {
      expect(d.literal).toContain(text);
    }
  });

  it('starts with an alarm-status widget over the rollback, rollout and health alarms', () => {
    const [first] = d.body.widgets;
    expect(first!.type).toBe('alarm');
    expect(first!.properties.title).toBe('Rollout alarms');
    const composite = Object.keys(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!;
    const metricAlarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm'))
      .filter(
        ([, r]) =>
          (r as { Properties: { AlarmName: string } }).Properties.AlarmName !==
          'LlmModelRollout/rollback-guard-failures',
      )
      .map(([id]) => `<${id}.Arn>`);
    expect(first!.properties.alarms![0]).toBe(`<${composite}.Arn>`);
    const shown = first!.properties.alarms!;
    expect(shown).toEqual(expect.arrayContaining(metricAlarms));
    // Every entry is one of the stack's alarms, each once (the guard-failure alarm may or may not be shown).
    const allAlarms = [composite, ...Object.keys(t.findResources('AWS::CloudWatch::Alarm'))].map((id) => `<${id}.Arn>`);
    expect(shown.every((a) => allAlarms.includes(a))).toBe(true);
    expect(new Set(shown).size).toBe(shown.length);
    expect(d.body.widgets.filter((w) => w.type === 'alarm')).toHaveLength(1);
  });

  it('plots each per-model metric for both models, latency at p95 and p99', () => {
    const byTitle = (title: string): Widget => {
      const found = d.body.widgets.filter((w) => w.properties.title === title);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    const both = [{ model: 'claude-haiku-4-5' }, { model: 'claude-sonnet-4-6' }];
    expect(metricRows(byTitle('Requests'))).toEqual(both.map((m) => ({ name: 'Requests', stat: 'Sum', ...m })));
    expect(metricRows(byTitle('Throttles (429)'))).toEqual(both.map((m) => ({ name: 'Throttles', stat: 'Sum', ...m })));
    expect(metricRows(byTitle('Latency p95 / p99 (ms)'))).toEqual([
      ...both.map((m) => ({ name: 'Latency', stat: 'p95', ...m })),
      ...both.map((m) => ({ name: 'Latency', stat: 'p99', ...m })),
    ]);
    expect(metricRows(byTitle('Tokens (input, output)'))).toEqual([
      ...both.map((m) => ({ name: 'InputTokens', stat: 'Sum', ...m })),
      ...both.map((m) => ({ name: 'OutputTokens', stat: 'Sum', ...m })),
    ]);
    expect(metricRows(byTitle('Estimated cost (USD)'))).toEqual(
      both.map((m) => ({ name: 'EstimatedCostUsd', stat: 'Sum', ...m })),
    );
    expect(metricRows(byTitle('Fallbacks and circuit-open skips'))[0]).toEqual({
      name: 'Fallbacks',
      model: 'claude-haiku-4-5',
      stat: 'Sum',
    });
    expect(metricRows(byTitle('Moderation flags and flag errors'))).toEqual([
      { name: 'ModerationFlags', model: 'claude-haiku-4-5', stat: 'Sum' },
      { name: 'FlagErrors', model: undefined, stat: 'Sum' },
    ]);
  });

  it('follows the configured models, stack name and namespace', () => {
    const other = dashboard(
      synth(
        configWith((c) => {
          c.stackName = 'Other';
          c.gateway.metricsNamespace = 'Team/Llm';
          c.llm.models['claude-opus-4-1'] = {
            vendorModelId: 'claude-opus-4-1-20250805',
            inputUsdPerMillionTokens: 15,
            outputUsdPerMillionTokens: 75,
          };
          c.llm.newModelAlias = 'claude-opus-4-1';
        }),
      ),
    );
    expect(other.name).toBe('Other-us-east-1-rollout');
    expect(other.literal).toContain('claude-opus-4-1');
    expect(other.literal).toContain('claude-sonnet-4-6');
    expect(other.literal).not.toContain('claude-haiku-4-5');
    expect(other.literal).toContain('"Team/Llm"');
    expect(other.literal).not.toContain('"ModelRollout"');
  });
});

describe('RolloutDashboard as a construct', () => {
  it('puts the given alarms, in order, in its alarm widget', () => {
    const stack = new Stack(new App(), 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
    const config = shippedConfig();
    const metrics = new GatewayMetrics('ModelRollout', Duration.minutes(1));
    const a = new cloudwatch.Alarm(stack, 'A', {
      metric: metrics.metric('Requests', 'm'),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const b = new cloudwatch.Alarm(stack, 'B', {
      metric: metrics.metric('Requests', 'm'),
      threshold: 2,
      evaluationPeriods: 1,
    });
    new RolloutDashboard(stack, 'Dashboard', { config, metrics, alarms: [b, a] });
    const d = dashboard(Template.fromStack(stack));
    const id = (alarm: cloudwatch.Alarm): string => stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
    expect(d.body.widgets[0]!.properties.alarms).toEqual([`<${id(b)}.Arn>`, `<${id(a)}.Arn>`]);
  });
});
