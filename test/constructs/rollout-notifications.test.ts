import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { APPCONFIG_EVENTBRIDGE_EXTENSION, RolloutNotifications } from '../../lib/constructs/rollout-notifications';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

const CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true };

function synthStack(config: RolloutConfig = shippedConfig()): Template {
  return Template.fromStack(new ModelRolloutStack(new App({ context: CONTEXT }), 'Rollout', { config }));
}

/** RolloutNotifications alone, on a bare AppConfig application. */
function synthUnit(config: RolloutConfig = shippedConfig()): {
  stack: Stack;
  notifications: RolloutNotifications;
  application: appconfig.Application;
  template: () => Template;
} {
  const stack = new Stack(new App({ context: CONTEXT }), 'Test', {
    env: { region: 'us-east-1', account: '123456789012' },
  });
  const application = new appconfig.Application(stack, 'App', { applicationName: 'app' });
  const notifications = new RolloutNotifications(stack, 'Notifications', { config, application });
  return { stack, notifications, application, template: () => Template.fromStack(stack) };
}

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Principal?: unknown;
  Condition?: unknown;
  Resource?: unknown;
};

function topicId(t: Template, displayName: string): string {
  const ids = Object.keys(t.findResources('AWS::SNS::Topic', { Properties: { DisplayName: displayName } }));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('RolloutNotifications in the stack', () => {
  let t: Template;
  let page: string;
  let stakeholders: string;
  let key: string;

  beforeAll(() => {
    t = synthStack();
    page = topicId(t, 'LLM rollout: on-call page');
    stakeholders = topicId(t, 'LLM rollout: deployment news');
    const keys = Object.keys(t.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    key = keys[0]!;
  });

  it('creates two topics, both encrypted with the one rotating KMS key', () => {
    t.resourceCountIs('AWS::SNS::Topic', 2);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
  });

  it('refuses publishing over plain HTTP on both topics', () => {
    t.resourceCountIs('AWS::SNS::TopicPolicy', 2);
    for (const topic of [page, stakeholders]) {
      t.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: { Ref: topic },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        },
      });
    }
  });

  it("lets CloudWatch and Budgets use the key to publish (EventBridge through its target's own statement), nothing more", () => {
    const [resource] = Object.values(t.findResources('AWS::KMS::Key')) as {
      Properties: { KeyPolicy: { Statement: Statement[] } };
    }[];
    const statements = resource!.Properties.KeyPolicy.Statement;
    const publishers = statements.filter((s) => s.Sid === 'AllowRolloutPublishers');
    expect(publishers).toEqual([
      {
        Sid: 'AllowRolloutPublishers',
        Effect: 'Allow',
        Principal: { Service: ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com'] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      },
    ]);
    // Service principals get no more than Decrypt and GenerateDataKey*.
    for (const s of statements.filter((st) => JSON.stringify(st.Principal ?? {}).includes('Service'))) {
      expect(s.Effect).toBe('Allow');
      expect(s.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
  });

  it('subscribes the on-call emails to the page topic and the stakeholder emails to the stakeholder topic', () => {
    t.resourceCountIs('AWS::SNS::Subscription', 2);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'llm-oncall@example.com',
      TopicArn: { Ref: page },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'llm-platform@example.com',
      TopicArn: { Ref: stakeholders },
    });
  });

  it('associates the AppConfig EventBridge extension with the rollout application', () => {
    const application = Object.keys(t.findResources('AWS::AppConfig::Application'))[0]!;
    t.resourceCountIs('AWS::AppConfig::ExtensionAssociation', 1);
    t.hasResourceProperties('AWS::AppConfig::ExtensionAssociation', {
      ExtensionIdentifier: 'AWS.AppConfig.DeploymentNotificationsToEventBridge',
      ResourceIdentifier: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':appconfig:us-east-1:',
            { Ref: 'AWS::AccountId' },
            ':application/',
            { Ref: application },
          ],
        ],
      },
    });
  });

  it('forwards AppConfig deployment events to the stakeholder topic only, which lets EventBridge publish', () => {
    const rules = t.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: Match.objectLike({ source: ['aws.appconfig'] }) },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    t.hasResourceProperties('AWS::Events::Rule', {
      // Deployment events only, not the CloudTrail API-call events that share the source.
      EventPattern: {
        source: ['aws.appconfig'],
        'detail-type': [
          'On Deployment Start',
          'On Deployment Complete',
          'On Deployment Rollback',
          'On Deployment Rolled Back',
        ],
      },
      State: 'ENABLED',
      Targets: [{ Arn: { Ref: stakeholders }, Id: 'Target0' }],
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: stakeholders }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: stakeholders },
          }),
        ]),
      },
    });
  });

  // A topic policy replaces SNS's default policy (Amazon SNS Developer Guide, "Amazon SNS access
  // control"), so CloudWatch alarm actions need their own statement, scoped to this stack's alarms.
  it("lets only this stack's CloudWatch alarms in this account publish to the page topic", () => {
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: page }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowRolloutAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: page },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudwatch:us-east-1:',
                      { Ref: 'AWS::AccountId' },
                      ':alarm:LlmModelRollout/*',
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
  });

  it('pages "back to OK" through EventBridge only after an ALARM, never on a new alarm\'s first OK, and only for paging alarms', () => {
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
      for (const r of Object.values(t.findResources(type)) as { Properties: Record<string, unknown> }[])
        expect(r.Properties.OKActions).toBeUndefined();
    }
    const rules = Object.values(
      t.findResources('AWS::Events::Rule', {
        Properties: {
          EventPattern: Match.objectLike({ detail: { previousState: { value: ['ALARM'] }, state: { value: ['OK'] } } }),
        },
      }),
    ) as { Properties: { EventPattern: { resources: unknown[] }; Targets: unknown[] } }[];
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    // Exactly the alarms that page on ALARM: the composite, the new model's thresholds, the judge
    // heartbeat, gateway health, vendor key, guard failures, spend.
    const paging = Object.entries({
      ...t.findResources('AWS::CloudWatch::Alarm'),
      ...t.findResources('AWS::CloudWatch::CompositeAlarm'),
    })
      .filter(([, r]) => (r as { Properties: { AlarmActions?: unknown[] } }).Properties.AlarmActions !== undefined)
      .map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(paging).toHaveLength(15);
    expect(rule.Properties.EventPattern.resources).toEqual(expect.arrayContaining(paging));
    expect(rule.Properties.EventPattern.resources).toHaveLength(paging.length);
    // No CloudWatch reason text in the page: EventBridge does not escape input-path values.
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { Ref: page },
        InputTransformer: expect.objectContaining({
          InputPathsMap: { 'detail-alarmName': '$.detail.alarmName', time: '$.time' },
        }),
      }),
    ]);
  });

  it('refuses a second recovery rule and an empty list of alarms', () => {
    const { notifications, stack } = synthUnit();
    expect(() => notifications.pageOnRecovery([])).toThrow(/needs at least one alarm/);
    const alarm = cloudwatch.Alarm.fromAlarmArn(stack, 'A', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:x/y');
    notifications.pageOnRecovery([alarm]);
    expect(() => notifications.pageOnRecovery([alarm])).toThrow(/already called/);
  });
});

describe('RolloutNotifications from config', () => {
  it('subscribes https endpoints and every listed email', () => {
    const t = synthStack(
      configWith((c) => {
        c.notifications.onCallHttpsEndpoints = ['https://events.pagerduty.example.com/integration/abc/enqueue'];
        c.notifications.onCallEmails = ['a@example.com', 'b@example.com'];
        c.notifications.stakeholderEmails = ['s1@example.com', 's2@example.com', 's3@example.com'];
      }),
    );
    const page = topicId(t, 'LLM rollout: on-call page');
    const stakeholders = topicId(t, 'LLM rollout: deployment news');
    t.resourceCountIs('AWS::SNS::Subscription', 6);
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { TopicArn: { Ref: page } }, 3);
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { TopicArn: { Ref: stakeholders } }, 3);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://events.pagerduty.example.com/integration/abc/enqueue',
      TopicArn: { Ref: page },
    });
    for (const email of ['a@example.com', 'b@example.com']) {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: page },
      });
    }
    for (const email of ['s1@example.com', 's2@example.com', 's3@example.com']) {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: stakeholders },
      });
    }
  });

  it('pages a pager URL alone and leaves the stakeholder topic without subscribers when config lists none', () => {
    const t = synthStack(
      configWith((c) => {
        c.notifications = {
          onCallEmails: [],
          onCallHttpsEndpoints: ['https://pager.example.com/hook'],
          stakeholderEmails: [],
        };
      }),
    );
    t.resourceCountIs('AWS::SNS::Topic', 2);
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://pager.example.com/hook',
      TopicArn: { Ref: topicId(t, 'LLM rollout: on-call page') },
    });
  });

  it('as a construct: exposes the key and topics, and targets the given application', () => {
    const u = synthUnit();
    expect(APPCONFIG_EVENTBRIDGE_EXTENSION).toBe('AWS.AppConfig.DeploymentNotificationsToEventBridge');
    const t = u.template();
    const keyId = u.stack.getLogicalId(u.notifications.key.node.defaultChild as kms.CfnKey);
    t.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'LLM rollout: on-call page',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const appId = u.stack.getLogicalId(u.application.node.defaultChild as appconfig.CfnApplication);
    t.hasResourceProperties('AWS::AppConfig::ExtensionAssociation', {
      ResourceIdentifier: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: appId }])] }),
    });
  });
});
