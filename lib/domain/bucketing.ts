import { hash } from 'node:crypto';
import { BUCKETS } from './percent';

/**
 * The user's bucket for a flag: uniform in [0, 100) with 100,000 buckets (steps of 0.001).
 * Deterministic in (flagKey, userKey): a user keeps their bucket across requests, Lambda
 * environments and deployments (sticky), and since a user is in the cohort when
 * `bucket < rolloutPercent`, raising the percentage only adds users (monotone).
 *
 * SHA-256 of `${flagKey}.${userKey}` — the flag key salts it so that two rollouts do not pick
 * the same users first. The first 48 bits give the bucket: 2^48 / 100,000 leaves a modulo
 * bias below 4·10⁻¹⁰.
 */
export function bucketOf(flagKey: string, userKey: string): number {
  return bucketIndexOf(flagKey, userKey) / (BUCKETS / 100);
}

/** The bucket as an integer in [0, 100,000). */
export function bucketIndexOf(flagKey: string, userKey: string): number {
  const digest = hash('sha256', `${flagKey}.${userKey}`, 'buffer');
  return digest.readUIntBE(0, 6) % BUCKETS;
}
