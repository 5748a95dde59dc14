import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { anthropicErrorBody } from './errors';
import { ClientGoneError, DeadlineExceededError } from './request-lifetime';
import { IncompleteStreamError, StreamStalledError } from './stream-errors';

/**
 * How a failed vendor call counts and what the client would see:
 * - throttle: 429 — counted as Throttles, falls back;
 * - model-error: 5xx, 529, timeouts, connection errors, error events — ModelErrors, falls back;
 * - client-error: other 4xx — from the new model, the request may be one it cannot take (it was
 *   written for the default model): the default model is tried once; from any other model it is
 *   the client's own mistake, passed through;
 * - credential: 401/403 — the gateway's own vendor key, or (from the new model) the key's access
 *   to that model: the gateway re-reads the key and retries once; if the new model still refuses,
 *   the default model tells which it is. Refused by the default model too: 502 and
 *   VendorAuthFailures (not the caller's fault, and not the model's);
 * - deadline: the request's own deadline passed — 504, never falls back (there is no time left);
 * - client-gone: the client left — nothing to answer, nothing to fall back for;
 * - flagged: a moderation check blocked the answer (only when configured to), falls back.
 */
export type FailureCategory =
  'throttle' | 'model-error' | 'client-error' | 'credential' | 'deadline' | 'client-gone' | 'flagged';

export interface VendorFailure {
  readonly category: FailureCategory;
  /** Status and body to answer with if no fallback serves the request. */
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** For logs: the error class and status, never the vendor's message text. */
  readonly summary: string;
  /** A vendor 4xx other than 429 (client-error, credential): the vendor's own status and error type. */
  readonly refusal?: VendorRefusal;
}

/** What the vendor said when it refused a request, for metrics: never its message text. */
export interface VendorRefusal {
  readonly status: number;
  /** `error.type` of the vendor's body (e.g. invalid_request_error); `unknown_error` when absent or odd. */
  readonly errorType: string;
}

/** Error types are a short snake_case enum; anything else would be unbounded metric cardinality. */
const ERROR_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

const PASSED_HEADERS = ['retry-after', 'request-id', 'x-should-retry'];

export function classifyVendorError(err: unknown): VendorFailure {
  if (err instanceof DeadlineExceededError) {
    return failure(
      'deadline',
      504,
      'api_error',
      'The gateway ran out of time before the model finished answering.',
      err,
    );
  }
  if (err instanceof ClientGoneError) {
    return failure('client-gone', 499, 'api_error', 'The client closed the connection.', err);
  }
  if (
    err instanceof Anthropic.APIConnectionTimeoutError ||
    err instanceof Anthropic.APIUserAbortError ||
    err instanceof StreamStalledError
  ) {
    return failure('model-error', 504, 'api_error', 'The model did not answer in time.', err);
  }
  if (err instanceof IncompleteStreamError) {
    return failure('model-error', 502, 'api_error', 'The model ended its answer early.', err);
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return failure('model-error', 502, 'api_error', 'The model vendor could not be reached.', err);
  }
  if (err instanceof Anthropic.APIError) {
    return apiFailure(err as APIError);
  }
  return failure('model-error', 500, 'api_error', 'The gateway failed to call the model.', err);
}

/** `instanceof` on a generic class narrows to `APIError<any, any, any>`; this signature keeps the SDK's types. */
function apiFailure(err: APIError): VendorFailure {
  const headers = pickHeaders(err.headers);
  const summary = `${err.constructor.name} ${err.status}`;
  if (err.status === 401 || err.status === 403) {
    // The vendor's own body is not passed on: it is about the gateway's key, not the caller's.
    const body = anthropicErrorBody('api_error', 'The gateway could not authenticate to the model vendor.');
    return { category: 'credential', status: 502, body, headers: {}, summary, refusal: refusalOf(err, err.status) };
  }
  const body = err.error ?? anthropicErrorBody('api_error', err.message);
  if (err.status === undefined) {
    // An `error` event inside a 200 stream, before the first event reached the client.
    return {
      category: 'model-error',
      status: 500,
      body,
      headers,
      summary: `${err.constructor.name} (stream error event)`,
    };
  }
  const category: FailureCategory =
    err.status === 429 ? 'throttle' : err.status >= 500 ? 'model-error' : 'client-error';
  const failure: VendorFailure = { category, status: err.status, body, headers, summary };
  return category === 'client-error' ? { ...failure, refusal: refusalOf(err, err.status) } : failure;
}

function refusalOf(err: APIError, status: number): VendorRefusal {
  // `err.type` is the body's error.type (the SDK reads it from the JSON body).
  const type: unknown = err.type;
  return { status, errorType: typeof type === 'string' && ERROR_TYPE_PATTERN.test(type) ? type : 'unknown_error' };
}

function failure(
  category: FailureCategory,
  status: number,
  type: string,
  message: string,
  err: unknown,
): VendorFailure {
  const name = err instanceof Error ? err.constructor.name : typeof err;
  return { category, status, body: anthropicErrorBody(type, message), headers: {}, summary: name };
}

function pickHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = headers?.get(name);
    if (value) out[name] = value;
  }
  return out;
}
