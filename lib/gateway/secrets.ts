import { SecretsManagerError } from './secrets-manager-reader';

/** A secret could not be read: the gateway answers 500 and names the secret in its log. */
export class SecretUnavailableError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

/** Where secret strings come from (`SecretsManagerReader` in Lambda). */
export interface SecretStringSource {
  /** The secret's string value; undefined when it has none (a binary secret). */
  getSecretString(secretId: string): Promise<string | undefined>;
}

/**
 * Reads a secret string. A JSON secret `{"apiKey": "..."}` (or `{"key": "..."}`) is accepted
 * as well as the bare value, since both are common ways to store an API key.
 */
export async function readSecretString(secrets: SecretStringSource, secretId: string): Promise<string> {
  let value: string | undefined;
  try {
    value = await secrets.getSecretString(secretId);
  } catch (cause) {
    const code = cause instanceof SecretsManagerError ? cause.code : (cause as Error).name;
    throw new SecretUnavailableError(`Secret ${secretId} could not be read: ${code}`, { cause });
  }
  if (!value) throw new SecretUnavailableError(`Secret ${secretId} has no string value`);
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      const field = parsed.apiKey ?? parsed.key;
      if (typeof field === 'string' && field) return field;
    } catch {
      // not JSON after all: use the raw value
    }
  }
  return trimmed;
}
