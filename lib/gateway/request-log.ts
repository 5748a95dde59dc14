import type { CohortReason } from '../domain/cohort';

/** One vendor call of a request, as the request log line records it. */
export interface AttemptLog {
  model: string;
  outcome: string;
  status?: number;
  latencyMs: number;
  /** Names of the output checks that flagged the answer (never its text). */
  moderation?: readonly string[];
}

/**
 * The one log line written per request (message `request`): the fields on-call queries in
 * CloudWatch Logs Insights. Ids appear only as HMAC hashes; prompt and answer text never.
 */
export interface RequestLogLine {
  /** Set for the endpoints other than POST /v1/messages (count_tokens, models, batches). */
  endpoint?: 'count_tokens' | 'models' | 'batches';
  /** Whether the client asked for server-sent events. */
  stream?: boolean;
  /** HMAC of the user key (metadata.user_id or x-user-id), 16 hex characters. */
  userHash?: string;
  /** HMAC of the client id (x-client-id). */
  clientHash?: string;
  /** The flag's phase when the rollout applied. */
  phase?: string;
  /** Why the user is or is not in the cohort. */
  cohort?: CohortReason;
  /** `x-rollout-variant`: the cohort decision. */
  variant?: 'new' | 'default';
  attempts?: AttemptLog[];
  /** The request rules that changed the new model's copy of the request (names only). */
  adapted?: readonly string[];
  /** The vendor's error type when the new model refused a request the default model then answered. */
  incompatible?: string;
  /** The catalog alias (or `other`) of the model that answered. */
  servedBy?: string;
  /** The default model served a cohort request. */
  fallback?: boolean;
  /** The HTTP status the client got. */
  status?: number;
  /** Why the gateway itself refused the request (bad input): never a body excerpt. */
  rejected?: string;
  /** The gateway ended the answer: the Lambda deadline came, or the client left. */
  cut?: 'deadline' | 'client-gone';
}
