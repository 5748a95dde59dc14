import { createHmac } from 'node:crypto';

/**
 * Keyed hashes for user and client ids: logs and the agent's Entity-Id see these, never the
 * raw ids. Keyed (HMAC) so that a log reader cannot confirm a guessed id by hashing it.
 */
export const MIN_HASH_KEY_LENGTH = 16;

export class IdHasher {
  public constructor(private readonly key: string) {
    if (key.length < MIN_HASH_KEY_LENGTH) {
      throw new Error(
        `The id-hashing key must be at least ${MIN_HASH_KEY_LENGTH} characters; set it in Secrets Manager (or ROLLOUT_HASH_KEY locally).`,
      );
    }
  }

  /** 16 hex characters (64 bits) of HMAC-SHA256, or undefined for no id. */
  public hash(id: string | undefined): string | undefined {
    return id === undefined ? undefined : createHmac('sha256', this.key).update(id).digest('hex').slice(0, 16);
  }
}
