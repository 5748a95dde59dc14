/**
 * For the cold-start benchmark only: stands in for lib/gateway/secrets-manager-reader.ts in a
 * second build of the gateway handler (bench/cold-start.ts swaps the module at bundling), so
 * the gateway reads its secrets with the AWS SDK's SecretsManagerClient as it did before, and
 * the two ways are measured side by side in one run. Same exports, same environment.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export class SecretsManagerError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsManagerError';
  }
}

export function secretsManagerReaderFromEnvironment(env: Readonly<Record<string, string | undefined>>): {
  getSecretString(secretId: string): Promise<string | undefined>;
} {
  const client = new SecretsManagerClient({ endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER });
  return {
    getSecretString: async (secretId) =>
      (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
  };
}
