import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { GUARD_TIMING, guardDeadline } from '../../lib/domain/guard-timing';
import { GUARD_ENVIRONMENT } from '../../lib/domain/lambda-environment';
import { FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { RollbackGuard } from './rollback-guard';

interface AlarmStateChange {
  readonly alarmName: string;
  readonly state: { readonly value: string; readonly reason?: string };
}

/** What the handler answers: the kind of the last step, every step's kind, and the summary paged. */
export interface GuardResult {
  readonly step: string;
  readonly steps: readonly string[];
  readonly summary: string;
}

const logger = new Logger({ serviceName: 'rollback-guard' });
// Standard retry mode with extra attempts rides out AppConfig throttling and brief outages; the
// timeouts keep one stuck attempt from eating the margin the deadline keeps for the end of a run.
const { maxAttempts, connectionTimeoutMs, requestTimeoutMs } = GUARD_TIMING.sdk;
const clientConfig = {
  maxAttempts,
  requestHandler: { connectionTimeout: connectionTimeoutMs, requestTimeout: requestTimeoutMs },
};
const sns = new SNSClient(clientConfig);
const env = GUARD_ENVIRONMENT.read(process.env);
const topicArn = env.NOTIFY_TOPIC_ARN;
const guard = new RollbackGuard({
  deployments: new FlagDeployments(
    new AppConfigClient(clientConfig),
    new CloudWatchClient(clientConfig),
    {
      applicationId: env.APPLICATION_ID,
      environmentId: env.ENVIRONMENT_ID,
      profileId: env.PROFILE_ID,
      offVersion: env.OFF_VERSION,
      killSwitchStrategyId: env.KILL_SWITCH_STRATEGY_ID,
      rollbackAlarmName: env.ROLLBACK_ALARM_NAME,
    },
    { pollIntervalMs: GUARD_TIMING.pollIntervalMs },
  ),
  offVersion: env.OFF_VERSION,
  notify: async (subject, message) => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject.slice(0, 99), Message: message }));
  },
});

export const handler = async (
  event: EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<GuardResult> => {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') {
    logger.info('ignored: alarm not in ALARM', { alarmName, state: state.value });
    return { step: 'ignored', steps: [], summary: `alarm is ${state.value}` };
  }
  const deadline = new Date(guardDeadline(Date.now(), context.getRemainingTimeInMillis()));
  try {
    const outcome = await guard.run(alarmName, deadline);
    const steps = outcome.steps.map((s) => s.kind);
    logger.info('rollback guard acted', { alarmName, steps, summary: outcome.summary });
    return { step: steps.at(-1) ?? 'none', steps, summary: outcome.summary };
  } catch (err) {
    logger.error('rollback guard failed: the flag may still be on', {
      alarmName,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    throw err;
  }
};
