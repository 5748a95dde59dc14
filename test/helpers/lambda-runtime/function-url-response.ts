/**
 * What a Lambda Function URL (invoke mode RESPONSE_STREAM) answers its client for a streamed
 * invocation response, decoded from the bytes the runtime POSTed to the Runtime API:
 * - Content-Type application/vnd.awslambda.http-integration-response (set by
 *   `awslambda.HttpResponseStream.from`): the body must open with the metadata prelude, JSON
 *   `{statusCode, headers, cookies}` followed by 8 NUL bytes; the rest is the client's body. A body
 *   without that prelude is an invalid function response: the client gets 502 (upstream issue
 *   aws/aws-lambda-nodejs-runtime-interface-client#97, "responseStream.end("Not Found") will cause a 502").
 * - any other Content-Type: a 200 with that content type and the body as written.
 * - the runtime's error trailers (the handler failed): 502 if nothing had reached the client yet;
 *   after the prelude the client already has its status, and the body just stops.
 * The 502's own body is not modelled (empty here); `failure` says why the client got it.
 */
import type { PostedResponse } from './fake-runtime-api';

export const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: string;
  /** Why the Function URL answered 502, or cut the body short. */
  readonly failure?: string;
}

interface Prelude {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: string[];
}

export function decodeFunctionUrlResponse(posted: PostedResponse): FunctionUrlResponse {
  const functionError = posted.trailers['lambda-runtime-function-error-type'];
  const failed = functionError ? `the function failed: ${functionError}` : undefined;
  if (posted.headers['content-type'] !== METADATA_PRELUDE_CONTENT_TYPE) {
    if (failed && posted.body.length === 0) return badGateway(failed);
    const headers = { 'content-type': posted.headers['content-type'] ?? 'application/octet-stream' };
    return {
      statusCode: 200,
      headers,
      cookies: [],
      body: posted.body.toString('utf8'),
      ...(failed ? { failure: failed } : {}),
    };
  }
  const end = posted.body.indexOf(DELIMITER);
  if (end < 0) return badGateway(failed ?? 'no metadata prelude: the body has no 8-NUL delimiter');
  const prelude = parsePrelude(posted.body.subarray(0, end).toString('utf8'));
  if (typeof prelude === 'string') return badGateway(failed ?? prelude);
  return {
    ...prelude,
    body: posted.body.subarray(end + DELIMITER.length).toString('utf8'),
    ...(failed ? { failure: failed } : {}),
  };
}

function badGateway(failure: string): FunctionUrlResponse {
  return { statusCode: 502, headers: {}, cookies: [], body: '', failure };
}

/** The prelude, or why it is not one. */
function parsePrelude(text: string): Prelude | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `metadata prelude is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'metadata prelude is not a JSON object';
  const { statusCode = 200, headers = {}, cookies = [] } = value as Record<string, unknown>;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode))
    return 'metadata prelude statusCode is not an integer';
  if (!isStringRecord(headers)) return 'metadata prelude headers are not strings';
  if (!Array.isArray(cookies) || !cookies.every((c): c is string => typeof c === 'string'))
    return 'metadata prelude cookies are not strings';
  return { statusCode, headers, cookies };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
