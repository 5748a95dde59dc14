import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { GUARD_TIMING, workBudgetMs, longestExpectedRunMs } from '../../lib/domain/guard-timing';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

interface Built {
  app: App;
  stack: ModelRolloutStack;
  t: Template;
}

function build(config: RolloutConfig = shippedConfig()): Built {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true } });
  const stack = new ModelRolloutStack(app, 'Rollout', { config });
  return { app, stack, t: Template.fromStack(stack) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

function onlyId(t: Template, type: string, props?: Record<string, unknown>): string {
  const ids = Object.keys(t.findResources(type, props ? { Properties: props } : undefined));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

const arn = (...parts: unknown[]): { 'Fn::Join': [string, unknown[]] } => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':appconfig:us-east-1:', { Ref: 'AWS::AccountId' }, ...parts]],
});

describe('RolloutGuard in the stack (shipped config)', () => {
  let b: Built;
  let ids: {
    guardFn: string;
    guardRole: string;
    composite: string;
    page: string;
    app: string;
    env: string;
    profile: string;
    offVersion: string;
    killSwitch: string;
    key: string;
    logs: string;
  };

  beforeAll(() => {
    b = build();
    const { t } = b;
    const guardFn = Object.keys(t.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('Guard'))!;
    const fn = t.findResources('AWS::Lambda::Function')[guardFn] as Resource;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    ids = {
      guardFn,
      guardRole: role,
      composite: onlyId(t, 'AWS::CloudWatch::CompositeAlarm'),
      page: onlyId(t, 'AWS::SNS::Topic', { DisplayName: 'LLM rollout: on-call page' }),
      app: onlyId(t, 'AWS::AppConfig::Application'),
      env: onlyId(t, 'AWS::AppConfig::Environment'),
      profile: onlyId(t, 'AWS::AppConfig::ConfigurationProfile'),
      offVersion: onlyId(t, 'AWS::AppConfig::HostedConfigurationVersion', { VersionLabel: 'off' }),
      killSwitch: onlyId(t, 'AWS::AppConfig::DeploymentStrategy', { Name: 'llm-model-rollout-off' }),
      key: onlyId(t, 'AWS::KMS::Key'),
      logs: Object.keys(t.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('Guard'))!,
    };
    expect(guardFn).toBeDefined();
    expect(ids.logs).toBeDefined();
  });

  it('runs on the rollback alarm’s move to ALARM, and only then', () => {
    const { t } = b;
    const rules = t.findResources('AWS::Events::Rule', {
      Properties: { Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.guardFn, 'Arn'] } })] },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0] as Resource;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: [{ 'Fn::GetAtt': [ids.composite, 'Arn'] }],
      detail: { state: { value: ['ALARM'] } },
    });
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets).toEqual([
      { Arn: { 'Fn::GetAtt': [ids.guardFn, 'Arn'] }, Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 4 } },
    ]);
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.guardFn, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Object.keys(rules)[0]!, 'Arn'] },
    });
  });

  it('is a Node.js 24 arm64 function whose environment names the flag’s resources, the alarm and the topic', () => {
    b.t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: GUARD_TIMING.lambdaTimeoutSeconds,
      Role: { 'Fn::GetAtt': [ids.guardRole, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
      Environment: {
        Variables: {
          APPLICATION_ID: { Ref: ids.app },
          ENVIRONMENT_ID: { Ref: ids.env },
          PROFILE_ID: { Ref: ids.profile },
          OFF_VERSION: { Ref: ids.offVersion },
          KILL_SWITCH_STRATEGY_ID: { Ref: ids.killSwitch },
          ROLLBACK_ALARM_NAME: { Ref: ids.composite },
          NOTIFY_TOPIC_ARN: { Ref: ids.page },
          POWERTOOLS_SERVICE_NAME: 'rollback-guard',
        },
      },
    });
  });

  // The guard works to its deadline (remaining time less the margin): the timeout must hold the
  // longest run it should finish at once, and the margin what runs after the last deadline check.
  it('has a timeout that holds the guard’s longest expected run plus its margin', () => {
    const fn = b.t.findResources('AWS::Lambda::Function')[ids.guardFn] as Resource;
    const timeoutMs = (fn.Properties.Timeout as number) * 1000;
    expect(timeoutMs - GUARD_TIMING.marginMs).toBe(workBudgetMs());
    expect(timeoutMs).toBeGreaterThanOrEqual(longestExpectedRunMs() + GUARD_TIMING.marginMs);
    expect(timeoutMs).toBeLessThanOrEqual(900_000);
  });

  // AWS Lambda Developer Guide, "Types of metrics for Lambda functions", asynchronous invocation
  // metrics: AsyncEventsDropped counts the events dropped without the function succeeding,
  // sent first to the on-failure destination. Errors also counts a first attempt that Lambda's
  // retry (AWS Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous
  // invocation": two more attempts, one and two minutes apart) then fixes.
  it('pages from the guard-failure alarm only once Lambda’s retries are spent: AsyncEventsDropped, not Errors', () => {
    const found = b.t.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: 'LlmModelRollout/rollback-guard-failures' },
    });
    expect(Object.keys(found)).toHaveLength(1);
    const alarm = (Object.values(found)[0] as Resource).Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.guardFn } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.page }],
    });
    expect(alarm.AlarmDescription).toMatch(/^The rollback guard gave up after its retries/);
  });

  it('is retried twice by Lambda, then pages through the failure destination', () => {
    // The guard's and the judge's (no retries: test/constructs/rollout-judge.test.ts).
    b.t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    b.t.resourcePropertiesCountIs('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: ids.guardFn } }, 1);
    b.t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.guardFn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { Ref: ids.page } } },
    });
  });

  it('may only read, stop, revert and start deployments of the rollout, pause the rollback alarm and page', () => {
    const policies = b.t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: ids.guardRole }] } });
    expect(Object.keys(policies)).toHaveLength(1);
    const statements = (Object.values(policies)[0] as { Properties: { PolicyDocument: { Statement: Statement[] } } })
      .Properties.PolicyDocument.Statement;
    const envArn = arn(':application/', { Ref: ids.app }, '/environment/', { Ref: ids.env });
    // The application is a required resource type of every deployment action (Service
    // Authorization Reference for AWS AppConfig); test/stacks/lambda-permissions.test.ts checks each call.
    const appArn = arn(':application/', { Ref: ids.app });
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: 'appconfig:ListDeployments', Resource: [envArn, appArn] },
        {
          Effect: 'Allow',
          Action: ['appconfig:GetDeployment', 'appconfig:StopDeployment'],
          Resource: [
            arn(':application/', { Ref: ids.app }, '/environment/', { Ref: ids.env }, '/deployment/*'),
            envArn,
            appArn,
          ],
        },
        {
          Effect: 'Allow',
          Action: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
          Resource: { 'Fn::GetAtt': [ids.composite, 'Arn'] },
        },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: ids.page } },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: { 'Fn::GetAtt': [ids.key, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [ids.logs, 'Arn'] },
        },
      ]),
    );
    const start = statements.filter((s) => s.Action === 'appconfig:StartDeployment');
    expect(start).toHaveLength(1);
    expect(start[0]!.Resource).toEqual(
      expect.arrayContaining([
        appArn,
        envArn,
        arn(':application/', { Ref: ids.app }, '/configurationprofile/', { Ref: ids.profile }),
        arn(':deploymentstrategy/', { Ref: ids.killSwitch }),
      ]),
    );
    expect(start[0]!.Resource).toHaveLength(4);
    expect(statements).toHaveLength(7);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('has no wildcard resource and no managed policy', () => {
    const policies = b.t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: ids.guardRole }] } });
    const statements = (Object.values(policies)[0] as { Properties: { PolicyDocument: { Statement: Statement[] } } })
      .Properties.PolicyDocument.Statement;
    for (const s of statements) {
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      expect(resources).not.toContain('*');
    }
    const role = b.t.findResources('AWS::IAM::Role')[ids.guardRole] as Resource;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });

  it('keeps its logs three months', () => {
    b.t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    expect((b.t.findResources('AWS::Logs::LogGroup')[ids.logs] as Resource).Properties.RetentionInDays).toBe(90);
  });

  it('leaves the whole stack clean under cdk-nag AwsSolutions', () => {
    const result = new AwsSolutionsChecks(b.app).validateScope(b.stack);
    expect(result.violations).toEqual([]);
  });
});

describe('RolloutGuard switched off (guard.enabled: false)', () => {
  it('creates no guard function, rule, invoke config or guard-failure alarm', () => {
    const { stack, t } = build(
      configWith((c) => {
        c.guard.enabled = false;
      }),
    );
    expect(stack.guard).toBeUndefined();
    // The gateway, the judge, and the first-deploy custom resource (its function and the Provider framework's).
    t.resourceCountIs('AWS::Lambda::Function', 4);
    t.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Description: Match.stringLikeRegexp('Rolls the model rollout back') },
      0,
    );
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROLLOUT_GATEWAY_SETTINGS: Match.anyValue() }) },
    });
    // The judge's only.
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    // Only the notifications' "back to OK" rule listens to alarms.
    t.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.objectLike({ source: ['aws.cloudwatch'] }) },
      1,
    );
    t.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.objectLike({ detail: Match.objectLike({ previousState: { value: ['ALARM'] } }) }) },
      1,
    );
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmName: 'LlmModelRollout/rollback-guard-failures' }, 0);
    // The composite still guards deployments as the AppConfig monitor, and still pages.
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    t.hasResourceProperties('AWS::AppConfig::Environment', {
      Monitors: Match.arrayWith([Match.objectLike({ AlarmArn: Match.anyValue() })]),
    });
  });

  it('is still clean under cdk-nag without the guard', () => {
    const { app, stack } = build(
      configWith((c) => {
        c.guard.enabled = false;
      }),
    );
    expect(new AwsSolutionsChecks(app).validateScope(stack).violations).toEqual([]);
  });
});
