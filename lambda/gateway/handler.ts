import { finished } from 'node:stream/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { parseGatewaySettings } from '../../lib/domain/gateway-settings';
import { createGateway } from './create-gateway';
import { AgentFlagSource } from './flag-source';
import { lambdaSink, toGatewayRequest } from './lambda-adapter';
import { readSecretString } from './secrets';

// Cold start: settings from the environment (validated), clients created once. Secrets are
// read on first use and kept for the life of the execution environment.
const settings = parseGatewaySettings(requiredEnv('ROLLOUT_GATEWAY_SETTINGS'));
const secrets = new SecretsManagerClient({});
const vendorKeySecret = requiredEnv('VENDOR_API_KEY_SECRET_ID');
const hashKeySecret = requiredEnv('ID_HASH_KEY_SECRET_ID');

const gateway = createGateway({
  settings,
  flagSource: new AgentFlagSource(settings.appConfig),
  apiKey: () => readSecretString(secrets, vendorKeySecret),
  hashKey: () => readSecretString(secrets, hashKeySecret),
  baseURL: process.env.ANTHROPIC_BASE_URL,
});

export const handler = awslambda.streamifyResponse(async (event: LambdaFunctionURLEvent, responseStream) => {
  await gateway.handle(toGatewayRequest(event), lambdaSink(responseStream, (stream, metadata) => awslambda.HttpResponseStream.from(stream, metadata)));
  // The gateway always ends its answer; wait until the runtime has flushed it.
  await finished(responseStream);
});

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set; the gateway is deployed by ModelGateway, which sets it.`);
  return value;
}
