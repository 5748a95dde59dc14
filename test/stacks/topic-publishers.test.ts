import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';
import { evaluatePolicy, type PolicyDocumentJson, type PolicyRequest } from '../helpers/iam-policy';
import { TemplateResolver, type TemplateJson } from '../helpers/template-resolver';

/**
 * Every message the stack means to send must be deliverable in a real account. Rules encoded:
 * - SNS: an AWS::SNS::TopicPolicy replaces the topic's default policy, so each publishing
 *   service needs its own Allow; CloudWatch alarms publish as `cloudwatch.amazonaws.com` with
 *   aws:SourceArn = the alarm ARN and aws:SourceAccount (Amazon SNS Developer Guide, "Amazon SNS
 *   access control" / "Example cases for Amazon SNS access control"; CloudWatch User Guide,
 *   "Alarm actions: Amazon SNS").
 * - SNS + KMS: with a customer managed key, the publishing service must be allowed
 *   kms:GenerateDataKey* and kms:Decrypt in the key policy (Amazon SNS Developer Guide, "Data
 *   encryption – Key management", "Enable compatibility between event sources from AWS services
 *   and encrypted topics").
 * - AWS Budgets publishes as `budgets.amazonaws.com` (AWS Budgets User Guide, "Creating an Amazon
 *   SNS topic for budget notifications"); EventBridge as `events.amazonaws.com` (EventBridge User
 *   Guide, "Using resource-based policies: Amazon SNS permissions").
 * - A Lambda destination publishes with the function's execution role (Lambda Developer Guide,
 *   "Adding a destination"): identity policy on the topic and key; the key policy must delegate
 *   to IAM (the account root principal) for that to count (AWS KMS Developer Guide, "Default key
 *   policy").
 */

const CONTEXT = { 'aws:cdk:bundling-stacks': [] };

interface Publisher {
  readonly what: string;
  readonly topicId: string;
  readonly request: Omit<PolicyRequest, 'action' | 'resource'>;
  /** An identity-based publisher (an IAM role) rather than a service principal. */
  readonly roleId?: string;
}

function synth(config: RolloutConfig = shippedConfig()): TemplateResolver {
  const stack = new ModelRolloutStack(new App({ context: CONTEXT }), 'Rollout', { config });
  return new TemplateResolver(Template.fromStack(stack).toJSON() as TemplateJson);
}

const SERVICE_CONTEXT = (r: TemplateResolver, sourceArn: string): Readonly<Record<string, string>> => ({
  'aws:SourceArn': sourceArn,
  'aws:SourceAccount': r.place.account,
  'aws:SecureTransport': 'true',
});

/** Every (publisher → topic) edge the template declares. */
function publishers(r: TemplateResolver): Publisher[] {
  const out: Publisher[] = [];
  const topicOf = (value: unknown): string | undefined => {
    const id = r.idOfArn(r.str(value));
    return id && r.resource(id).Type === 'AWS::SNS::Topic' ? id : undefined;
  };
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
    for (const [id, p] of r.ofType(type)) {
      const alarmArn = r.getAtt(id, 'Arn');
      for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
        for (const action of (p[key] as unknown[] | undefined) ?? []) {
          const topicId = topicOf(action);
          if (!topicId)
            throw new Error(`${id}.${key} has an action that is not a topic of this stack: ${JSON.stringify(action)}`);
          out.push({
            what: `alarm ${r.str(p.AlarmName)} ${key}`,
            topicId,
            request: { principal: { service: 'cloudwatch.amazonaws.com' }, context: SERVICE_CONTEXT(r, alarmArn) },
          });
        }
      }
    }
  }
  for (const [id, p] of r.ofType('AWS::Budgets::Budget')) {
    const budget = p.Budget as { BudgetName: string };
    const budgetArn = `arn:${r.place.partition}:budgets::${r.place.account}:budget/${r.str(budget.BudgetName)}`;
    for (const n of (p.NotificationsWithSubscribers as Array<{
      Subscribers: Array<{ SubscriptionType: string; Address: unknown }>;
    }>) ?? []) {
      for (const s of n.Subscribers.filter((x) => x.SubscriptionType === 'SNS')) {
        const topicId = topicOf(s.Address);
        if (!topicId) throw new Error(`budget ${id} notifies a topic that is not in this stack`);
        out.push({
          what: `budget ${id}`,
          topicId,
          request: { principal: { service: 'budgets.amazonaws.com' }, context: SERVICE_CONTEXT(r, budgetArn) },
        });
      }
    }
  }
  for (const [id, p] of r.ofType('AWS::Events::Rule')) {
    for (const target of (p.Targets as Array<{ Arn: unknown }> | undefined) ?? []) {
      const topicId = topicOf(target.Arn);
      if (topicId)
        out.push({
          what: `rule ${id}`,
          topicId,
          request: { principal: { service: 'events.amazonaws.com' }, context: SERVICE_CONTEXT(r, r.getAtt(id, 'Arn')) },
        });
    }
  }
  for (const [id, p] of r.ofType('AWS::Lambda::EventInvokeConfig')) {
    const destinations = (p.DestinationConfig ?? {}) as Record<string, { Destination: unknown }>;
    const fnId = r.idOfArn(r.str(p.FunctionName)) ?? r.str(p.FunctionName);
    const roleId = r.idOfArn(r.str(r.resource(fnId).Properties.Role));
    if (!roleId) throw new Error(`function ${fnId} has no role in this stack`);
    for (const [when, d] of Object.entries(destinations)) {
      const topicId = topicOf(d.Destination);
      if (topicId)
        out.push({
          what: `lambda ${fnId} ${when} destination (${id})`,
          topicId,
          roleId,
          request: { principal: { arn: r.getAtt(roleId, 'Arn') }, context: { 'aws:SecureTransport': 'true' } },
        });
    }
  }
  return out;
}

function topicPolicies(r: TemplateResolver, topicId: string): PolicyDocumentJson[] {
  const arn = r.ref(topicId);
  return r
    .ofType('AWS::SNS::TopicPolicy')
    .filter(([, p]) => (r.resolve(p.Topics) as string[]).includes(arn))
    .map(([, p]) => r.resolve(p.PolicyDocument) as PolicyDocumentJson);
}

function keyPolicyOf(r: TemplateResolver, topicId: string): { keyArn: string; policy: PolicyDocumentJson } | undefined {
  const keyRef = r.resource(topicId).Properties.KmsMasterKeyId;
  if (keyRef === undefined) return undefined;
  const keyArn = r.str(keyRef);
  const keyId = r.idOfArn(keyArn);
  if (!keyId) throw new Error(`topic ${topicId} uses a key outside the stack (${keyArn})`);
  return { keyArn, policy: r.resolve(r.resource(keyId).Properties.KeyPolicy) as PolicyDocumentJson };
}

function rolePolicies(r: TemplateResolver, roleId: string): PolicyDocumentJson[] {
  const roleName = r.ref(roleId);
  return r
    .ofType('AWS::IAM::Policy')
    .filter(([, p]) => (r.resolve(p.Roles) as string[]).includes(roleName))
    .map(([, p]) => r.resolve(p.PolicyDocument) as PolicyDocumentJson);
}

/** Why `pub` cannot deliver, or undefined when it can. */
function deliveryProblem(r: TemplateResolver, pub: Publisher): string | undefined {
  const topicArn = r.ref(pub.topicId);
  const publish: PolicyRequest = { ...pub.request, action: 'sns:Publish', resource: topicArn };
  const topicDecisions = topicPolicies(r, pub.topicId).map((doc) => evaluatePolicy(doc, publish));
  if (topicDecisions.includes('deny')) return `the topic policy of ${pub.topicId} denies sns:Publish`;
  const key = keyPolicyOf(r, pub.topicId);
  if (pub.roleId) {
    // Same-account IAM principal: an identity Allow is enough unless a resource policy denies.
    const identity = rolePolicies(r, pub.roleId);
    if (!identity.some((doc) => evaluatePolicy(doc, publish) === 'allow'))
      return `role ${pub.roleId} may not sns:Publish to ${pub.topicId}`;
    if (key) {
      const delegates =
        evaluatePolicy(key.policy, {
          principal: pub.request.principal,
          action: 'kms:GenerateDataKey',
          resource: key.keyArn,
          context: {},
        }) === 'allow';
      if (!delegates) return `the key policy of ${pub.topicId}'s key does not delegate to IAM for role ${pub.roleId}`;
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        const req: PolicyRequest = { principal: pub.request.principal, action, resource: key.keyArn, context: {} };
        if (!identity.some((doc) => evaluatePolicy(doc, req) === 'allow'))
          return `role ${pub.roleId} may not ${action} on ${pub.topicId}'s key`;
      }
    }
    return undefined;
  }
  if (!topicDecisions.includes('allow'))
    return `no statement of ${pub.topicId}'s topic policy lets ${JSON.stringify(pub.request.principal)} publish (context ${JSON.stringify(pub.request.context)})`;
  if (key) {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      const decision = evaluatePolicy(key.policy, { ...pub.request, action, resource: key.keyArn });
      if (decision !== 'allow')
        return `the key policy of ${pub.topicId}'s key gives ${JSON.stringify(pub.request.principal)} no ${action} (${decision})`;
    }
  }
  return undefined;
}

describe('every publisher can reach its topic (topic policy and key policy, as AWS evaluates them)', () => {
  const r = synth();
  const edges = publishers(r);

  it("finds the publishers the stack declares: alarm actions, the budget, EventBridge rules, the guard's failure destination", () => {
    const kinds = new Set(edges.map((e) => e.what.split(' ')[0]));
    expect([...kinds].sort()).toEqual(['alarm', 'budget', 'lambda', 'rule']);
    // Every alarm with an action: the rollback composite, the new model's fixed thresholds (they
    // page, the judge rolls back), the judge heartbeat, gateway health, vendor key, guard failure, vendor spend.
    const alarmNames = new Set(edges.filter((e) => e.what.startsWith('alarm ')).map((e) => e.what.split(' ')[1]));
    expect([...alarmNames].sort()).toEqual([
      'LlmModelRollout/gateway-function-errors',
      'LlmModelRollout/gateway-function-throttles',
      'LlmModelRollout/gateway-url-5xx',
      'LlmModelRollout/judge-heartbeat',
      'LlmModelRollout/new-model-error-rate',
      'LlmModelRollout/new-model-incompatible-rate',
      'LlmModelRollout/new-model-latency-p99',
      'LlmModelRollout/new-model-moderation-rate',
      'LlmModelRollout/new-model-throttle-rate',
      'LlmModelRollout/new-model-ttft-p99',
      'LlmModelRollout/rollback',
      'LlmModelRollout/rollback-guard-failures',
      'LlmModelRollout/vendor-auth-failures',
      'LlmModelRollout/vendor-spend-burn-rate',
      'LlmModelRollout/vendor-spend-daily',
    ]);
  });

  it.each(edges.map((e) => [e.what, e] as const))('%s can deliver', (_what, edge) => {
    expect(deliveryProblem(r, edge)).toBeUndefined();
  });

  it('every topic in the stack has at least one publisher, and every topic is SSL-only', () => {
    const topics = r.ofType('AWS::SNS::Topic').map(([id]) => id);
    expect(topics.length).toBeGreaterThanOrEqual(2);
    for (const id of topics) {
      expect(edges.some((e) => e.topicId === id)).toBe(true);
      const plain: PolicyRequest = {
        principal: { service: 'cloudwatch.amazonaws.com' },
        action: 'sns:Publish',
        resource: r.ref(id),
        context: { 'aws:SecureTransport': 'false' },
      };
      expect(topicPolicies(r, id).map((doc) => evaluatePolicy(doc, plain))).toContain('deny');
    }
  });

  it('alarms of another stack in the same account cannot publish to the page topic', () => {
    const alarm = edges.find((e) => e.what.startsWith('alarm LlmModelRollout/rollback '))!;
    const foreign: Publisher = {
      ...alarm,
      request: {
        ...alarm.request,
        context: {
          ...alarm.request.context,
          'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${r.place.account}:alarm:SomeoneElse/cpu`,
        },
      },
    };
    expect(deliveryProblem(r, foreign)).toMatch(/no statement/);
    const otherAccount: Publisher = {
      ...alarm,
      request: { ...alarm.request, context: { ...alarm.request.context, 'aws:SourceAccount': '444455556666' } },
    };
    expect(deliveryProblem(r, otherAccount)).toMatch(/no statement/);
  });

  it('holds for a config with another stack name (the alarm-name pattern follows it)', () => {
    const other = synth(
      configWith((c) => {
        c.stackName = 'Other';
      }),
    );
    const otherEdges = publishers(other);
    expect(otherEdges.filter((e) => e.what.startsWith('alarm Other/')).length).toBeGreaterThan(0);
    for (const e of otherEdges) expect([e.what, deliveryProblem(other, e)]).toEqual([e.what, undefined]);
  });
});
