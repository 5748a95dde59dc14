import { bucketOf } from './bucketing';
import type { FlagValue } from './flag-document';

/** Who is asking: the keys the cohort decision uses (raw; never logged). */
export interface Caller {
  /** `metadata.user_id` of the request, else the `x-user-id` header. */
  readonly userKey?: string;
  /** The `x-client-id` header: which application sent the request. */
  readonly clientKey?: string;
}

export type CohortReason =
  'flag-off' | 'no-user-key' | 'allowlist' | 'client-not-in-segment' | 'in-percentage' | 'outside-percentage';

export interface CohortDecision {
  readonly inCohort: boolean;
  readonly reason: CohortReason;
}

/**
 * Whether this caller gets the new model under `flag` (docs/ARCHITECTURE.md, Flag): nobody when the flag is
 * off; allowlisted users always; otherwise users whose bucket is below the percentage, and —
 * when the phase names client segments — only users of those clients.
 */
export function decideCohort(flagKey: string, flag: FlagValue, caller: Caller): CohortDecision {
  if (!flag.enabled) return { inCohort: false, reason: 'flag-off' };
  const { userKey, clientKey } = caller;
  if (!userKey) return { inCohort: false, reason: 'no-user-key' };
  if (flag.allowlist.includes(userKey)) return { inCohort: true, reason: 'allowlist' };
  if (flag.clientSegments.length > 0 && (!clientKey || !flag.clientSegments.includes(clientKey))) {
    return { inCohort: false, reason: 'client-not-in-segment' };
  }
  return bucketOf(flagKey, userKey) < flag.rolloutPercent
    ? { inCohort: true, reason: 'in-percentage' }
    : { inCohort: false, reason: 'outside-percentage' };
}
