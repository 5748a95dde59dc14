import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { parseJudgeRuntimeSettings } from '../../lib/domain/judge/judge-runtime-settings';
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

/** Invoked by EventBridge Scheduler (asynchronously) every judge.intervalMinutes; the event carries nothing it needs. */
export const handler = async (): Promise<JudgeRunSummary> => {
  try {
    const summary = await runJudge({
      settings,
      deployments,
      ssm,
      resetParameter: env.WINDOW_RESET_PARAMETER,
      cloudwatch,
      metrics,
    });
    logger.info('judge run', { ...summary });
    return summary;
  } catch (err) {
    logger.error('judge run failed: no verdict and no heartbeat published', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    throw err;
  }
};
