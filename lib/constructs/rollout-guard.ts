import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { GUARD_TIMING } from '../domain/guard-timing';
import { GUARD_ENVIRONMENT } from '../domain/lambda-environment';
import { OFF_PHASE } from '../domain/names';
import { grantDeployments } from './deployment-grants';
import { lambdaBundling } from './lambda-bundling';
import type { RolloutFlags } from './rollout-flags';

export interface RolloutGuardProps {
  readonly flags: RolloutFlags;
  /** The composite rollback alarm: its move to ALARM triggers the guard. */
  readonly rollbackAlarm: cloudwatch.CompositeAlarm;
  /** Where the guard reports what it did, and where its failures page. */
  readonly pageTopic: sns.ITopic;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Rolls a phase back after AppConfig's bake has ended, when AppConfig no longer watches:
 * an EventBridge rule on the rollback alarm's move to ALARM invokes a Lambda that stops an
 * in-flight deployment, reverts one completed within 72 h, or deploys the "off" version.
 * A failed run is retried twice by Lambda, then pages through the failure destination.
 */
export class RolloutGuard extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: RolloutGuardProps) {
    super(scope, id);
    const { flags, rollbackAlarm, pageTopic } = props;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rollback guard: read, stop, revert and start deployments of the rollout flag',
    });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '../../lambda/guard/handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // The guard loops until the flag is safe, up to its deadline: the remaining time less a
      // margin for what runs after the last check (lib/domain/guard-timing.ts has the arithmetic).
      timeout: Duration.seconds(GUARD_TIMING.lambdaTimeoutSeconds),
      role,
      logGroup,
      description: 'Rolls the model rollout back when the rollback alarm fires after the bake',
      environment: {
        ...GUARD_ENVIRONMENT.render({
          APPLICATION_ID: flags.application.applicationId,
          ENVIRONMENT_ID: flags.environment.environmentId,
          PROFILE_ID: flags.profile.configurationProfileId,
          OFF_VERSION: flags.versionNumberOf(OFF_PHASE),
          KILL_SWITCH_STRATEGY_ID: flags.strategyFor(OFF_PHASE).deploymentStrategyId,
          ROLLBACK_ALARM_NAME: rollbackAlarm.alarmName,
          NOTIFY_TOPIC_ARN: pageTopic.topicArn,
        }),
        POWERTOOLS_SERVICE_NAME: 'rollback-guard',
      },
      bundling: lambdaBundling(),
      retryAttempts: 2,
      onFailure: new destinations.SnsDestination(pageTopic),
    });
    pageTopic.grantPublish(this.function);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Topic.grantPublish on the KMS-encrypted page topic: SNS needs GenerateDataKey and GenerateDataKeyWithoutPlaintext on that topic's key only.",
    });

    grantDeployments(
      role,
      {
        application: flags.application,
        environment: flags.environment,
        profile: flags.profile,
        strategy: flags.strategyFor(OFF_PHASE),
      },
      { stop: true },
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
        resources: [rollbackAlarm.alarmArn],
      }),
    );

    this.rule = new events.Rule(this, 'OnRollbackAlarm', {
      description: 'Rollback alarm moved to ALARM: run the rollback guard',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [rollbackAlarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 4 })],
    });
  }
}
