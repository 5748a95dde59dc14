import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { JUDGE_TIMING, judgeInvocationTiming } from '../../lib/domain/judge/judge-invocation-timing';
import { parseJudgeRuntimeSettings } from '../../lib/domain/judge/judge-runtime-settings';
import { runStart } from '../../lib/domain/judge/scheduled-run';
import { JUDGE_ENVIRONMENT } from '../../lib/domain/lambda-environment';
import { FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { EmfJudgeMetrics } from './judge-metrics';
import { runJudge, type JudgeRunSummary } from './run-judge';

// Cold start: settings from the environment (validated with zod/mini: the config's full schema
// stays out of the bundle), clients created once. Standard retries ride out throttling; the
// timeouts keep one stuck call from eating the run (the next scheduled run looks again anyway).
const logger = new Logger({ serviceName: 'rollout-judge' });
const env = JUDGE_ENVIRONMENT.read(process.env);
const settings = parseJudgeRuntimeSettings(env.ROLLOUT_JUDGE_SETTINGS);
const { latenessBudgetSeconds } = judgeInvocationTiming(settings.judge.intervalMinutes);
const clientConfig = { maxAttempts: 3, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } };
const cloudwatch = new CloudWatchClient(clientConfig);
const deployments = new FlagDeployments(new AppConfigClient(clientConfig), cloudwatch, {
  applicationId: env.APPLICATION_ID,
  environmentId: env.ENVIRONMENT_ID,
  profileId: env.PROFILE_ID,
  offVersion: env.OFF_VERSION,
  // The judge only reads deployments (recent, get): it never deploys the off version nor pauses
  // alarm actions, which is all these two are for. Left empty, so such a call would be refused.
  killSwitchStrategyId: '',
  rollbackAlarmName: '',
});
const ssm = new SSMClient(clientConfig);
const metrics = new EmfJudgeMetrics(settings.namespace);

/**
 * Invoked by EventBridge Scheduler (asynchronously) every judge.intervalMinutes with
 * `{scheduledTime, executionId}` (the construct's target input).
 *
 * A run that starts more than the lateness budget after its scheduled time is skipped: it
 * could still be running when the next one starts, and the next one judges the same window.
 * It publishes no heartbeat either — the heartbeat says a run judged — so runs that are late
 * every time (a throttled function) page as a stopped judge; one skipped run does not.
 *
 * Every AWS call shares one deadline, a margin before Lambda's timeout (the SDK's retries and
 * socket timeouts bound each call, not the run): a run that cannot finish fails with an error
 * naming the read that ran out, and publishes nothing.
 */
export const handler = async (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<JudgeRunSummary> => {
  const start = runStart(event, new Date(), latenessBudgetSeconds);
  if (start.kind === 'late') {
    const { kind: _kind, ...late } = start;
    const summary: JudgeRunSummary = { outcome: 'skipped-late', ...late };
    logger.warn('judge run skipped: it started too late after its scheduled time to end before the next run', {
      ...summary,
    });
    return summary;
  }
  const deadlineMs = Math.max(0, context.getRemainingTimeInMillis() - JUDGE_TIMING.deadlineMarginSeconds * 1000);
  try {
    const summary = await runJudge({
      settings,
      deployments,
      ssm,
      resetParameter: env.WINDOW_RESET_PARAMETER,
      cloudwatch,
      metrics,
      signal: AbortSignal.timeout(deadlineMs),
    });
    logger.info('judge run', { ...summary });
    return summary;
  } catch (err) {
    logger.error('judge run failed: no verdict and no heartbeat published', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      deadlineMs,
    });
    throw err;
  }
};
