import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmNamePrefix } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';

/** The AWS-authored AppConfig extension that sends deployment start/complete/rollback events to the default bus. */
export const APPCONFIG_EVENTBRIDGE_EXTENSION = 'AWS.AppConfig.DeploymentNotificationsToEventBridge';

/**
 * Deployment events as AppConfig sends them to EventBridge. Both spellings of the rollback
 * event are matched: the EventBridge reference says "On Deployment Rollback", AppConfig's
 * action point is ON_DEPLOYMENT_ROLLED_BACK.
 */
export const DEPLOYMENT_EVENT_TYPES = [
  'On Deployment Start',
  'On Deployment Complete',
  'On Deployment Rollback',
  'On Deployment Rolled Back',
] as const;

/**
 * Services that publish to the rollout topics and so must be able to use their key.
 * EventBridge is not listed: the SnsTopic rule target adds its own key statement.
 */
const PUBLISHING_SERVICES = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'];

export interface RolloutNotificationsProps {
  readonly config: RolloutConfig;
  /** The rollout's AppConfig application: its deployment events reach the stakeholder topic. */
  readonly application: appconfig.IApplication;
}

/**
 * Who hears about the rollout: an on-call paging topic (alarms, the guard) and a stakeholder
 * topic (deployment started / completed / rolled back), both KMS-encrypted and HTTPS-only,
 * with subscribers from config.
 */
export class RolloutNotifications extends Construct {
  public readonly key: kms.Key;
  /** Pages on-call: alarm ALARM/OK transitions, guard actions. */
  public readonly pageTopic: sns.Topic;
  /** Informs stakeholders: AppConfig deployment events. */
  public readonly stakeholderTopic: sns.Topic;

  public constructor(scope: Construct, id: string, props: RolloutNotificationsProps) {
    super(scope, id);
    const { notifications } = props.config;

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the rollout paging and stakeholder topics',
      enableKeyRotation: true,
    });
    // CloudWatch alarms, EventBridge rules and AWS Budgets publish as service principals:
    // an encrypted topic only accepts their messages if the key lets them use it.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRolloutPublishers',
        principals: PUBLISHING_SERVICES.map((s) => new iam.ServicePrincipal(s)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.pageTopic = new sns.Topic(this, 'PageTopic', {
      displayName: 'LLM rollout: on-call page',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.allowAlarmsToPublish(alarmNamePrefix(props.config));
    for (const email of notifications.onCallEmails)
      this.pageTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of notifications.onCallHttpsEndpoints)
      this.pageTopic.addSubscription(
        new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }),
      );

    this.stakeholderTopic = new sns.Topic(this, 'StakeholderTopic', {
      displayName: 'LLM rollout: deployment news',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of notifications.stakeholderEmails)
      this.stakeholderTopic.addSubscription(new subscriptions.EmailSubscription(email));

    new appconfig.CfnExtensionAssociation(this, 'DeploymentEvents', {
      extensionIdentifier: APPCONFIG_EVENTBRIDGE_EXTENSION,
      resourceIdentifier: props.application.applicationArn,
    });
    new events.Rule(this, 'DeploymentEventsRule', {
      description: 'AppConfig deployment start/complete/rollback of the rollout, to stakeholders',
      // Deployment events only: `aws.appconfig` also carries CloudTrail API-call events.
      eventPattern: { source: ['aws.appconfig'], detailType: [...DEPLOYMENT_EVENT_TYPES] },
      targets: [new targets.SnsTopic(this.stakeholderTopic)],
    });
  }

  /**
   * A topic policy replaces SNS's default policy, and the default is what lets CloudWatch alarm
   * actions publish: without this statement no alarm of the stack can page. Only alarms of this
   * stack (by name prefix) in this account may publish.
   */
  private allowAlarmsToPublish(prefix: string): void {
    const stack = Stack.of(this);
    this.pageTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRolloutAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.pageTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}/*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /**
   * "It is over" pages for the alarms that page on ALARM: one of them went from ALARM back to
   * OK. CloudWatch OK actions cannot do this: they also fire on a new alarm's first move from
   * INSUFFICIENT_DATA to OK, which would page on-call for every alarm at the first deploy. Only
   * the paging alarms are matched, so on-call never hears "over" for an alarm it never heard of
   * (the composite's child alarms). The page names the alarm and the time, not CloudWatch's
   * reason text: EventBridge does not escape values it puts into an input template.
   */
  public pageOnRecovery(alarms: readonly cloudwatch.IAlarm[]): events.Rule {
    if (this.node.tryFindChild('AlarmRecoveredRule'))
      throw new Error('RolloutNotifications.pageOnRecovery was already called; pass every paging alarm in one call.');
    if (alarms.length === 0) throw new Error('RolloutNotifications.pageOnRecovery needs at least one alarm.');
    return new events.Rule(this, 'AlarmRecoveredRule', {
      description: 'A paging rollout alarm went from ALARM back to OK: tell on-call it is over',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: alarms.map((a) => a.alarmArn),
        detail: {
          previousState: { value: ['ALARM'] },
          state: { value: ['OK'] },
        },
      },
      targets: [
        new targets.SnsTopic(this.pageTopic, {
          message: events.RuleTargetInput.fromText(
            `OK: ${events.EventField.fromPath('$.detail.alarmName')} is back to OK since ${events.EventField.time}. Check with: npx rollout status`,
          ),
        }),
      ],
    });
  }
}
