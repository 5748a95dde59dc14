import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MAX_ENVIRONMENT_MONITORS, RolloutFlags } from '../../lib/constructs/rollout-flags';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { featureFlagsSchemaViolations } from '../../lib/domain/feature-flags-schema-check';
import * as flagDocument from '../../lib/domain/flag-document';
import { FeatureFlagsSchemaError, FlagVersionRejectedError } from '../../lib/domain/flag-version-errors';
import { configWith, shippedConfig } from '../fixtures/config';

const FLAG = 'enable_claude_haiku_4_5';

function synth(config: RolloutConfig = shippedConfig()): {
  stack: Stack;
  flags: RolloutFlags;
  template: () => Template;
} {
  // Bundling skipped (the initial-deployment function); the stack tests bundle for real.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const flags = new RolloutFlags(stack, 'Flags', { config });
  return { stack, flags, template: () => Template.fromStack(stack) };
}

type CfnResource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function versions(template: Template): Record<string, CfnResource> {
  return template.findResources('AWS::AppConfig::HostedConfigurationVersion') as Record<string, CfnResource>;
}

function versionByLabel(template: Template, label: string): { id: string; content: Record<string, unknown> } {
  const found = Object.entries(versions(template)).filter(([, r]) => r.Properties.VersionLabel === label);
  expect(found).toHaveLength(1);
  const [id, resource] = found[0]!;
  return { id, content: JSON.parse(resource.Properties.Content as string) as Record<string, unknown> };
}

describe('RolloutFlags', () => {
  it('creates the application, environment and a feature-flags profile named from config', () => {
    const t = synth().template();
    t.resourceCountIs('AWS::AppConfig::Application', 1);
    t.hasResourceProperties('AWS::AppConfig::Application', { Name: 'llm-model-rollout' });
    t.resourceCountIs('AWS::AppConfig::Environment', 1);
    t.hasResourceProperties('AWS::AppConfig::Environment', { Name: 'production', Monitors: Match.absent() });
    t.resourceCountIs('AWS::AppConfig::ConfigurationProfile', 1);
    t.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
      Name: 'model-flags',
      LocationUri: 'hosted',
      Type: 'AWS.AppConfig.FeatureFlags',
    });
  });

  it('holds one labelled hosted version per phase plus off, each with its own values', () => {
    const config = shippedConfig();
    const t = synth(config).template();
    t.resourceCountIs('AWS::AppConfig::HostedConfigurationVersion', config.rollout.phases.length + 1);
    const off = versionByLabel(t, 'off').content as { values: Record<string, unknown> };
    // Empty lists are left out: AWS's schema refuses [] (the gateway reads a missing list as empty).
    expect(off.values[FLAG]).toStrictEqual({ enabled: false, rolloutPercent: 0, phase: 'off' });
    // full is configured at 100%; the judge's holdback (1% by default) stays on the default model.
    const expected: Record<string, number> = { smoke: 0.1, canary: 1, 'phase-2': 5, 'phase-3': 25, full: 99 };
    for (const [label, percent] of Object.entries(expected)) {
      const doc = versionByLabel(t, label).content as {
        values: Record<string, { rolloutPercent: number; phase: string; enabled: boolean }>;
      };
      expect(doc.values[FLAG]).toMatchObject({ enabled: true, rolloutPercent: percent, phase: label });
    }
    const smoke = versionByLabel(t, 'smoke').content as {
      values: Record<string, { allowlist: string[]; clientSegments: string[] }>;
    };
    expect(smoke.values[FLAG]!.allowlist).toEqual(['qa-user-1', 'qa-user-2']);
    expect(smoke.values[FLAG]!.clientSegments).toEqual(['internal-tools']);
  });

  // AppConfig checks each version against AWS's published schema for AWS.AppConfig.FeatureFlags
  // (User Guide: "Understanding the type reference for AWS.AppConfig.FeatureFlags") when
  // CloudFormation creates it; this checks the synthesized Content itself.
  it("gives every hosted version Content that validates against AWS's published schema", () => {
    const t = synth().template();
    const all = Object.values(versions(t));
    expect(all).toHaveLength(6);
    for (const resource of all) {
      const content = JSON.parse(resource.Properties.Content as string) as unknown;
      expect({ label: resource.Properties.VersionLabel, violations: featureFlagsSchemaViolations(content) }).toEqual({
        label: resource.Properties.VersionLabel,
        violations: [],
      });
      expect(resource.Properties.Content).not.toContain('[]');
    }
  });

  it('refuses to synth a version that would break the schema, naming the phase, path and rule', () => {
    const real = flagDocument.buildFlagDocument;
    const spy = jest.spyOn(flagDocument, 'buildFlagDocument').mockImplementation((config, phase) => {
      const doc = real(config, phase);
      if (phase !== 'canary') return doc;
      return { ...doc, values: { [FLAG]: { ...doc.values[FLAG]!, clientSegments: [] } } };
    });
    try {
      let caught: unknown;
      try {
        synth();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FlagVersionRejectedError);
      const error = caught as FlagVersionRejectedError;
      expect(error.versionLabel).toBe('canary');
      expect(error.message).toMatch(
        new RegExp(
          `^The flag version for phase 'canary' would be rejected by AppConfig: .*/values/${FLAG}/clientSegments must match exactly one schema in oneOf.*\\[oneOf at #/definitions/attributeValue/oneOf/3/oneOf\\]`,
        ),
      );
      expect(error.cause).toBeInstanceOf(FeatureFlagsSchemaError);
    } finally {
      spy.mockRestore();
    }
  });

  it('puts attribute constraints in every version so the console refuses invalid edits', () => {
    const t = synth().template();
    for (const label of ['off', 'smoke', 'full']) {
      const doc = versionByLabel(t, label).content as {
        version: string;
        flags: Record<string, { attributes: Record<string, { constraints: unknown }> }>;
      };
      expect(doc.version).toBe('1');
      const attributes = doc.flags[FLAG]!.attributes;
      expect(attributes.rolloutPercent!.constraints).toEqual({
        type: 'number',
        minimum: 0,
        maximum: 100,
        required: true,
      });
      // A pattern, not an enum of phase names: the versions must not change when a phase is added.
      expect(attributes.phase!.constraints).toEqual({
        type: 'string',
        pattern: '^[a-z][a-z0-9-]{0,30}$',
        required: true,
      });
      expect(attributes.allowlist!.constraints).toEqual({ type: 'array', elements: { type: 'string' } });
      expect(attributes.clientSegments!.constraints).toEqual({ type: 'array', elements: { type: 'string' } });
    }
  });

  it('chains the versions in phase order and retains them on delete', () => {
    const t = synth().template();
    const order = ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'];
    const ids = order.map((label) => versionByLabel(t, label).id);
    const all = versions(t);
    for (let i = 1; i < ids.length; i++) {
      expect(all[ids[i]!]!.DependsOn).toEqual([ids[i - 1]]);
    }
    // Kept on replace and on stack deletion; deleted only when the stack's own creation fails,
    // or that rollback could not delete the profile (AppConfig refuses while versions exist).
    t.allResources('AWS::AppConfig::HostedConfigurationVersion', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('creates one deployment strategy per phase and an all-at-once kill switch, named after them', () => {
    const t = synth().template();
    t.resourceCountIs('AWS::AppConfig::DeploymentStrategy', 6);
    t.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      Name: 'llm-model-rollout-off',
      DeploymentDurationInMinutes: 0,
      GrowthFactor: 100,
      GrowthType: 'LINEAR',
      FinalBakeTimeInMinutes: 0,
      ReplicateTo: 'NONE',
    });
    t.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      Name: 'llm-model-rollout-smoke',
      DeploymentDurationInMinutes: 10,
      GrowthFactor: 25,
      GrowthType: 'LINEAR',
      FinalBakeTimeInMinutes: 60,
    });
    t.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      Name: 'llm-model-rollout-canary',
      DeploymentDurationInMinutes: 20,
      GrowthFactor: 20,
      FinalBakeTimeInMinutes: 1440,
    });
    t.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      Name: 'llm-model-rollout-full',
      DeploymentDurationInMinutes: 120,
      GrowthFactor: 10,
      FinalBakeTimeInMinutes: 1440,
    });
  });

  it('uses an exponential strategy when a phase asks for one', () => {
    const config = configWith((c) => {
      c.rollout.phases[1]!.deployment.growthType = 'EXPONENTIAL';
      c.rollout.phases[1]!.deployment.growthFactor = 2;
    });
    synth(config).template().hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
      Name: 'llm-model-rollout-canary',
      GrowthType: 'EXPONENTIAL',
      GrowthFactor: 2,
    });
  });

  // One deployment at a time per environment, and a CloudFormation-owned deployment is
  // replaced whenever a version it names changes (AppConfig quotas; AWS::AppConfig::Deployment
  // properties all require replacement): the stack owns none.
  it('owns no deployment: a create-only custom resource starts the off version with the kill-switch strategy', () => {
    const t = synth().template();
    const off = versionByLabel(t, 'off');
    const strategies = t.findResources('AWS::AppConfig::DeploymentStrategy', {
      Properties: { Name: 'llm-model-rollout-off' },
    });
    t.resourceCountIs('AWS::AppConfig::Deployment', 0);
    t.resourceCountIs('Custom::RolloutInitialOffDeployment', 1);
    t.hasResourceProperties('Custom::RolloutInitialOffDeployment', {
      OffVersion: { Ref: off.id },
      KillSwitchStrategyId: { Ref: Object.keys(strategies)[0] },
      EnvironmentId: { Ref: Match.stringLikeRegexp('FlagsEnvironment') },
      ProfileId: { Ref: Match.stringLikeRegexp('FlagsFlagConfigurationProfile') },
      ApplicationId: { Ref: Match.stringLikeRegexp('FlagsApplication') },
    });
    // Its function may list deployments and start one (the off version), nothing else.
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('first deploy of a new stack'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  it("pauses the monitors' actions for the first off deployment: names them, may disable/enable only them, waits for them", () => {
    const { stack, flags, template } = synth();
    const alarm = new cloudwatch.CompositeAlarm(stack, 'Rollback', {
      compositeAlarmName: 'Pfx/rollback',
      alarmRule: cloudwatch.AlarmRule.fromString('FALSE'),
    });
    flags.addMonitor(alarm);
    const t = template();
    const alarmId = stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnCompositeAlarm);
    t.hasResource('Custom::RolloutInitialOffDeployment', {
      Properties: Match.objectLike({ MonitorAlarmNames: [{ Ref: alarmId }] }),
      DependsOn: Match.arrayWith([alarmId]),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [alarmId, 'Arn'] },
          },
        ]),
      },
    });
  });

  it('attaches monitors with a role AppConfig can assume', () => {
    const { stack, flags, template } = synth();
    const alarm = new cloudwatch.CompositeAlarm(stack, 'Rollback', {
      alarmRule: cloudwatch.AlarmRule.fromString('FALSE'),
    });
    flags.addMonitor(alarm);
    const t = template();
    t.hasResourceProperties('AWS::AppConfig::Environment', {
      Monitors: [
        {
          AlarmArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Rollback'), 'Arn'] },
          AlarmRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FlagsMonitorRole'), 'Arn'] },
        },
      ],
    });
    // The permission is inline in the role: CloudFormation may create the environment (which
    // validates and uses the monitor role) before a separate AWS::IAM::Policy exists.
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'appconfig.amazonaws.com' } }],
      },
      Policies: [
        {
          PolicyName: 'DescribeAlarms',
          PolicyDocument: { Statement: [{ Action: 'cloudwatch:DescribeAlarms', Effect: 'Allow', Resource: '*' }] },
        },
      ],
    });
    // No separate policy is attached to the monitor role.
    const monitorRole = Object.keys(
      t.findResources('AWS::IAM::Role', {
        Properties: { Description: Match.stringLikeRegexp('Lets AppConfig read the rollback alarms') },
      }),
    );
    expect(monitorRole).toHaveLength(1);
    expect(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: monitorRole[0] }] } })).toEqual({});
    expect(flags.monitors).toEqual([alarm]);
  });

  it(`refuses a monitor beyond AppConfig's limit of ${MAX_ENVIRONMENT_MONITORS}`, () => {
    const { stack, flags } = synth();
    for (let i = 0; i < MAX_ENVIRONMENT_MONITORS; i++) {
      flags.addMonitor(
        new cloudwatch.CompositeAlarm(stack, `A${i}`, { alarmRule: cloudwatch.AlarmRule.fromString('FALSE') }),
      );
    }
    const extra = new cloudwatch.CompositeAlarm(stack, 'Extra', {
      alarmRule: cloudwatch.AlarmRule.fromString('FALSE'),
    });
    expect(() => flags.addMonitor(extra)).toThrow(/already has 5 monitors.*Combine alarms into one CompositeAlarm/);
  });

  it('grants a reader the AppConfig data-plane calls on this flag profile in this environment only', () => {
    const { stack, flags, template } = synth();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    flags.grantReadFlag(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':appconfig:us-east-1:123456789012:application/',
                  { Ref: Match.stringLikeRegexp('FlagsApplication') },
                  '/environment/',
                  { Ref: Match.stringLikeRegexp('FlagsEnvironment') },
                  '/configuration/',
                  { Ref: Match.stringLikeRegexp('FlagsFlagConfigurationProfile') },
                ],
              ],
            },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('Reader') }],
    });
  });

  it('looks up versions and strategies by phase, and names the known ones for an unknown phase', () => {
    const { flags } = synth();
    expect(flags.versionNumberOf('canary')).toBeDefined();
    expect(() => flags.versionNumberOf('nope')).toThrow(
      /No flag version for phase 'nope'; known: off, smoke, canary, phase-2, phase-3, full/,
    );
    expect(() => flags.strategyFor('nope')).toThrow(/No deployment strategy for phase 'nope'/);
  });

  it('is clean under cdk-nag AwsSolutions, monitor role included', () => {
    const { stack, flags } = synth();
    flags.addMonitor(
      new cloudwatch.CompositeAlarm(stack, 'Rollback', { alarmRule: cloudwatch.AlarmRule.fromString('FALSE') }),
    );
    const result = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
    expect(result.violations).toEqual([]);
    expect(result.success).toBe(true);
  });
});
