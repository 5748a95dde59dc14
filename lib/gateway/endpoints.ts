import { GatewayError } from './errors';
import { COUNT_TOKENS_PATH } from './messages-request';

/**
 * Which part of the Anthropic API a request is for, and how the gateway treats it:
 * - `messages` (POST /v1/messages) and `count_tokens` (POST /v1/messages/count_tokens) are
 *   routed: the cohort decision and the new model's request rules apply;
 * - `models` (GET /v1/models, /v1/models/{id}) and `batches` (/v1/messages/batches…) pass
 *   through to the vendor as sent (the rollout does not apply to batches: they are not the
 *   interactive traffic it measures, and their results come back a day later).
 */
export type Endpoint =
  | { readonly kind: 'messages' }
  | { readonly kind: 'count_tokens' }
  | { readonly kind: 'pass-through'; readonly api: PassThroughApi };

export type PassThroughApi = 'models' | 'batches';

interface PassThroughRoute {
  readonly pattern: RegExp;
  readonly api: PassThroughApi;
  readonly methods: readonly string[];
}

// Ids are one path segment; the vendor decides whether they exist.
const SEGMENT = '[^/]+';
const PASS_THROUGH: readonly PassThroughRoute[] = [
  { pattern: /^\/v1\/models$/, api: 'models', methods: ['GET'] },
  { pattern: new RegExp(`^/v1/models/${SEGMENT}$`), api: 'models', methods: ['GET'] },
  { pattern: /^\/v1\/messages\/batches$/, api: 'batches', methods: ['GET', 'POST'] },
  { pattern: new RegExp(`^/v1/messages/batches/${SEGMENT}$`), api: 'batches', methods: ['GET', 'DELETE'] },
  { pattern: new RegExp(`^/v1/messages/batches/${SEGMENT}/cancel$`), api: 'batches', methods: ['POST'] },
  { pattern: new RegExp(`^/v1/messages/batches/${SEGMENT}/results$`), api: 'batches', methods: ['GET'] },
];

const SERVED = 'POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models[/{id}] and /v1/messages/batches…';

/** The endpoint of `method` `path`; a GatewayError (404, or 405 with Allow) for anything else. */
export function endpointOf(method: string, path: string): Endpoint {
  // The two routed endpoints check their method themselves (405 with the same wording as before).
  if (path === '/v1/messages') return { kind: 'messages' };
  if (path === COUNT_TOKENS_PATH) return { kind: 'count_tokens' };
  const route = PASS_THROUGH.find((r) => r.pattern.test(path));
  if (!route)
    throw new GatewayError(404, 'not_found_error', `Not found: ${method} ${path}. The gateway serves ${SERVED}.`);
  if (!route.methods.includes(method)) {
    throw new GatewayError(
      405,
      'invalid_request_error',
      `Method ${method} is not allowed on ${path}; use ${route.methods.join(' or ')}.`,
      { headers: { allow: route.methods.join(', ') } },
    );
  }
  return { kind: 'pass-through', api: route.api };
}
