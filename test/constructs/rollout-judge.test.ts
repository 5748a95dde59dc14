import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RolloutFlags } from '../../lib/constructs/rollout-flags';
import { RolloutJudge, RolloutJudgePropsError } from '../../lib/constructs/rollout-judge';
import { alarmCatalog } from '../../lib/domain/alarm-catalog';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { JudgeIntervalError } from '../../lib/domain/judge/judge-invocation-timing';
import { judgeRuntimeSettingsFrom, parseJudgeRuntimeSettings } from '../../lib/domain/judge/judge-runtime-settings';
import { JUDGE_ENVIRONMENT } from '../../lib/domain/lambda-environment';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';
import { evaluatePolicy, type PolicyDocumentJson } from '../helpers/iam-policy';
import { TemplateResolver, type TemplateJson } from '../helpers/template-resolver';

const CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true };
const P = 'LlmModelRollout/';
const VERDICTS: Array<[check: string, name: string]> = [
  ['errorRate', `${P}judge-error-rate`],
  ['throttleRate', `${P}judge-throttle-rate`],
  ['refusalRate', `${P}judge-refusal-rate`],
  ['slowCallShare', `${P}judge-slow-call-share`],
  ['incompatibleRequests', `${P}judge-incompatible-requests`],
  ['deadModel', `${P}judge-dead-model`],
];
const HEARTBEAT = `${P}judge-heartbeat`;

interface Built {
  app: App;
  stack: ModelRolloutStack;
  t: Template;
  r: TemplateResolver;
}

function build(config: RolloutConfig = shippedConfig()): Built {
  const app = new App({ context: CONTEXT });
  const stack = new ModelRolloutStack(app, 'Rollout', { config });
  const t = Template.fromStack(stack);
  return { app, stack, t, r: new TemplateResolver(t.toJSON() as TemplateJson) };
}

type Props = Record<string, unknown>;

function only(t: Template, type: string, props?: Props): { id: string; props: Props } {
  const found = Object.entries(t.findResources(type, props ? { Properties: props } : undefined));
  expect([type, found.length]).toEqual([type, 1]);
  const [id, resource] = found[0]!;
  return { id, props: (resource as { Properties: Props }).Properties };
}

function alarmNamed(t: Template, name: string): { id: string; props: Props } {
  return only(t, 'AWS::CloudWatch::Alarm', { AlarmName: name });
}

/** The heartbeat alarm's MetricStat, the one metric inside its FILL expression. */
function heartbeatStat(t: Template, name = HEARTBEAT): Props {
  const metrics = alarmNamed(t, name).props.Metrics as Array<{ MetricStat?: Props }>;
  const stats = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));
  expect(stats).toHaveLength(1);
  return stats[0]!;
}

function judgeFunction(t: Template): { id: string; props: Props } {
  return only(t, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Judges the new model') });
}

/** The identity policy statements of role `roleId`, resolved to plain strings. */
function statementsOf(r: TemplateResolver, roleId: string): PolicyDocumentJson['Statement'] {
  const roleName = r.ref(roleId);
  return r
    .ofType('AWS::IAM::Policy')
    .filter(([, p]) => (r.resolve(p.Roles) as string[]).includes(roleName))
    .flatMap(([, p]) => (r.resolve(p.PolicyDocument) as PolicyDocumentJson).Statement);
}

const sorted = (v: string | readonly string[] | undefined): string[] =>
  [...(typeof v === 'string' ? [v] : (v ?? []))].sort();

describe('RolloutJudge in the stack (shipped config)', () => {
  let b: Built;
  let fn: { id: string; props: Props };
  let ids: { role: string; scheduleRole: string; parameter: string; app: string; env: string; page: string };

  beforeAll(() => {
    b = build();
    fn = judgeFunction(b.t);
    ids = {
      role: (fn.props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
      scheduleRole: only(b.t, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
        }),
      }).id,
      parameter: only(b.t, 'AWS::SSM::Parameter').id,
      app: only(b.t, 'AWS::AppConfig::Application').id,
      env: only(b.t, 'AWS::AppConfig::Environment').id,
      page: only(b.t, 'AWS::SNS::Topic', { DisplayName: 'LLM rollout: on-call page' }).id,
    };
  });

  it('runs the judge every judge.intervalMinutes through EventBridge Scheduler, on time, with the schedule role', () => {
    const schedule = only(b.t, 'AWS::Scheduler::Schedule');
    expect(schedule.props).toEqual({
      Description: 'Runs the rollout judge every 5 min',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [ids.scheduleRole, 'Arn'] },
        // A delivery retried after 180 s, plus a 120 s run, would overlap the next run at 300 s.
        RetryPolicy: { MaximumEventAgeInSeconds: 180, MaximumRetryAttempts: 2 },
        Input: JSON.stringify({
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        }),
      },
    });
  });

  it('lets only this account’s default schedule group assume the schedule role, which may invoke the judge and nothing else', () => {
    const role = b.r.resource(ids.scheduleRole).Properties;
    expect(b.r.resolve(role.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': '111122223333',
              'aws:SourceArn': 'arn:aws:scheduler:us-east-1:111122223333:schedule-group/default',
            },
          },
        },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
    const fnArn = b.r.getAtt(fn.id, 'Arn');
    expect(statementsOf(b.r, ids.scheduleRole)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [fnArn, `${fnArn}:*`] },
    ]);
  });

  it('is a Node.js 24 arm64 function with a timeout of half the interval (at most 120 s) and no async retries', () => {
    expect(fn.props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 120,
    });
    expect(only(b.t, 'AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fn.id } }).props).toEqual({
      FunctionName: { Ref: fn.id },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 180,
    });
  });

  it('sets exactly the judge environment contract, the settings as judgeRuntimeSettingsFrom(config) renders them', () => {
    const variables = (fn.props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual([...JUDGE_ENVIRONMENT.names, 'POWERTOOLS_SERVICE_NAME'].sort());
    expect(variables).toMatchObject({
      APPLICATION_ID: { Ref: ids.app },
      ENVIRONMENT_ID: { Ref: ids.env },
      PROFILE_ID: { Ref: only(b.t, 'AWS::AppConfig::ConfigurationProfile').id },
      OFF_VERSION: { Ref: only(b.t, 'AWS::AppConfig::HostedConfigurationVersion', { VersionLabel: 'off' }).id },
      WINDOW_RESET_PARAMETER: { Ref: ids.parameter },
      POWERTOOLS_SERVICE_NAME: 'rollout-judge',
    });
    const settings = variables.ROLLOUT_JUDGE_SETTINGS as string;
    expect(JSON.parse(settings)).toEqual(judgeRuntimeSettingsFrom(shippedConfig()));
    expect(parseJudgeRuntimeSettings(settings)).toMatchObject({
      namespace: 'ModelRollout',
      newModel: 'claude-haiku-4-5',
      defaultModel: 'claude-sonnet-4-6',
      judge: { intervalMinutes: 5, incompatibleMaxRate: 0.01 },
    });
  });

  it('gives the judge role exactly these statements: logs, the window reset (read), deployments (read), GetMetricData on *', () => {
    const a = 'arn:aws:appconfig:us-east-1:111122223333';
    const app = `${a}:application/${b.r.ref(ids.app)}`;
    const env = `${app}/environment/${b.r.ref(ids.env)}`;
    const logs = b.r.getAtt(
      Object.keys(b.t.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('JudgeLogs'))!,
      'Arn',
    );
    const got = statementsOf(b.r, ids.role).map((s) => ({
      Action: sorted(s.Action),
      Resource: sorted(s.Resource),
      Effect: s.Effect,
    }));
    expect(got).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logs] },
      {
        Effect: 'Allow',
        Action: ['ssm:DescribeParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters'],
        Resource: ['arn:aws:ssm:us-east-1:111122223333:parameter/LlmModelRollout/judge/window-reset'],
      },
      { Effect: 'Allow', Action: ['appconfig:ListDeployments'], Resource: sorted([app, env]) },
      { Effect: 'Allow', Action: ['appconfig:GetDeployment'], Resource: sorted([app, env, `${env}/deployment/*`]) },
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
    ]);
    expect(b.r.resource(ids.role).Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each([
    ['ssm:PutParameter', 'arn:aws:ssm:us-east-1:111122223333:parameter/LlmModelRollout/judge/window-reset'],
    ['appconfig:StartDeployment', '*'],
    ['appconfig:StopDeployment', '*'],
    ['cloudwatch:PutMetricData', '*'],
    ['cloudwatch:DisableAlarmActions', '*'],
    ['lambda:InvokeFunction', '*'],
  ])('may not %s (the judge only reads; its verdicts go out as EMF log lines)', (action, resource) => {
    const doc = { Statement: statementsOf(b.r, ids.role) };
    expect(evaluatePolicy(doc, { principal: { arn: 'x' }, action, resource, context: {} })).toBe('no-allow');
  });

  it('creates the window-reset parameter holding {} under /<stackName>/judge/window-reset', () => {
    expect(b.r.resource(ids.parameter).Properties).toEqual({
      Name: '/LlmModelRollout/judge/window-reset',
      Type: 'String',
      Tier: 'Standard',
      Value: '{}',
      Description:
        "The rollout judge's last window reset (JSON; {} = none). Written by on-call (rollout judge-reset), never by cdk deploy after creation.",
      Tags: { 'llm-rollout:stack': 'LlmModelRollout' },
    });
  });

  it.each(VERDICTS)(
    'alarms on JudgeVerdict Check=%s (Maximum over one interval ≥ 1, 1 of 2, missing not breaching, no action of its own) as %s',
    (check, name) => {
      const { props } = alarmNamed(b.t, name);
      expect(props).toEqual({
        AlarmName: name,
        AlarmDescription: expect.stringMatching(new RegExp(`Runbook: RUNBOOK\\.md#${name.slice(P.length)}\\. Owner: `)),
        Namespace: 'ModelRollout',
        MetricName: 'JudgeVerdict',
        Dimensions: [{ Name: 'Check', Value: check }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        Tags: [{ Key: 'llm-rollout:stack', Value: 'LlmModelRollout' }],
      });
    },
  );

  it('describes judge-incompatible-requests whole: its bound from config, the replay, the log field, the request rules', () => {
    const description = alarmNamed(b.t, `${P}judge-incompatible-requests`).props.AlarmDescription as string;
    expect(description).toMatch(
      /^The judge found claude-haiku-4-5 refusing \(a 4xx other than 429, then answered by claude-sonnet-4-6\) more than 1% of its calls .*\(99% confidence\).* First: .*`npx rollout preflight --replay FILE\.jsonl`.*`incompatible`.*IncompatibleRequests by ErrorType.*llm\.models\.claude-haiku-4-5\.requestRules.* Runbook: RUNBOOK\.md#judge-incompatible-requests\. Owner: .+\.$/,
    );
    expect(description.length).toBeLessThanOrEqual(1024);
    const halfPercent = alarmCatalog(configWith((c) => (c.judge.incompatibleRequests.maxPercent = 0.5)));
    expect(halfPercent.judgeIncompatibleRequests.meaning).toContain('more than 0.5% of its calls');
  });

  it('pages when 3 of 3 intervals read 0 on FILL(JudgeHeartbeat Sum, 0) < 1 (no datapoint at all is breaching)', () => {
    const { props } = alarmNamed(b.t, HEARTBEAT);
    expect(props).toEqual({
      AlarmName: HEARTBEAT,
      AlarmDescription: expect.stringMatching(
        /^The scheduled judge completed no run in the last 3 5-minute intervals, the current one included \(2 runs in a row missed\).* it never rolls back\..* Runbook: RUNBOOK\.md#judge-heartbeat\. /,
      ),
      Metrics: [
        {
          Id: 'expr_1',
          Expression: 'FILL(runs, 0)',
          Label: 'Judge runs per interval (empty intervals as 0)',
          ReturnData: true,
        },
        {
          Id: 'runs',
          MetricStat: {
            Metric: { Namespace: 'ModelRollout', MetricName: 'JudgeHeartbeat' },
            Period: 300,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: ids.page }],
      Tags: [{ Key: 'llm-rollout:stack', Value: 'LlmModelRollout' }],
    });
  });

  it('makes the composite rollback alarm exactly: any verdict alarm OR flag-errors — never the heartbeat', () => {
    const composite = only(b.t, 'AWS::CloudWatch::CompositeAlarm');
    const rule = b.r.str(composite.props.AlarmRule);
    const arn = (name: string): string => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${name}`;
    expect(rule).toBe(
      `(${[...VERDICTS.map(([, n]) => n), `${P}flag-errors`].map((n) => `ALARM("${arn(n)}")`).join(' OR ')})`,
    );
    expect(rule).not.toContain('judge-heartbeat');
    expect(rule).not.toContain('new-model-');
  });

  it('says "back to OK" for the heartbeat alarm (it pages) but not for the verdict alarms (the composite pages)', () => {
    const rule = only(b.t, 'AWS::Events::Rule', {
      Description: 'A paging rollout alarm went from ALARM back to OK: tell on-call it is over',
    });
    const resources = (rule.props.EventPattern as { resources: unknown[] }).resources.map((x) => b.r.str(x));
    expect(resources).toContain(b.r.getAtt(alarmNamed(b.t, HEARTBEAT).id, 'Arn'));
    for (const [, name] of VERDICTS) expect(resources).not.toContain(b.r.getAtt(alarmNamed(b.t, name).id, 'Arn'));
  });

  it('puts a judge row (verdicts per check, heartbeat) on the dashboard', () => {
    const body = JSON.stringify(b.r.resolve(only(b.t, 'AWS::CloudWatch::Dashboard').props.DashboardBody));
    expect(body).toContain('Judge verdicts (1 = fail: rolls back)');
    expect(body).toContain('Judge heartbeat (runs per interval)');
    for (const [check] of VERDICTS) expect(body).toContain(`\\"JudgeVerdict\\",\\"Check\\",\\"${check}\\"`);
    expect(body).toContain('\\"JudgeHeartbeat\\"');
  });

  it('gives no time-to-rollback warning for the shipped config (926 s against 20 min)', () => {
    expect(Annotations.fromStack(b.stack).findWarning('/Rollout/Judge', Match.anyValue())).toEqual([]);
  });

  it('leaves the stack clean under cdk-nag AwsSolutions', () => {
    expect(new AwsSolutionsChecks(b.app).validateScope(b.stack).violations).toEqual([]);
  });
});

describe('RolloutJudge follows the config', () => {
  it.each([
    // interval, expression, timeout, max event age, scheduler retries
    [1, 'rate(1 minute)', 30, 60, 0],
    [2, 'rate(2 minutes)', 60, 60, 2],
    [10, 'rate(10 minutes)', 120, 480, 2],
  ])(
    'judge.intervalMinutes %i: %s, timeout %i s, max event age %i s, %i delivery retries',
    (interval, expression, timeout, age, retries) => {
      const { t } = build(
        configWith((c) => {
          c.judge.intervalMinutes = interval;
        }),
      );
      const fn = judgeFunction(t);
      expect(only(t, 'AWS::Scheduler::Schedule').props).toMatchObject({
        ScheduleExpression: expression,
        Description: `Runs the rollout judge every ${interval} min`,
        Target: { RetryPolicy: { MaximumEventAgeInSeconds: age, MaximumRetryAttempts: retries } },
      });
      expect(fn.props.Timeout).toBe(timeout);
      expect(only(t, 'AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fn.id } }).props).toMatchObject({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: age,
      });
      for (const name of VERDICTS.map(([, n]) => n)) expect(alarmNamed(t, name).props.Period).toBe(interval * 60);
      expect(heartbeatStat(t)).toMatchObject({ Period: interval * 60 });
    },
  );

  it('reads the configured namespace and names its alarms and parameter after the stack', () => {
    const { t } = build(
      configWith((c) => {
        c.stackName = 'Other';
        c.gateway.metricsNamespace = 'Team/Llm';
      }),
    );
    expect(heartbeatStat(t, 'Other/judge-heartbeat')).toMatchObject({ Metric: { Namespace: 'Team/Llm' } });
    for (const name of VERDICTS.map(([, n]) => n)) {
      expect(alarmNamed(t, name.replace(P, 'Other/')).props.Namespace).toBe('Team/Llm');
    }
    expect(only(t, 'AWS::SSM::Parameter').props.Name).toBe('/Other/judge/window-reset');
  });

  it('warns at synth when the judge path exceeds judge.maxTimeToRollbackMinutes', () => {
    const { stack } = build(
      configWith((c) => {
        c.judge.intervalMinutes = 10;
      }),
    );
    Annotations.fromStack(stack).hasWarning(
      '/Rollout/Judge',
      Match.stringLikeRegexp('takes up to 1526 s to roll back .*target judge.maxTimeToRollbackMinutes 20 min'),
    );
    const raised = build(
      configWith((c) => {
        c.judge.intervalMinutes = 10;
        c.judge.maxTimeToRollbackMinutes = 30;
      }),
    );
    expect(Annotations.fromStack(raised.stack).findWarning('/Rollout/Judge', Match.anyValue())).toEqual([]);
  });

  it('disables the schedule with enabled: false', () => {
    const stack = new Stack(new App({ context: CONTEXT }), 'S', { env: { region: 'us-east-1' } });
    const config = shippedConfig();
    const flags = new RolloutFlags(stack, 'Flags', { config });
    new RolloutJudge(stack, 'Judge', { config, flags, pageTopic: new sns.Topic(stack, 'Page'), enabled: false });
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });
});

/**
 * A later `cdk deploy` must never overwrite a window reset on-call recorded. CloudFormation
 * leaves a resource alone when its template properties did not change (no update call at all,
 * even if the live value differs); when any property changes, the AWS::SSM::Parameter update
 * handler calls PutParameter with the template's Value (aws-cloudformation-resource-providers-ssm,
 * aws-ssm-parameter UpdateHandler: PutParameter from the desired model, then tags). So the
 * resource must be identical, logical id included, whatever else in the config changes.
 */
describe('the window-reset parameter across configs', () => {
  const parameter = (config: RolloutConfig): [string, unknown] => {
    const { id, props } = only(build(config).t, 'AWS::SSM::Parameter');
    return [id, props];
  };
  const before = parameter(shippedConfig());

  it.each<[string, (c: RolloutConfig) => void]>([
    ['the judge interval', (c) => (c.judge.intervalMinutes = 1)],
    [
      'the judge margins and target',
      (c) => {
        c.judge.errorRate.marginPoints = 1;
        c.judge.maxTimeToRollbackMinutes = 60;
      },
    ],
    ['the alarm thresholds', (c) => (c.alarms.errorRatePercent = 2)],
    ['the metrics namespace', (c) => (c.gateway.metricsNamespace = 'Team/Llm')],
    ['the phases', (c) => (c.rollout.phases[1]!.rolloutPercent = 2)],
    ['the owner', (c) => (c.contacts.owner.name = 'Someone else')],
    ['the guard', (c) => (c.guard.enabled = false)],
  ])('is the same resource with the same properties after a change of %s', (_what, change) => {
    expect(parameter(configWith(change))).toEqual(before);
  });

  it('holds {} in every config, even where its name or tags must change (a new stack name, a new cost tag)', () => {
    for (const change of [
      (c: RolloutConfig) => (c.stackName = 'Other'),
      (c: RolloutConfig) => (c.spend.costAllocationTag = 'team:cost'),
    ])
      expect((parameter(configWith(change))[1] as Props).Value).toBe('{}');
  });
});

describe('RolloutJudge props', () => {
  function judgeIn(config: RolloutConfig, extra: { memorySize?: number } = {}): RolloutJudge {
    const stack = new Stack(new App({ context: CONTEXT }), 'S', { env: { region: 'us-east-1' } });
    const flags = new RolloutFlags(stack, 'Flags', { config: shippedConfig() });
    return new RolloutJudge(stack, 'Judge', { config, flags, pageTopic: new sns.Topic(stack, 'Page'), ...extra });
  }

  it.each([64, 1.5, 20_000])('refuses memorySize %s', (memorySize) => {
    expect(() => judgeIn(shippedConfig(), { memorySize })).toThrow(RolloutJudgePropsError);
    expect(() => judgeIn(shippedConfig(), { memorySize })).toThrow(
      /memorySize must be a whole number of MB from 128 to 10240/,
    );
  });

  it.each([0, 1.5, 61])(
    'refuses a config (not validated) whose judge.intervalMinutes is %s, naming the cause',
    (interval) => {
      const config = structuredClone(shippedConfig());
      config.judge.intervalMinutes = interval;
      let thrown: unknown;
      try {
        judgeIn(config);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RolloutJudgePropsError);
      expect((thrown as Error).cause).toBeInstanceOf(JudgeIntervalError);
    },
  );

  it('owns its metrics: metricVerdict(check) and metricHeartbeat() over one interval, overridable', () => {
    const judge = judgeIn(shippedConfig());
    const verdict: cloudwatch.Metric = judge.metricVerdict('deadModel');
    expect([
      verdict.namespace,
      verdict.metricName,
      verdict.dimensions,
      verdict.statistic,
      verdict.period.toSeconds(),
    ]).toEqual(['ModelRollout', 'JudgeVerdict', { Check: 'deadModel' }, 'Maximum', 300]);
    const beat = judge.metricHeartbeat({ period: Duration.minutes(1) });
    expect([beat.namespace, beat.metricName, beat.dimensions, beat.statistic, beat.period.toSeconds()]).toEqual([
      'ModelRollout',
      'JudgeHeartbeat',
      undefined,
      'Sum',
      60,
    ]);
  });
});
