import { type CfnElement, CustomResource, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { grantDeployments } from './deployment-grants';
import { lambdaBundling } from './lambda-bundling';

export interface InitialOffDeploymentProps {
  readonly application: appconfig.IApplication;
  readonly environment: appconfig.IEnvironment;
  readonly profile: appconfig.HostedConfiguration;
  /** The hosted version number (a token) of the off version. */
  readonly offVersion: string;
  /** The all-at-once kill-switch strategy. */
  readonly killSwitchStrategy: appconfig.IDeploymentStrategy;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Starts the flag at `off` on the first deploy of a new stack, and never again. A custom
 * resource instead of an `AWS::AppConfig::Deployment`: CloudFormation would replace that
 * deployment (start a new one) whenever a version it names changes, fighting the phase on-call
 * advanced in the console — or fail the stack update while a phase deploys or bakes (AppConfig
 * runs one deployment at a time per environment). This one acts only on Create, and only when
 * the environment has never been deployed to; Update and Delete do nothing.
 */
export class InitialOffDeployment extends Construct {
  public readonly resource: CustomResource;
  private readonly role: iam.Role;
  private readonly monitors: cloudwatch.IAlarm[] = [];

  public constructor(scope: Construct, id: string, props: InitialOffDeploymentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "First deploy only: list the rollout environment's deployments and start the off version",
    });
    logGroup.grantWrite(role);
    grantDeployments(
      role,
      {
        application: props.application,
        environment: props.environment,
        profile: props.profile,
        strategy: props.killSwitchStrategy,
      },
      { stop: false },
    );

    const onEvent = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '../../lambda/initial-deployment/handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Waits up to 3 minutes for the off deployment (all at once, no bake) to settle.
      timeout: Duration.minutes(5),
      role,
      logGroup,
      description: 'Starts the rollout flag at off on the first deploy of a new stack (never on update)',
      bundling: lambdaBundling(),
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      }),
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RolloutInitialOffDeployment',
      properties: {
        ApplicationId: props.application.applicationId,
        EnvironmentId: props.environment.environmentId,
        ProfileId: props.profile.configurationProfileId,
        OffVersion: props.offVersion,
        KillSwitchStrategyId: props.killSwitchStrategy.deploymentStrategyId,
        MonitorAlarmNames: Lazy.list({ produce: () => this.monitors.map((a) => a.alarmName) }, { omitEmpty: true }),
      },
    });
    this.role = role;
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The custom-resource Provider framework function (aws-cdk-lib) uses the managed basic execution role; it only forwards CloudFormation events to this construct's own function.",
      },
      {
        // cdk-nag names the finding after the function's logical id.
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(onEvent.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          'The Provider framework grants itself invoke on the onEvent function and its versions (function ARN with :*); nothing else.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "The Provider framework function's runtime is chosen by aws-cdk-lib; it runs only during CloudFormation create, update and delete of this resource.",
      },
    );
  }

  /**
   * An environment monitor: its actions are paused while the first off deployment runs (a new
   * alarm is INSUFFICIENT_DATA, which would make AppConfig roll the deployment back), and the
   * resource waits for the alarm to exist.
   */
  public pauseDuringDeployment(alarm: cloudwatch.IAlarm): void {
    this.monitors.push(alarm);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions'],
        resources: [alarm.alarmArn],
      }),
    );
    this.resource.node.addDependency(alarm);
  }
}
