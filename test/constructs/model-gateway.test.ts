import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ModelGateway } from '../../lib/constructs/model-gateway';
import { RolloutFlags } from '../../lib/constructs/rollout-flags';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { parseGatewaySettings } from '../../lib/domain/gateway-settings';
import { configWith, shippedConfig } from '../fixtures/config';

interface Built {
  app: App;
  stack: Stack;
  gateway: ModelGateway;
  template: () => Template;
}

/** Bundling is skipped here (context); model-rollout-stack.test.ts bundles for real. */
function build(config: RolloutConfig = shippedConfig(), region: string | null = 'us-east-1'): Built {
  // minimizePolicies as in cdk.json, so statements merge as they do at `cdk synth`.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true } });
  const stack = new Stack(app, 'Test', region ? { env: { region, account: '123456789012' } } : {});
  const flags = new RolloutFlags(stack, 'Flags', { config });
  const gateway = new ModelGateway(stack, 'Gateway', { config, flags, callerArns: config.gateway.callerArns });
  return { app, stack, gateway, template: () => Template.fromStack(stack) };
}

type Env = Record<string, string>;
function functionEnv(t: Template): Env {
  const fns = Object.values(
    t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Model gateway') } }),
  ) as { Properties: { Environment: { Variables: Env } } }[];
  expect(fns).toHaveLength(1);
  return fns[0]!.Properties.Environment.Variables;
}

describe('ModelGateway', () => {
  // The pinned agent, not aws-cdk-lib's 2023 table (us-east-1 arm64 layer 61 = agent 2.0.358,
  // too old for entity-based gradual deployments; AWS AppConfig User Guide, "Understanding
  // available versions of the AWS AppConfig Agent Lambda extension").
  it('is a Node.js 24 arm64 function with the pinned AppConfig Agent arm64 layer of its region', () => {
    const t = build().template();
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Model gateway') }, 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 300,
      Handler: 'index.handler',
      Layers: ['arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension-Arm64:254'],
    });
  });

  it('uses appConfig.agentLayerArn instead of the pinned layer when config sets it', () => {
    const arn = 'arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension-Arm64:262';
    build(
      configWith((c) => {
        c.appConfig.agentLayerArn = arn;
      }),
    )
      .template()
      .hasResourceProperties('AWS::Lambda::Function', { Layers: [arn] });
  });

  it('refuses a stack without a concrete region (the agent layer would be missing)', () => {
    expect(() => build(shippedConfig(), null)).toThrow(
      /needs a concrete region for the AppConfig Agent layer: give the stack env.region/,
    );
  });

  it('serves a Function URL with AWS_IAM auth and response streaming', () => {
    const t = build().template();
    t.resourceCountIs('AWS::Lambda::Url', 1);
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' });
  });

  it('passes the gateway settings, secret ids and agent settings in its environment, and no secret value', () => {
    const t = build().template();
    const env = functionEnv(t);
    const settings = parseGatewaySettings(env.ROLLOUT_GATEWAY_SETTINGS!);
    expect(settings.flagKey).toBe('enable_claude_haiku_4_5');
    expect(settings.defaultModel).toEqual({
      alias: 'claude-sonnet-4-6',
      vendorModelId: 'claude-sonnet-4-6',
      inputUsdPerMillionTokens: 3,
      outputUsdPerMillionTokens: 15,
      maxOutputTokens: 128000,
    });
    expect(settings.newModel).toMatchObject({
      vendorModelId: 'claude-haiku-4-5-20251001',
      maxOutputTokens: 64000,
      requestRules: ['oneSamplingParameter', 'clampMaxTokens'],
    });
    expect(settings.appConfig).toEqual({
      application: 'llm-model-rollout',
      environment: 'production',
      profile: 'model-flags',
    });
    expect(env.VENDOR_API_KEY_SECRET_ID).toBe('llm-model-rollout/anthropic-api-key');
    expect(env.AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS).toBe('15');
    expect(env.AWS_APPCONFIG_EXTENSION_PREFETCH_LIST).toBe(
      '/applications/llm-model-rollout/environments/production/configurations/model-flags',
    );
    expect(JSON.stringify(env)).not.toMatch(/sk-ant|apiKey/);
  });

  // The gateway reads its secrets with its own GetSecretValue call (no SDK endpoint resolution),
  // so the stack names the endpoint: the region's, on the partition's own domain.
  it("names the region's Secrets Manager endpoint on the partition's domain", () => {
    expect(functionEnv(build().template()).AWS_ENDPOINT_URL_SECRETS_MANAGER).toEqual({
      'Fn::Join': ['', ['https://secretsmanager.us-east-1.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(functionEnv(build(shippedConfig(), 'cn-north-1').template()).AWS_ENDPOINT_URL_SECRETS_MANAGER).toEqual({
      'Fn::Join': ['', ['https://secretsmanager.cn-north-1.', { Ref: 'AWS::URLSuffix' }]],
    });
  });

  it('generates the id-hashing key as a stack secret and lets only the function read the two secrets', () => {
    const t = build().template();
    t.resourceCountIs('AWS::SecretsManager::Secret', 1);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            Resource: [
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':secretsmanager:us-east-1:123456789012:secret:llm-model-rollout/anthropic-api-key-??????',
                  ],
                ],
              },
              { Ref: Match.stringLikeRegexp('GatewayIdHashKey') },
            ],
          },
        ]),
      },
    });
  });

  it('may decrypt with the KMS key that encrypts the vendor secret when config names one, and with no key otherwise', () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const decrypts = (t: Template): unknown[] =>
      Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (
          p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }
        ).Properties.PolicyDocument.Statement.filter((st) => JSON.stringify(st.Action).includes('kms:')).map((st) => ({
          Action: st.Action,
          Resource: st.Resource,
        })),
      );
    expect(decrypts(build().template())).toEqual([]);
    const withKey = build(configWith((c) => (c.gateway.vendorApiKeySecretKmsKeyArn = key))).template();
    expect(decrypts(withKey)).toEqual([{ Action: 'kms:Decrypt', Resource: key }]);
  });

  it('reads only its own flag profile and writes only its own log group', () => {
    const t = build().template();
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('GatewayLogs'), 'Arn'] },
          },
          {
            Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([
                  { Ref: Match.stringLikeRegexp('FlagsEnvironment') },
                  '/configuration/',
                  { Ref: Match.stringLikeRegexp('FlagsFlagConfigurationProfile') },
                ]),
              ],
            },
          },
        ]),
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    // The gateway's role has no managed policy (the first-deploy custom resource's Provider
    // framework, also in this stack, brings its own).
    t.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { Description: Match.stringLikeRegexp('^Model gateway'), ManagedPolicyArns: Match.anyValue() },
      0,
    );
    t.resourcePropertiesCountIs('AWS::IAM::Role', { Description: Match.stringLikeRegexp('^Model gateway') }, 1);
  });

  it('grants the configured callers the Function URL (both permissions of the dual-auth model)', () => {
    const caller = 'arn:aws:iam::123456789012:role/chat-app';
    const t = build(
      configWith((c) => {
        c.gateway.callerArns = [caller];
      }),
    ).template();
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: caller,
      FunctionUrlAuthType: 'AWS_IAM',
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: caller,
      InvokedViaFunctionUrl: true,
    });
  });

  it('grantInvoke gives a role in the stack the Function URL', () => {
    const { stack, gateway, template } = build();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    gateway.grantInvoke(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:InvokeFunctionUrl',
            Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
          }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('App') }],
    });
  });

  it('is clean under cdk-nag AwsSolutions', () => {
    const { app, stack } = build();
    const result = new AwsSolutionsChecks(app).validateScope(stack);
    expect(result.violations).toEqual([]);
  });
});
