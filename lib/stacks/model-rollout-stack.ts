import { Annotations, CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { ConfigIssue } from '../domain/config-errors';
import type { RolloutConfig } from '../domain/config-schema';
import { VERDICT_CHECKS } from '../domain/judge/judge-metric-names';
import { ModelGateway } from '../constructs/model-gateway';
import { RolloutAlarms } from '../constructs/rollout-alarms';
import { RolloutDashboard } from '../constructs/rollout-dashboard';
import { RolloutFlags } from '../constructs/rollout-flags';
import { RolloutGuard } from '../constructs/rollout-guard';
import { RolloutJudge } from '../constructs/rollout-judge';
import { RolloutNotifications } from '../constructs/rollout-notifications';
import { SpendGuard } from '../constructs/spend-guard';

export interface ModelRolloutStackProps extends StackProps {
  /** The validated rollout config (rollout.config.json). */
  readonly config: RolloutConfig;
  /**
   * Config findings that do not stop a deploy; shown as synth warnings.
   * @default - none
   */
  readonly configWarnings?: readonly ConfigIssue[];
}

/**
 * Everything one rollout needs, in one stack: the flag and its phases, the gateway, the judge,
 * guard rails and spend alarms. One stack because the parts reference each other both ways
 * (the gateway reads the flag's environment; the environment's monitor watches the
 * gateway's alarms): split stacks would form a reference cycle.
 */
export class ModelRolloutStack extends Stack {
  public readonly flags: RolloutFlags;
  public readonly gateway: ModelGateway;
  public readonly notifications: RolloutNotifications;
  public readonly judge: RolloutJudge;
  public readonly alarms: RolloutAlarms;
  public readonly guard?: RolloutGuard;
  public readonly dashboard: RolloutDashboard;
  public readonly spend: SpendGuard;
  public readonly guardFailureAlarm?: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: ModelRolloutStackProps) {
    super(scope, id, {
      description: `Canary rollout of ${props.config.llm.newModelAlias} in place of ${props.config.llm.defaultModel}`,
      ...props,
      // The region must be concrete (the AppConfig Agent layer is per region): config's, unless given.
      env: props.env ?? { region: props.config.aws.region, account: props.config.aws.account },
    });
    // Every resource carries the cost allocation tag the AWS Budget filters on.
    Tags.of(this).add(props.config.spend.costAllocationTag, props.config.stackName);
    for (const w of props.configWarnings ?? []) {
      Annotations.of(this).addWarningV2(`rollout-config:${w.path}`, `rollout config ${w.path}: ${w.message}`);
    }
    this.flags = new RolloutFlags(this, 'Flags', { config: props.config });
    this.gateway = new ModelGateway(this, 'Gateway', {
      config: props.config,
      flags: this.flags,
      callerArns: props.config.gateway.callerArns,
    });
    // A stack-level output keeps the plain name `GatewayUrl` the runbook and CLI help refer to.
    new CfnOutput(this, 'GatewayUrl', {
      value: this.gateway.functionUrl.url,
      description: 'Gateway base URL: new Anthropic({ baseURL: <this>, fetch: createSignedFetch(...) })',
    });
    this.notifications = new RolloutNotifications(this, 'Notifications', {
      config: props.config,
      application: this.flags.application,
    });
    // The judge's verdicts are what rolls a worse model back; its heartbeat pages when it stops.
    this.judge = new RolloutJudge(this, 'Judge', {
      config: props.config,
      flags: this.flags,
      pageTopic: this.notifications.pageTopic,
    });
    this.alarms = new RolloutAlarms(this, 'Alarms', {
      config: props.config,
      gatewayFunction: this.gateway.function,
      metrics: this.gateway.metrics,
      pageTopic: this.notifications.pageTopic,
      judgeVerdictAlarms: this.judge.verdictAlarms,
    });
    // AppConfig rolls back any deployment or bake during which the rollback alarm fires...
    this.flags.addMonitor(this.alarms.rollbackAlarm);
    // ...and the guard covers the rest of a multi-day phase.
    if (props.config.guard.enabled) {
      this.guard = new RolloutGuard(this, 'Guard', {
        flags: this.flags,
        rollbackAlarm: this.alarms.rollbackAlarm,
        pageTopic: this.notifications.pageTopic,
      });
      this.guardFailureAlarm = this.alarms.addGuardFailureAlarm(this.guard.function);
    }
    this.spend = new SpendGuard(this, 'Spend', {
      config: props.config,
      metrics: this.gateway.metrics,
      alertTopic: this.notifications.pageTopic,
    });
    const pagingAlarms = [
      this.alarms.rollbackAlarm,
      ...this.alarms.newModelAlarms,
      this.judge.heartbeatAlarm,
      ...this.alarms.healthAlarms,
      ...(this.guardFailureAlarm ? [this.guardFailureAlarm] : []),
      this.spend.dailyVendorSpendAlarm,
      this.spend.vendorBurnRateAlarm,
    ];
    this.notifications.pageOnRecovery(pagingAlarms);
    this.dashboard = new RolloutDashboard(this, 'Dashboard', {
      config: props.config,
      metrics: this.gateway.metrics,
      alarms: [
        this.alarms.rollbackAlarm,
        ...this.judge.verdictAlarms,
        this.judge.heartbeatAlarm,
        ...this.alarms.newModelAlarms,
        this.alarms.flagErrorsAlarm,
        ...this.alarms.healthAlarms,
        ...(this.guardFailureAlarm ? [this.guardFailureAlarm] : []),
        this.spend.dailyVendorSpendAlarm,
        this.spend.vendorBurnRateAlarm,
      ],
      judge: {
        verdicts: VERDICT_CHECKS.map((check) => this.judge.metricVerdict(check, { label: check })),
        heartbeat: this.judge.metricHeartbeat({ label: 'runs' }),
      },
    });
  }
}
