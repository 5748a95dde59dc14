import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { shippedConfig } from '../fixtures/config';
import { evaluatePolicy, type PolicyDocumentJson } from '../helpers/iam-policy';
import { TemplateResolver, type TemplateJson } from '../helpers/template-resolver';

/**
 * Each Lambda may make exactly the AWS calls its code makes, on every resource type the call
 * requires. The Service Authorization Reference for AWS AppConfig lists, per action, the required
 * resource types (`application*` for ListDeployments, GetDeployment, StartDeployment and
 * StopDeployment, plus environment, deployment, configuration profile and deployment strategy
 * where they apply), and a policy that names resources must allow each of them. A missing grant
 * fails only in a real account — for the first-deploy resource, halfway through creating the stack.
 */

const r = new TemplateResolver(
  Template.fromStack(
    new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', {
      config: shippedConfig(),
    }),
  ).toJSON() as TemplateJson,
);
const { partition, region, account } = r.place;

function idOf(type: string, props: Record<string, unknown> = {}): string {
  const ids = r
    .ofType(type)
    .filter(([, p]) =>
      Object.entries(props).every(([k, v]) =>
        typeof v === 'function' ? (v as (x: unknown) => boolean)(p[k]) : p[k] === v,
      ),
    )
    .map(([id]) => id);
  expect([type, ids.length]).toEqual([type, 1]);
  return ids[0]!;
}

const appId = r.ref(idOf('AWS::AppConfig::Application'));
const envId = r.ref(idOf('AWS::AppConfig::Environment'));
const profileId = r.ref(idOf('AWS::AppConfig::ConfigurationProfile'));
const offStrategyId = r.ref(idOf('AWS::AppConfig::DeploymentStrategy', { Name: 'llm-model-rollout-off' }));
const ARN = {
  application: `arn:${partition}:appconfig:${region}:${account}:application/${appId}`,
  environment: `arn:${partition}:appconfig:${region}:${account}:application/${appId}/environment/${envId}`,
  deployment: `arn:${partition}:appconfig:${region}:${account}:application/${appId}/environment/${envId}/deployment/3`,
  profile: `arn:${partition}:appconfig:${region}:${account}:application/${appId}/configurationprofile/${profileId}`,
  offStrategy: `arn:${partition}:appconfig:${region}:${account}:deploymentstrategy/${offStrategyId}`,
  rollbackAlarm: `arn:${partition}:cloudwatch:${region}:${account}:alarm:LlmModelRollout/rollback`,
  windowReset: `arn:${partition}:ssm:${region}:${account}:parameter/LlmModelRollout/judge/window-reset`,
  // GetMetricData has no resource types (Service Authorization Reference for CloudWatch): `*` only.
  anyResource: '*',
};

/** The identity policies of the role of the function whose description starts with `description`. */
function rolePoliciesOf(description: string): PolicyDocumentJson[] {
  const fn = idOf('AWS::Lambda::Function', {
    Description: (d: unknown) => typeof d === 'string' && d.startsWith(description),
  });
  const roleId = r.idOfArn(r.str(r.resource(fn).Properties.Role))!;
  const roleName = r.ref(roleId);
  const inline = ((r.resource(roleId).Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map(
    (p) => r.resolve(p.PolicyDocument) as PolicyDocumentJson,
  );
  const attached = r
    .ofType('AWS::IAM::Policy')
    .filter(([, p]) => (r.resolve(p.Roles) as string[]).includes(roleName))
    .map(([, p]) => r.resolve(p.PolicyDocument) as PolicyDocumentJson);
  return [...inline, ...attached];
}

function allowed(policies: PolicyDocumentJson[], action: string, resource: string): boolean {
  const request = { principal: { arn: 'x' }, action, resource, context: {} };
  const decisions = policies.map((doc) =>
    evaluatePolicy({ Statement: doc.Statement.map((s) => ({ ...s, Principal: undefined })) }, request),
  );
  return !decisions.includes('deny') && decisions.includes('allow');
}

const CALLS: Record<string, Array<[string, Array<keyof typeof ARN>]>> = {
  'Starts the rollout flag at off': [
    ['appconfig:ListDeployments', ['application', 'environment']],
    ['appconfig:StartDeployment', ['application', 'environment', 'profile', 'offStrategy']],
    ['appconfig:GetDeployment', ['application', 'environment', 'deployment']],
    ['cloudwatch:DisableAlarmActions', ['rollbackAlarm']],
    ['cloudwatch:EnableAlarmActions', ['rollbackAlarm']],
  ],
  // lambda/judge: FlagDeployments.recent()/get(), GetParameter of the window reset, GetMetricData.
  'Judges the new model': [
    ['appconfig:ListDeployments', ['application', 'environment']],
    ['appconfig:GetDeployment', ['application', 'environment', 'deployment']],
    ['ssm:GetParameter', ['windowReset']],
    ['cloudwatch:GetMetricData', ['anyResource']],
  ],
  'Rolls the model rollout back': [
    ['appconfig:ListDeployments', ['application', 'environment']],
    ['appconfig:GetDeployment', ['application', 'environment', 'deployment']],
    ['appconfig:StopDeployment', ['application', 'environment', 'deployment']],
    ['appconfig:StartDeployment', ['application', 'environment', 'profile', 'offStrategy']],
    ['cloudwatch:DisableAlarmActions', ['rollbackAlarm']],
    ['cloudwatch:EnableAlarmActions', ['rollbackAlarm']],
  ],
};

describe.each(Object.entries(CALLS))('the function "%s…" may make every call its code makes', (description, calls) => {
  const policies = rolePoliciesOf(description);
  it.each(calls.flatMap(([action, kinds]) => kinds.map((k) => [action, k] as const)))(
    '%s on its %s',
    (action, kind) => {
      expect(allowed(policies, action, ARN[kind])).toBe(true);
    },
  );

  it('may not start a deployment with a phase strategy, nor touch another environment', () => {
    const phaseStrategy = `arn:${partition}:appconfig:${region}:${account}:deploymentstrategy/${r.ref(idOf('AWS::AppConfig::DeploymentStrategy', { Name: 'llm-model-rollout-canary' }))}`;
    expect(allowed(policies, 'appconfig:StartDeployment', phaseStrategy)).toBe(false);
    expect(
      allowed(
        policies,
        'appconfig:GetDeployment',
        `arn:${partition}:appconfig:${region}:${account}:application/${appId}/environment/other/deployment/3`,
      ),
    ).toBe(false);
  });
});
