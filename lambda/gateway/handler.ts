import { finished } from 'node:stream/promises';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { parseGatewaySettings } from '../../lib/domain/gateway-settings';
import { GATEWAY_ENVIRONMENT } from '../../lib/domain/lambda-environment';
import { createGateway } from '../../lib/gateway/create-gateway';
import { AgentFlagSource } from '../../lib/gateway/flag-source';
import { invocationLimits, lambdaSink, toGatewayRequest } from './lambda-adapter';
import { readSecretString } from '../../lib/gateway/secrets';
import { secretsManagerReaderFromEnvironment } from '../../lib/gateway/secrets-manager-reader';

// Cold start: settings from the environment (validated), clients created once. Secrets are
// read on first use and kept for the life of the execution environment; the vendor key is read
// again when the vendor refuses it (rotated or revoked).
const env = GATEWAY_ENVIRONMENT.read(process.env);
const settings = parseGatewaySettings(env.ROLLOUT_GATEWAY_SETTINGS);
const secrets = secretsManagerReaderFromEnvironment(process.env);
const vendorKeySecret = env.VENDOR_API_KEY_SECRET_ID;
const hashKeySecret = env.ID_HASH_KEY_SECRET_ID;
/**
 * How long before the Lambda timeout the gateway ends an unfinished answer itself (an SSE
 * `error` event, or a 504): enough to write the request log line and the metrics, which a
 * Lambda timeout would lose along with the rest of the answer.
 */
const deadlineMarginMs = positiveEnv('ROLLOUT_GATEWAY_DEADLINE_MARGIN_MS', 2000);

const gateway = createGateway({
  settings,
  flagSource: new AgentFlagSource(settings.appConfig),
  apiKey: () => readSecretString(secrets, vendorKeySecret),
  hashKey: () => readSecretString(secrets, hashKeySecret),
  baseURL: process.env.ANTHROPIC_BASE_URL,
  telemetryEnv: process.env,
});

export const handler = awslambda.streamifyResponse(async (event: LambdaFunctionURLEvent, responseStream, context) => {
  const limits = invocationLimits(responseStream, context.getRemainingTimeInMillis(), deadlineMarginMs);
  await gateway.handle(
    toGatewayRequest(event),
    lambdaSink(responseStream, (stream, metadata) => awslambda.HttpResponseStream.from(stream, metadata)),
    limits,
  );
  // The gateway always ends its answer (the runtime itself then waits for the Runtime API's
  // reply); a stream that failed early has nothing left to flush, and is not the function failing.
  await finished(responseStream).catch((err: unknown) => {
    if (!limits.clientGone.reason) throw err;
  });
});

function positiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(
      `Environment variable ${name} must be a positive number of milliseconds (got ${JSON.stringify(raw)}).`,
    );
  return value;
}
