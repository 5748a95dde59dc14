import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

/** The whole stack with the given config; bundling skipped, minimizePolicies as in cdk.json. */
function synthStack(config: RolloutConfig = shippedConfig()): { t: Template; stack: ModelRolloutStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true } });
  const stack = new ModelRolloutStack(app, 'Rollout', { config });
  return { t: Template.fromStack(stack), stack };
}

function synth(config: RolloutConfig = shippedConfig()): Template {
  return synthStack(config).t;
}

/** Logical ids of the metric alarms built by the RolloutAlarms construct, and how many other parts of the stack build. */
function guardRailAlarmIds(stack: ModelRolloutStack): { inside: string[]; outside: number } {
  const ids = (scope: { node: { findAll(): unknown[] } }): string[] =>
    scope.node
      .findAll()
      .filter((c): c is cloudwatch.CfnAlarm => c instanceof cloudwatch.CfnAlarm)
      .map((c) => stack.getLogicalId(c));
  const inside = ids(stack.alarms);
  return { inside, outside: ids(stack).filter((id) => !inside.includes(id)).length };
}

type Props = Record<string, unknown>;
interface Found {
  id: string;
  props: Props;
}

const P = 'LlmModelRollout/';
const RATE = {
  errorRate: `${P}new-model-error-rate`,
  throttleRate: `${P}new-model-throttle-rate`,
  moderationRate: `${P}new-model-moderation-rate`,
};
const PERCENTILE = { latency: `${P}new-model-latency-p99`, ttft: `${P}new-model-ttft-p99` };
const FLAG_ERRORS = `${P}flag-errors`;
const INCOMPATIBLE = `${P}new-model-incompatible-rate`;
/** Fixed thresholds on the new model: they page, they no longer roll back (the judge does). */
const NEW_MODEL_ALARMS = [
  RATE.errorRate,
  PERCENTILE.latency,
  PERCENTILE.ttft,
  RATE.throttleRate,
  RATE.moderationRate,
  INCOMPATIBLE,
];
const ROLLOUT_ALARMS = [...NEW_MODEL_ALARMS, FLAG_ERRORS];
/** The judge's verdict alarms, in the order the composite names them (RolloutJudge builds them). */
const JUDGE_VERDICTS = [
  'error-rate',
  'throttle-rate',
  'refusal-rate',
  'slow-call-share',
  'incompatible-requests',
  'dead-model',
].map((n) => `${P}judge-${n}`);
const JUDGE_HEARTBEAT = `${P}judge-heartbeat`;
const HEALTH = {
  errors: `${P}gateway-function-errors`,
  throttles: `${P}gateway-function-throttles`,
  url5xx: `${P}gateway-url-5xx`,
};
const VENDOR_AUTH = `${P}vendor-auth-failures`;
const GUARD_FAILURES = `${P}rollback-guard-failures`;
const ROLLBACK = `${P}rollback`;
const METRIC_ALARMS = [...ROLLOUT_ALARMS, ...Object.values(HEALTH), VENDOR_AUTH, GUARD_FAILURES];
const OWNER = 'LLM Platform team <llm-platform@example.com>';

function alarms(t: Template, type = 'AWS::CloudWatch::Alarm'): Found[] {
  return Object.entries(t.findResources(type)).map(([id, r]) => ({
    id,
    props: (r as { Properties: Props }).Properties,
  }));
}

function alarm(t: Template, name: string): Found {
  const found = [...alarms(t), ...alarms(t, 'AWS::CloudWatch::CompositeAlarm')].filter(
    (a) => a.props.AlarmName === name,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

function logicalId(t: Template, type: string, props: Props): string {
  const ids = Object.keys(t.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function modelStat(metricName: string, stat = 'Sum', period = 60, namespace = 'ModelRollout'): Props {
  return {
    // Route=rollout: requests naming the new model themselves are metered Route=direct and never
    // reach a rollback alarm.
    Metric: {
      Dimensions: [
        { Name: 'Model', Value: 'claude-haiku-4-5' },
        { Name: 'Route', Value: 'rollout' },
      ],
      MetricName: metricName,
      Namespace: namespace,
    },
    Period: period,
    Stat: stat,
  };
}

function rateMetrics(
  name: string,
  numerator: string,
  expression = 'IF(n >= 20 OR e >= 3, 100 * e / n, 0)',
  period = 60,
  namespace = 'ModelRollout',
): Props[] {
  if (numerator === 'ModelErrors')
    return errorRateMetrics(
      name,
      period,
      namespace,
      expression === 'IF(n >= 20 OR e >= 3, 100 * e / n, 0)' ? undefined : expression,
    );
  return [
    { Expression: expression, Id: 'expr_1', Label: `${name} (%)`, ReturnData: true },
    { Id: 'e', MetricStat: modelStat(numerator, 'Sum', period, namespace), ReturnData: false },
    { Id: 'n', MetricStat: modelStat('Requests', 'Sum', period, namespace), ReturnData: false },
  ];
}

/** The error rate counts requests the open circuit breaker kept from the new model as failed. */
function errorRateMetrics(name: string, period: number, namespace: string, expression?: string): Props[] {
  const e = '(FILL(e0, 0) + FILL(e1, 0))';
  const n = '(FILL(n0, 0) + FILL(n1, 0))';
  return [
    {
      Expression: expression ?? `IF(${n} >= 20 OR ${e} >= 3, 100 * ${e} / ${n}, 0)`,
      Id: 'expr_1',
      Label: `${name} (%)`,
      ReturnData: true,
    },
    { Id: 'e0', MetricStat: modelStat('ModelErrors', 'Sum', period, namespace), ReturnData: false },
    { Id: 'e1', MetricStat: modelStat('CircuitOpen', 'Sum', period, namespace), ReturnData: false },
    { Id: 'n0', MetricStat: modelStat('Requests', 'Sum', period, namespace), ReturnData: false },
    { Id: 'n1', MetricStat: modelStat('CircuitOpen', 'Sum', period, namespace), ReturnData: false },
  ];
}

/** Resolves a Fn::Join of literals and GetAtt/Ref into a string, tokens as `<logicalId>`. */
function joined(value: unknown): string {
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  expect(join).toBeDefined();
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
      const ref = (part as { Ref?: string }).Ref;
      if (ref) return `<${ref}>`;
      throw new Error(`unexpected part ${JSON.stringify(part)}`);
    })
    .join(join[0]);
}

describe('RolloutAlarms in the stack (shipped config)', () => {
  let t: Template;
  let stack: ModelRolloutStack;
  let pageTopic: string;
  let gatewayFn: string;
  let guardFn: string;

  beforeAll(() => {
    ({ t, stack } = synthStack());
    pageTopic = logicalId(t, 'AWS::SNS::Topic', { DisplayName: 'LLM rollout: on-call page' });
    gatewayFn = Object.keys(t.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('Gateway'))!;
    guardFn = Object.keys(t.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('Guard'))!;
    expect(gatewayFn).toBeDefined();
    expect(guardFn).toBeDefined();
  });

  it('creates exactly these twelve metric alarms and the one composite alarm', () => {
    const { inside, outside } = guardRailAlarmIds(stack);
    expect(inside).toHaveLength(12);
    // Other parts of the stack (the judge, spend) add alarms of their own; nothing else does.
    t.resourceCountIs('AWS::CloudWatch::Alarm', 12 + outside);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(
      alarms(t)
        .filter((a) => inside.includes(a.id))
        .map((a) => a.props.AlarmName)
        .sort(),
    ).toEqual([...METRIC_ALARMS].sort());
    expect(alarms(t, 'AWS::CloudWatch::CompositeAlarm').map((a) => a.props.AlarmName)).toEqual([ROLLBACK]);
  });

  it('judges every metric alarm but the judge heartbeat with >= threshold and treats missing data as not breaching', () => {
    const others = alarms(t).filter((a) => a.props.AlarmName !== JUDGE_HEARTBEAT);
    expect(others).toHaveLength(alarms(t).length - 1);
    for (const a of others)
      expect([a.props.AlarmName, a.props.ComparisonOperator, a.props.TreatMissingData]).toEqual([
        a.props.AlarmName,
        'GreaterThanOrEqualToThreshold',
        'notBreaching',
      ]);
    // Silence is what the heartbeat alarm watches for; it never feeds the rollback alarm.
    expect(alarm(t, JUDGE_HEARTBEAT).props).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    for (const name of METRIC_ALARMS)
      expect(alarm(t, name).props).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
  });

  it('evaluates 2 of 3 periods on every alarm but the guard-failure and vendor-key ones (first breach pages)', () => {
    for (const name of METRIC_ALARMS.filter((n) => n !== GUARD_FAILURES && n !== VENDOR_AUTH)) {
      expect(alarm(t, name).props).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    }
  });

  it.each([
    [RATE.errorRate, 'ModelErrors', 5],
    [RATE.throttleRate, 'Throttles', 10],
    [RATE.moderationRate, 'ModerationFlags', 1],
  ])('%s alarms on the rate metric math of %s / Requests at %s %%', (name, numerator, threshold) => {
    const { props } = alarm(t, name);
    expect(props.Metrics).toEqual(rateMetrics(name.slice(P.length), numerator));
    expect(props.Threshold).toBe(threshold);
    for (const absent of [
      'MetricName',
      'Namespace',
      'Statistic',
      'ExtendedStatistic',
      'Period',
      'Dimensions',
      'EvaluateLowSampleCountPercentile',
    ]) {
      expect(props[absent]).toBeUndefined();
    }
  });

  it.each([
    [PERCENTILE.latency, 'Latency', 30000],
    [PERCENTILE.ttft, 'TimeToFirstToken', 5000],
  ])('%s alarms on p99 of %s at %s ms and ignores low-sample periods', (name, metricName, threshold) => {
    const { props } = alarm(t, name);
    expect(props).toMatchObject({ Threshold: threshold, EvaluateLowSampleCountPercentile: 'ignore' });
    const p99 =
      props.ExtendedStatistic === 'p99' ||
      JSON.stringify(props.Metrics ?? []).includes(JSON.stringify(modelStat(metricName, 'p99')));
    expect(p99).toBe(true);
    expect(props.Statistic).toBeUndefined();
  });

  // Regression: a labelled metric turned these into metric-query alarms, without ExtendedStatistic.
  it.each([
    [PERCENTILE.latency, 'Latency', 30000],
    [PERCENTILE.ttft, 'TimeToFirstToken', 5000],
  ])('%s uses ExtendedStatistic p99 on ModelRollout %s (single-metric form)', (name, metricName, threshold) => {
    const { props } = alarm(t, name);
    expect(props).toMatchObject({
      Namespace: 'ModelRollout',
      MetricName: metricName,
      Dimensions: [
        { Name: 'Model', Value: 'claude-haiku-4-5' },
        { Name: 'Route', Value: 'rollout' },
      ],
      Period: 60,
      ExtendedStatistic: 'p99',
      EvaluateLowSampleCountPercentile: 'ignore',
      Threshold: threshold,
    });
    expect(props.Metrics).toBeUndefined();
  });

  it('alarms on FlagErrors (no Model dimension) at 10 per period', () => {
    const { props } = alarm(t, FLAG_ERRORS);
    expect(props.Threshold).toBe(10);
    expect(props).toMatchObject({ Namespace: 'ModelRollout', MetricName: 'FlagErrors', Statistic: 'Sum', Period: 60 });
    expect(JSON.stringify(props)).not.toContain('Dimensions');
  });

  it.each([
    [HEALTH.errors, 'Errors'],
    [HEALTH.throttles, 'Throttles'],
    [HEALTH.url5xx, 'Url5xxCount'],
  ])('%s watches AWS/Lambda %s of the gateway function (sum per minute, 5 per period)', (name, metricName) => {
    expect(alarm(t, name).props).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: gatewayFn } }],
      Period: 60,
      Statistic: 'Sum',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });

  // AsyncEventsDropped counts events Lambda dropped after its retries were spent (Lambda Developer
  // Guide, "Types of metrics for Lambda functions"): a first attempt that a retry then fixes
  // does not page; Errors would.
  it('pages when Lambda gives up on a guard run after its retries: AsyncEventsDropped, 1 of 1 minute, threshold 1', () => {
    expect(alarm(t, GUARD_FAILURES).props).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: guardFn } }],
      Period: 60,
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  it('pages on ALARM from the composite, the new-model thresholds, the judge heartbeat, the gateway health and the guard-failure alarms; not from the rollback inputs (no OK actions: they fire at first deploy)', () => {
    const page = [{ Ref: pageTopic }];
    for (const name of [
      ROLLBACK,
      ...NEW_MODEL_ALARMS,
      JUDGE_HEARTBEAT,
      ...Object.values(HEALTH),
      VENDOR_AUTH,
      GUARD_FAILURES,
    ]) {
      const { props } = alarm(t, name);
      expect([name, props.AlarmActions]).toEqual([name, page]);
      expect(props.OKActions).toBeUndefined();
      expect(props.InsufficientDataActions).toBeUndefined();
    }
    // The composite pages for these: a page each would say the same thing twice.
    for (const name of [...JUDGE_VERDICTS, FLAG_ERRORS]) {
      const { props } = alarm(t, name);
      expect(props.AlarmActions).toBeUndefined();
      expect(props.OKActions).toBeUndefined();
      expect(props.InsufficientDataActions).toBeUndefined();
    }
  });

  it('the composite is ALARM(...) OR ... over exactly the six judge verdict alarms and flag-errors', () => {
    const ids = [...JUDGE_VERDICTS, FLAG_ERRORS].map((name) => alarm(t, name).id);
    const rule = joined(alarm(t, ROLLBACK).props.AlarmRule);
    expect(rule).toBe(`(${ids.map((id) => `ALARM("<${id}.Arn>")`).join(' OR ')})`);
    // The new model's fixed thresholds and the judge's heartbeat page; they never roll back.
    for (const name of [...NEW_MODEL_ALARMS, JUDGE_HEARTBEAT]) expect(rule).not.toContain(alarm(t, name).id);
  });

  it("pages on the first vendor refusal of the gateway's own key (VendorAuthFailures, no dimension), and never rolls back for it", () => {
    const { props } = alarm(t, VENDOR_AUTH);
    expect(props).toMatchObject({
      Namespace: 'ModelRollout',
      MetricName: 'VendorAuthFailures',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: pageTopic }],
    });
    expect(props.Dimensions).toBeUndefined();
    const composite = alarms(t, 'AWS::CloudWatch::CompositeAlarm')[0]!;
    expect(JSON.stringify(composite.props.AlarmRule)).not.toContain(alarm(t, VENDOR_AUTH).id);
  });

  it('describes every alarm with its meaning, first step, runbook section and owner', () => {
    const sections: Record<string, string> = {
      [RATE.errorRate]: 'new-model-error-rate',
      [PERCENTILE.latency]: 'new-model-latency-p99',
      [PERCENTILE.ttft]: 'new-model-ttft-p99',
      [RATE.throttleRate]: 'new-model-throttle-rate',
      [RATE.moderationRate]: 'new-model-moderation-rate',
      [FLAG_ERRORS]: 'flag-errors',
      [HEALTH.errors]: 'gateway-health',
      [HEALTH.throttles]: 'gateway-health',
      [HEALTH.url5xx]: 'gateway-health',
      [VENDOR_AUTH]: 'vendor-auth-failures',
      [GUARD_FAILURES]: 'guard-failures',
      [ROLLBACK]: 'rollback',
    };
    for (const [name, section] of Object.entries(sections)) {
      const description = alarm(t, name).props.AlarmDescription as string;
      expect(description).toContain(' First: ');
      expect(description).toContain(`Runbook: RUNBOOK.md#${section}.`);
      expect(description).toContain(`Owner: ${OWNER}.`);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
    expect(alarm(t, RATE.errorRate).props.AlarmDescription).toMatch(
      /^claude-haiku-4-5 is failing .* on ≥ 5% of its calls/,
    );
  });
});

describe('RolloutAlarms follow the config', () => {
  it('takes the error-rate threshold from alarms.errorRatePercent', () => {
    const t = synth(
      configWith((c) => {
        c.alarms.errorRatePercent = 2;
      }),
    );
    const { props } = alarm(t, RATE.errorRate);
    expect(props.Threshold).toBe(2);
    expect(props.AlarmDescription).toMatch(/on ≥ 2% of its calls/);
    expect(alarm(t, RATE.throttleRate).props.Threshold).toBe(10);
  });

  it('uses 5-minute periods everywhere with alarms.periodMinutes 5', () => {
    const t = synth(
      configWith((c) => {
        c.alarms.periodMinutes = 5;
      }),
    );
    expect(alarm(t, RATE.errorRate).props.Metrics).toEqual(
      rateMetrics('new-model-error-rate', 'ModelErrors', undefined, 300),
    );
    expect(JSON.stringify(alarm(t, PERCENTILE.latency).props)).toContain('"Period":300');
    expect(alarm(t, FLAG_ERRORS).props.Period).toBe(300);
    for (const name of Object.values(HEALTH)) expect(alarm(t, name).props.Period).toBe(300);
    // The guard-failure alarm stays on one minute: a failed rollback pages at once.
    expect(alarm(t, GUARD_FAILURES).props.Period).toBe(60);
  });

  it('takes the minimum-sample guard, M of N and the other thresholds from config', () => {
    const t = synth(
      configWith((c) => {
        Object.assign(c.alarms, {
          minRequestsPerPeriod: 50,
          minErrorsToJudge: 7,
          evaluationPeriods: 5,
          datapointsToAlarm: 4,
          throttleRatePercent: 15,
          moderationFlagRatePercent: 0.5,
          latencyP99Ms: 20000,
          timeToFirstTokenP99Ms: 2500,
          flagErrorsPerPeriod: 3,
          gatewayErrorsPerPeriod: 9,
        });
      }),
    );
    expect(alarm(t, RATE.throttleRate).props).toMatchObject({
      Metrics: rateMetrics('new-model-throttle-rate', 'Throttles', 'IF(n >= 50 OR e >= 7, 100 * e / n, 0)'),
      Threshold: 15,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 4,
    });
    expect(alarm(t, RATE.moderationRate).props.Threshold).toBe(0.5);
    expect(alarm(t, PERCENTILE.latency).props.Threshold).toBe(20000);
    expect(alarm(t, PERCENTILE.ttft).props.Threshold).toBe(2500);
    expect(alarm(t, FLAG_ERRORS).props.Threshold).toBe(3);
    for (const name of Object.values(HEALTH))
      expect(alarm(t, name).props).toMatchObject({ Threshold: 9, EvaluationPeriods: 5, DatapointsToAlarm: 4 });
    expect(alarm(t, GUARD_FAILURES).props).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
  });

  it('names alarms after the stack name and reads metrics from the configured namespace', () => {
    const { t, stack } = synthStack(
      configWith((c) => {
        c.stackName = 'OtherRollout';
        c.gateway.metricsNamespace = 'Team/Llm';
      }),
    );
    const { inside } = guardRailAlarmIds(stack);
    expect(
      alarms(t)
        .filter((a) => inside.includes(a.id))
        .map((a) => a.props.AlarmName)
        .sort(),
    ).toEqual(METRIC_ALARMS.map((n) => n.replace(P, 'OtherRollout/')).sort());
    expect(alarms(t, 'AWS::CloudWatch::CompositeAlarm')[0]!.props.AlarmName).toBe('OtherRollout/rollback');
    expect(alarm(t, 'OtherRollout/new-model-error-rate').props.Metrics).toEqual(
      rateMetrics('new-model-error-rate', 'ModelErrors', undefined, 60, 'Team/Llm'),
    );
  });

  it('names the owner without an email when config has none', () => {
    const t = synth(
      configWith((c) => {
        delete c.contacts.owner.email;
      }),
    );
    for (const a of [...METRIC_ALARMS, ROLLBACK].map((name) => alarm(t, name))) {
      expect(a.props.AlarmDescription).toMatch(/ Owner: LLM Platform team\.$/);
    }
  });

  it('without the guard there is no guard-failure alarm, and the rest is unchanged', () => {
    const { t, stack } = synthStack(
      configWith((c) => {
        c.guard.enabled = false;
      }),
    );
    const { inside, outside } = guardRailAlarmIds(stack);
    expect(inside).toHaveLength(11);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 11 + outside);
    expect(
      alarms(t)
        .filter((a) => inside.includes(a.id))
        .map((a) => a.props.AlarmName)
        .sort(),
    ).toEqual(METRIC_ALARMS.filter((n) => n !== GUARD_FAILURES).sort());
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmName: GUARD_FAILURES }, 0);
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmName: ROLLBACK, AlarmActions: Match.anyValue() });
  });
});

describe('the composite rollback alarm as the AppConfig monitor', () => {
  it('is the environment’s only monitor, read through the monitor role', () => {
    const t = synth();
    const composite = alarm(t, ROLLBACK).id;
    const role = logicalId(t, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'appconfig.amazonaws.com' } })],
      }),
    });
    t.resourceCountIs('AWS::AppConfig::Environment', 1);
    t.hasResourceProperties('AWS::AppConfig::Environment', {
      Monitors: [{ AlarmArn: { 'Fn::GetAtt': [composite, 'Arn'] }, AlarmRoleArn: { 'Fn::GetAtt': [role, 'Arn'] } }],
    });
  });
});
