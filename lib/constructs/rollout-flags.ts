import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OFF_PHASE, type PhaseDeployment, type RolloutConfig } from '../domain/config-schema';
import { buildFlagDocument } from '../domain/flag-document';
import { hostedVersionContent } from '../domain/hosted-version-content';
import { InitialOffDeployment } from './initial-off-deployment';
import { servedPercentLabel } from '../domain/holdback';
import { phaseLabels, type PhaseName } from '../domain/phases';

/**
 * Versions are kept when the stack replaces or deletes them — a live version is never deleted
 * by editing another phase — except when the stack's own creation fails: AppConfig refuses to
 * delete a profile that still has hosted versions, so versions retained then would leave the
 * rollback of a failed first deploy stuck in ROLLBACK_FAILED (DeletionPolicy
 * RetainExceptOnCreate; UpdateReplacePolicy Retain).
 */
const VERSION_REMOVAL_POLICY = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

/** AppConfig accepts at most this many monitors per environment. */
export const MAX_ENVIRONMENT_MONITORS = 5;

export interface RolloutFlagsProps {
  /** The validated rollout config: names, flag key, phases and the phase to deploy. */
  readonly config: RolloutConfig;
}

/**
 * The AppConfig side of the rollout: application, environment, a feature-flags profile with
 * one labelled hosted version per phase (plus "off"), one deployment strategy per phase
 * (plus the all-at-once kill switch), and the flag started at `off` on a new stack's first
 * deploy.
 *
 * The live phase belongs to AppConfig deployments alone: an operator advances a phase in the
 * console by deploying the version labelled with the phase's name using the strategy
 * `<application>-<phase>` (`rollout advance` does the same), and alarms roll it back. No later
 * `cdk deploy` starts, stops or replaces a deployment; it adds or updates versions and
 * strategies, and keeps every version (a live one is never deleted).
 */
export class RolloutFlags extends Construct {
  public readonly application: appconfig.Application;
  public readonly environment: appconfig.Environment;
  /** The flag's profile; its own hosted version is the "off" (kill-switch) version. */
  public readonly profile: appconfig.HostedConfiguration;
  /** Starts the flag at `off` on the first deploy of a new stack; never acts again. */
  public readonly initialDeployment: InitialOffDeployment;

  private readonly versionNumbers = new Map<PhaseName, string>();
  private readonly strategies = new Map<PhaseName, appconfig.DeploymentStrategy>();
  private readonly monitorAlarms: cloudwatch.IAlarm[] = [];
  private monitorRole?: iam.Role;

  public constructor(scope: Construct, id: string, props: RolloutFlagsProps) {
    super(scope, id);
    const { config } = props;
    const names = config.appConfig;

    this.application = new appconfig.Application(this, 'Application', {
      applicationName: names.applicationName,
      description: `Rollout of ${config.llm.newModelAlias} in place of ${config.llm.defaultModel}`,
    });
    this.environment = new appconfig.Environment(this, 'Environment', {
      application: this.application,
      environmentName: names.environmentName,
      description: 'Lambda gateway environment; its monitors roll a bad phase back.',
    });
    // Monitors are added after construction (the composite alarm is built from the gateway's
    // metrics), but the L2 maps them once in its constructor: render them lazily instead.
    const cfnEnvironment = this.environment.node.defaultChild as appconfig.CfnEnvironment;
    cfnEnvironment.monitors = Lazy.any({ produce: () => this.renderMonitors() }, { omitEmptyArray: true });

    for (const label of phaseLabels(config)) {
      this.strategies.set(label, this.createStrategy(config, label));
    }

    this.profile = new appconfig.HostedConfiguration(this, 'Flag', {
      application: this.application,
      name: names.profileName,
      type: appconfig.ConfigurationType.FEATURE_FLAGS,
      description: `Feature flag ${config.llm.useNewModelFlagKey}; versions labelled by phase`,
      content: appconfig.ConfigurationContent.fromInlineJson(this.document(config, OFF_PHASE)),
      versionLabel: OFF_PHASE,
      deploymentStrategy: this.strategyFor(OFF_PHASE),
    });
    const offVersion = this.profile.node.findChild('Resource') as appconfig.CfnHostedConfigurationVersion;
    offVersion.applyRemovalPolicy(VERSION_REMOVAL_POLICY);
    this.versionNumbers.set(OFF_PHASE, offVersion.ref);

    // Versions of one profile created in parallel conflict: chain them in phase order.
    let previous = offVersion;
    for (const phase of config.rollout.phases) {
      const version = new appconfig.CfnHostedConfigurationVersion(this, `Version-${phase.name}`, {
        applicationId: this.application.applicationId,
        configurationProfileId: this.profile.configurationProfileId,
        content: this.document(config, phase.name),
        contentType: 'application/json',
        versionLabel: phase.name,
        description:
          phase.description ??
          `Phase ${phase.name}: ${servedPercentLabel(phase.rolloutPercent, config.judge.holdbackPercent)}`,
      });
      version.applyRemovalPolicy(VERSION_REMOVAL_POLICY);
      version.addResourceDependency(previous);
      previous = version;
      this.versionNumbers.set(phase.name, version.ref);
    }

    this.initialDeployment = new InitialOffDeployment(this, 'InitialOffDeployment', {
      application: this.application,
      environment: this.environment,
      profile: this.profile,
      offVersion: offVersion.ref,
      killSwitchStrategy: this.strategyFor(OFF_PHASE),
    });
  }

  /** The hosted version number (a token) of the version labelled `phase`. */
  public versionNumberOf(phase: PhaseName): string {
    const version = this.versionNumbers.get(phase);
    if (!version)
      throw new Error(`No flag version for phase '${phase}'; known: ${[...this.versionNumbers.keys()].join(', ')}`);
    return version;
  }

  /** The deployment strategy of `phase` ('off' → the all-at-once kill switch). */
  public strategyFor(phase: PhaseName): appconfig.DeploymentStrategy {
    const strategy = this.strategies.get(phase);
    if (!strategy)
      throw new Error(`No deployment strategy for phase '${phase}'; known: ${[...this.strategies.keys()].join(', ')}`);
    return strategy;
  }

  /**
   * Watches `alarm` during every deployment and final bake of this environment: when it is
   * in ALARM (or INSUFFICIENT_DATA), AppConfig rolls the deployment back. AppConfig allows
   * five monitors per environment; attach one composite alarm rather than many.
   */
  public addMonitor(alarm: cloudwatch.IAlarm): void {
    if (this.monitorAlarms.length >= MAX_ENVIRONMENT_MONITORS) {
      throw new Error(
        `Cannot add monitor ${alarm.node.path}: the AppConfig environment already has ${MAX_ENVIRONMENT_MONITORS} monitors, the AppConfig limit. Combine alarms into one CompositeAlarm and add that.`,
      );
    }
    this.monitorAlarms.push(alarm);
    this.monitorRole ??= this.createMonitorRole();
    this.initialDeployment.pauseDuringDeployment(alarm);
  }

  /** The alarms attached as environment monitors. */
  public get monitors(): readonly cloudwatch.IAlarm[] {
    return this.monitorAlarms;
  }

  /**
   * Lets `grantee` (the gateway) read this flag profile in this environment through the
   * AppConfig Agent. Narrower than `Environment.grantReadConfig`, which covers every profile.
   */
  public grantReadFlag(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
      resourceArns: [`${this.environment.environmentArn}/configuration/${this.profile.configurationProfileId}`],
    });
  }

  private renderMonitors(): appconfig.CfnEnvironment.MonitorProperty[] {
    const role = this.monitorRole;
    if (!role) return [];
    return this.monitorAlarms.map((alarm) => ({ alarmArn: alarm.alarmArn, alarmRoleArn: role.roleArn }));
  }

  private createMonitorRole(): iam.Role {
    const role = new iam.Role(this, 'MonitorRole', {
      assumedBy: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      description: 'Lets AppConfig read the rollback alarms of the rollout environment',
      // Inline in the role itself, not a separate AWS::IAM::Policy: the environment can use the
      // role as soon as the role exists, before a separate policy resource has been created.
      inlinePolicies: {
        DescribeAlarms: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] })],
        }),
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'AppConfig must describe a composite alarm and its child alarms; cloudwatch:DescribeAlarms is granted on * as in the aws-cdk-lib AppConfig Environment monitor role.',
    });
    return role;
  }

  private createStrategy(config: RolloutConfig, label: PhaseName): appconfig.DeploymentStrategy {
    const deployment = this.deploymentOf(config, label);
    const props = {
      growthFactor: deployment.growthFactor,
      deploymentDuration: Duration.minutes(deployment.durationMinutes),
      finalBakeTime: Duration.minutes(deployment.finalBakeMinutes),
    };
    const id = label === OFF_PHASE ? 'KillSwitchStrategy' : `Strategy-${label}`;
    return new appconfig.DeploymentStrategy(this, id, {
      deploymentStrategyName: `${config.appConfig.applicationName}-${label}`,
      description:
        label === OFF_PHASE
          ? 'Kill switch: the off version to every Lambda environment at once'
          : `Phase ${label}: use with the flag version labelled ${label}`,
      rolloutStrategy:
        deployment.growthType === 'EXPONENTIAL'
          ? appconfig.RolloutStrategy.exponential(props)
          : appconfig.RolloutStrategy.linear(props),
    });
  }

  private deploymentOf(config: RolloutConfig, label: PhaseName): PhaseDeployment {
    if (label === OFF_PHASE) {
      // No bake: AppConfig would roll the kill switch back while the alarm that pulled it fires.
      return { durationMinutes: 0, growthFactor: 100, growthType: 'LINEAR', finalBakeMinutes: 0 };
    }
    const phase = config.rollout.phases.find((p) => p.name === label);
    if (!phase) throw new Error(`Unknown phase '${label}'`);
    return phase.deployment;
  }

  /** Checked at synth: a version AppConfig refuses would fail `cdk deploy` halfway and roll the stack back. */
  private document(config: RolloutConfig, phase: PhaseName): string {
    return hostedVersionContent(buildFlagDocument(config, phase), phase);
  }
}
