import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import type { UpgradeClients } from './retain-legacy-deployment';

/** Attempts per AWS call, as the rollout CLI makes them (the SDK retries throttling and 5xx in between). */
const MAX_ATTEMPTS = 5;

/**
 * Clients with the SDK's standard settings: credentials from the default provider chain, region
 * from `region` or the SDK's own lookup (AWS_REGION, the profile), endpoints overridable with
 * AWS_ENDPOINT_URL_CLOUDFORMATION and AWS_ENDPOINT_URL_S3 (how tests point them at a local fake).
 * With an S3 endpoint override, requests are path-style: a virtual-hosted bucket name cannot
 * prefix an address such as http://127.0.0.1:4566.
 */
export function createUpgradeClients(region: string | undefined, env: NodeJS.ProcessEnv = process.env): UpgradeClients {
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return {
    cloudformation: new CloudFormationClient({ region, maxAttempts: MAX_ATTEMPTS }),
    s3: (stackRegion) => new S3Client({ region: stackRegion, maxAttempts: MAX_ATTEMPTS, forcePathStyle }),
  };
}
