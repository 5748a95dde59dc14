import { Annotations, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { alarmCatalog } from '../domain/alarm-catalog';
import { ALARM_NAMES, alarmNamePrefix, JUDGE_VERDICT_ALARMS, ownerText } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import { HEARTBEAT_FILL_METRIC_ID, JUDGE_ALARM_POLICY } from '../domain/judge/judge-alarm-policy';
import { judgeInvocationTiming, type JudgeInvocationTiming } from '../domain/judge/judge-invocation-timing';
import {
  CHECK_DIMENSION,
  JUDGE_HEARTBEAT_METRIC,
  JUDGE_VERDICT_METRIC,
  VERDICT_CHECKS,
  type VerdictCheck,
} from '../domain/judge/judge-metric-names';
import { judgeRuntimeSettingsFrom } from '../domain/judge/judge-runtime-settings';
import { NO_WINDOW_RESET } from '../domain/judge/window-reset';
import { windowResetParameterName } from '../domain/judge/window-reset-parameter';
import { JUDGE_ENVIRONMENT } from '../domain/lambda-environment';
import { OFF_PHASE } from '../domain/names';
import { judgeRollbackTargetSeconds, worstCaseJudgeTimeToRollback } from '../domain/time-to-rollback';
import { notifySns, RolloutAlarmFactory } from './alarm-factory';
import { grantReadDeployments } from './deployment-grants';
import { lambdaBundling } from './lambda-bundling';
import type { RolloutFlags } from './rollout-flags';

/** The judge handler's entry file. */
export const JUDGE_ENTRY = path.join(__dirname, '../../lambda/judge/handler.ts');

/**
 * The parameter's description is a constant: CloudFormation's update of an AWS::SSM::Parameter
 * is a PutParameter with the template's value, so any change to the resource would overwrite
 * the reset on-call recorded.
 */
const WINDOW_RESET_DESCRIPTION =
  "The rollout judge's last window reset (JSON; {} = none). Written by on-call (rollout judge-reset), never by cdk deploy after creation.";

export interface RolloutJudgeProps {
  readonly config: RolloutConfig;
  /** The flag whose deployments set the judged window, and whose off version means nothing to judge. */
  readonly flags: RolloutFlags;
  /** Where the heartbeat alarm pages. */
  readonly pageTopic: sns.ITopic;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Memory of the judge function (MB): it holds a window of per-minute counts for two models.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Whether the schedule runs. A disabled judge stops beating: its heartbeat alarm pages.
   * @default true
   */
  readonly enabled?: boolean;
}

/** RolloutJudge props that cannot work. */
export class RolloutJudgePropsError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RolloutJudgePropsError';
  }
}

/**
 * The scheduled judge: an EventBridge Scheduler schedule runs a Lambda every
 * `judge.intervalMinutes` that compares the new model with the default model over the window
 * (docs/DETECTION.md) and publishes one JudgeVerdict per check and a JudgeHeartbeat. One alarm
 * per check feeds the rollback alarm; the heartbeat alarm pages when the judge stops. An SSM
 * parameter records the last window reset on-call made.
 */
export class RolloutJudge extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes to invoke the function. */
  public readonly scheduleRole: iam.Role;
  /** The last window reset (JSON), read by the judge, written by on-call only. */
  public readonly windowResetParameter: ssm.StringParameter;
  /** One alarm per JudgeVerdict check, in VERDICT_CHECKS order: each feeds the rollback alarm. */
  public readonly verdictAlarms: readonly cloudwatch.Alarm[];
  /** Pages when runs stop; never rolls back. */
  public readonly heartbeatAlarm: cloudwatch.Alarm;
  public readonly timing: JudgeInvocationTiming;
  private readonly namespace: string;
  private readonly interval: Duration;

  public constructor(scope: Construct, id: string, props: RolloutJudgeProps) {
    super(scope, id);
    const { config, flags, pageTopic } = props;
    const memorySize = props.memorySize ?? 512;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240)
      throw new RolloutJudgePropsError(
        `RolloutJudge memorySize must be a whole number of MB from 128 to 10240 (got ${memorySize}).`,
      );
    try {
      this.timing = judgeInvocationTiming(config.judge.intervalMinutes);
    } catch (err) {
      throw new RolloutJudgePropsError(`RolloutJudge: config judge.intervalMinutes is unusable.`, { cause: err });
    }
    this.namespace = config.gateway.metricsNamespace;
    this.interval = Duration.seconds(this.timing.intervalSeconds);

    this.windowResetParameter = new ssm.StringParameter(this, 'WindowReset', {
      parameterName: windowResetParameterName(config),
      stringValue: NO_WINDOW_RESET,
      description: WINDOW_RESET_DESCRIPTION,
      tier: ssm.ParameterTier.STANDARD,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rollout judge: read the gateway metrics, the flag deployments and the window reset',
    });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: JUDGE_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      // At most half the interval (and 2 min): the other half is the lateness a run may have.
      timeout: Duration.seconds(this.timing.timeoutSeconds),
      role,
      logGroup,
      description: 'Judges the new model against the default model and publishes one verdict per check',
      environment: {
        ...JUDGE_ENVIRONMENT.render({
          ROLLOUT_JUDGE_SETTINGS: JSON.stringify(judgeRuntimeSettingsFrom(config)),
          APPLICATION_ID: flags.application.applicationId,
          ENVIRONMENT_ID: flags.environment.environmentId,
          PROFILE_ID: flags.profile.configurationProfileId,
          OFF_VERSION: flags.versionNumberOf(OFF_PHASE),
          WINDOW_RESET_PARAMETER: this.windowResetParameter.parameterName,
        }),
        POWERTOOLS_SERVICE_NAME: 'rollout-judge',
      },
      bundling: lambdaBundling(),
      // Scheduler invokes asynchronously. A failed run is not retried: the next scheduled run
      // re-reads the whole window, and a retry would start late, beside it. A run throttled in
      // Lambda's queue is dropped after the lateness budget; this age and Scheduler's are
      // separate clocks, so a run can still start up to both late: the handler skips a run that
      // starts later than the budget after its scheduledTime (lambda/judge/handler.ts).
      // No reserved concurrency: it would take from the account's unreserved pool (which must
      // stay at least 100) and stop no duplicate delivery; the lateness check covers overlap.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(this.timing.maxEventAgeSeconds),
    });

    this.windowResetParameter.grantRead(role);
    grantReadDeployments(role, flags);
    // The judge reads the gateway's metrics; GetMetricData has no resource-level permissions.
    iam.Grant.addToPrincipal({ grantee: role, actions: ['cloudwatch:GetMetricData'], resourceArns: ['*'] });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permissions (Service Authorization Reference: no resource types); the role has no other wildcard resource.',
    });

    this.scheduleRole = this.scheduleRoleFor(config);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.rate(this.interval),
      description: `Runs the rollout judge every ${config.judge.intervalMinutes} min`,
      enabled: props.enabled ?? true,
      // Exactly on time: the heartbeat and verdict alarms count one run per interval.
      timeWindow: scheduler.TimeWindow.off(),
      target: new schedulerTargets.LambdaInvoke(this.function, {
        role: this.scheduleRole,
        // A delivery retried later than this could make a run overlap the next one (with the
        // time the event then waits in Lambda's queue); the handler skips such a run.
        retryAttempts: this.timing.schedulerRetryAttempts,
        maxEventAge: Duration.seconds(this.timing.maxEventAgeSeconds),
        // What the handler reads to tell a late run (ScheduledRunEvent).
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
        }),
      }),
    });
    const fnLogicalId = Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnElement);
    Validations.of(this.scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason:
        "Function.grantInvoke (through the LambdaInvoke target) names the function's qualified ARNs too; it is the judge function only.",
    });

    const catalog = alarmCatalog(config);
    const factory = new RolloutAlarmFactory(this, {
      namePrefix: alarmNamePrefix(config),
      evaluation: { period: this.interval, ...JUDGE_ALARM_POLICY.verdict },
      owner: ownerText(config),
    });
    // No actions of their own: they feed the rollback alarm, which pages.
    this.verdictAlarms = VERDICT_CHECKS.map((check) => {
      const key = JUDGE_VERDICT_ALARMS[check];
      return factory.addCountAlarm(`Verdict-${check}`, ALARM_NAMES[key], {
        metric: this.metricVerdict(check),
        threshold: 1,
        docs: catalog[key],
      });
    });
    this.heartbeatAlarm = factory.addHeartbeatAlarm('HeartbeatAlarm', ALARM_NAMES.judgeHeartbeat, {
      metric: this.heartbeatAlarmExpression(),
      ...JUDGE_ALARM_POLICY.heartbeat,
      action: notifySns(pageTopic),
      docs: catalog.judgeHeartbeat,
    });

    const judgePath = worstCaseJudgeTimeToRollback(config);
    const target = judgeRollbackTargetSeconds(config);
    if (judgePath.totalSeconds > target) {
      Annotations.of(this).addWarningV2(
        'rollout-judge:time-to-rollback',
        `rollout config judge.intervalMinutes: through the judge a bad phase takes up to ${judgePath.totalSeconds} s to roll back after the evidence is in (target judge.maxTimeToRollbackMinutes ${config.judge.maxTimeToRollbackMinutes} min); see npm run time-to-rollback`,
      );
    }
  }

  /** The run's verdict for `check`: 1 = fail, 0 = pass or inconclusive (Maximum over one interval by default). */
  public metricVerdict(check: VerdictCheck, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: JUDGE_VERDICT_METRIC,
      dimensionsMap: { [CHECK_DIMENSION]: check },
      statistic: 'Maximum',
      period: this.interval,
      ...props,
    });
  }

  /** Completed runs (Sum over one interval by default): one per interval while the judge works. */
  public metricHeartbeat(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: JUDGE_HEARTBEAT_METRIC,
      statistic: 'Sum',
      period: this.interval,
      ...props,
    });
  }

  /**
   * What the heartbeat alarm reads: runs per interval with every empty interval a real 0
   * (`FILL(runs, 0)`), so the alarm's M of N counts intervals as written. On the raw metric,
   * CloudWatch would evaluate the most recent real datapoints of its evaluation range and
   * fill missing ones only as few times as possible: 3 intervals of 2-of-3 would page only
   * after about 4 missed runs. While the range holds no heartbeat at all (first deploy, a long
   * stop) the expression has no datapoints and missing data (breaching) pages.
   */
  private heartbeatAlarmExpression(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `FILL(${HEARTBEAT_FILL_METRIC_ID}, 0)`,
      usingMetrics: { [HEARTBEAT_FILL_METRIC_ID]: this.metricHeartbeat() },
      label: 'Judge runs per interval (empty intervals as 0)',
      period: this.interval,
    });
  }

  /**
   * Scheduler's execution role, trusted only by schedules of this account's default group
   * (EventBridge Scheduler User Guide, "Setting up the execution role": aws:SourceAccount and
   * aws:SourceArn against confused deputies).
   */
  private scheduleRoleFor(config: RolloutConfig): iam.Role {
    const stack = Stack.of(this);
    return new iam.Role(this, 'ScheduleRole', {
      description: `Lets EventBridge Scheduler run the ${config.stackName} rollout judge`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
  }
}
