import * as z from 'zod/mini';
import { badRequest, GatewayError } from './errors';

/** The HTTP request as either adapter (Lambda Function URL, local server) delivers it. */
export interface GatewayHttpRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** The raw query string, without `?` (GET /v1/models?limit=…); empty when there is none. */
  readonly query?: string;
}

// zod/mini keeps the Lambda bundle small; messages name the field and what it needs.
const ContentBlock = z.looseObject({ type: z.string({ error: 'each content block needs a string "type"' }) });
const Message = z.looseObject({
  role: z.enum(['user', 'assistant'], { error: 'role must be "user" or "assistant"' }),
  content: z.union([z.string(), z.array(ContentBlock)], {
    error: 'content must be a string or an array of content blocks',
  }),
});

/**
 * The fields the gateway itself relies on; everything else passes through to the vendor
 * unchanged (tools, temperature, thinking, ...), so new API features need no gateway change.
 */
const MessagesBody = z.looseObject({
  model: z
    .string({ error: 'model: a string is required' })
    .check(z.minLength(1, { error: 'model: must not be empty' })),
  max_tokens: z
    .number({ error: 'max_tokens: a positive integer is required' })
    .check(z.int({ error: 'max_tokens: must be an integer' }), z.positive({ error: 'max_tokens: must be > 0' })),
  messages: z
    .array(Message, { error: 'messages: an array of messages is required' })
    .check(z.minLength(1, { error: 'messages: at least one message is required' })),
  stream: z.optional(z.boolean({ error: 'stream: must be a boolean' })),
  system: z.optional(
    z.union([z.string(), z.array(ContentBlock)], { error: 'system: must be a string or an array of text blocks' }),
  ),
  metadata: z.optional(
    z.looseObject({
      user_id: z.optional(
        z
          .string({ error: 'metadata.user_id: must be a string' })
          .check(z.maxLength(256, { error: 'metadata.user_id: must be at most 256 characters' })),
      ),
    }),
  ),
});

export type MessagesBody = z.output<typeof MessagesBody>;

export interface MessagesRequest {
  readonly body: MessagesBody;
  readonly stream: boolean;
  /** `metadata.user_id`, else the `x-user-id` header. */
  readonly userKey?: string;
  /** The `x-client-id` header. */
  readonly clientKey?: string;
  /** Client headers forwarded to the vendor unchanged (FORWARDED_HEADERS). */
  readonly forwardHeaders: Record<string, string>;
}

/**
 * The client's headers the vendor gets as sent: `anthropic-beta` turns on beta features and
 * `anthropic-version` selects the API version the client was written for. The key headers are
 * never forwarded: the gateway calls the vendor with its own key.
 */
export const FORWARDED_HEADERS = ['anthropic-beta', 'anthropic-version'] as const;

export function forwardedHeaders(req: GatewayHttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (value) out[name] = value;
  }
  return out;
}

/**
 * Parses and validates a request to the gateway. Anything wrong is a GatewayError with
 * Anthropic's error body and status; nothing invalid reaches the vendor.
 */
export function parseMessagesRequest(req: GatewayHttpRequest, maxRequestBytes: number): MessagesRequest {
  if (req.path !== '/v1/messages') {
    throw new GatewayError(
      404,
      'not_found_error',
      `Not found: ${req.method} ${req.path}. The gateway serves POST /v1/messages.`,
    );
  }
  const json = readJsonObject(req, '/v1/messages', maxRequestBytes);
  const parsed = z.safeParse(MessagesBody, json);
  if (!parsed.success) {
    throw badRequest(parsed.error.issues.map((i) => describeIssue(i)).join('; '));
  }
  const body = parsed.data;
  const headerUser = nonEmpty(req.headers['x-user-id']);
  return {
    body,
    stream: body.stream === true,
    userKey: nonEmpty(body.metadata?.user_id) ?? headerUser,
    clientKey: nonEmpty(req.headers['x-client-id']),
    forwardHeaders: forwardedHeaders(req),
  };
}

/**
 * A POST body the gateway reads itself (`path` names the endpoint in messages): within the size
 * limit, JSON, and an object. Otherwise a GatewayError in Anthropic's format.
 */
export function readJsonObject(req: GatewayHttpRequest, path: string, maxRequestBytes: number): object {
  if (req.method !== 'POST') {
    throw new GatewayError(405, 'invalid_request_error', `Method ${req.method} is not allowed on ${path}; use POST.`, {
      headers: { allow: 'POST' },
    });
  }
  checkSize(req, maxRequestBytes);
  const contentType = req.headers['content-type'];
  if (contentType && !/^application\/json\b/i.test(contentType)) {
    throw badRequest(`Content-Type must be application/json (got ${contentType}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(req.body.toString('utf8'));
  } catch (cause) {
    // Not the parser's own message: it quotes the body around the fault, and this message is
    // logged. The position is enough to find it.
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw new GatewayError(
      400,
      'invalid_request_error',
      `Request body is not valid JSON${position ? ` (error at position ${position})` : ''}.`,
      { cause },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw badRequest('Request body must be a JSON object.');
  }
  return json;
}

/** The gateway's own request size limit (`gateway.maxRequestBytes`), for every endpoint. */
export function checkSize(req: GatewayHttpRequest, maxRequestBytes: number): void {
  if (req.body.length > maxRequestBytes) {
    throw new GatewayError(
      413,
      'request_too_large',
      `Request body is ${req.body.length} bytes; the gateway accepts at most ${maxRequestBytes}.`,
    );
  }
}

/** A Messages-shaped body without max_tokens: what POST /v1/messages/count_tokens takes. */
const CountTokensBody = z.looseObject({
  model: MessagesBody.shape.model,
  messages: MessagesBody.shape.messages,
});

export type CountTokensBody = z.output<typeof CountTokensBody>;

export interface CountTokensRequest {
  readonly body: CountTokensBody;
  /**
   * The `x-user-id` header: a count_tokens body has no `metadata` (the API refuses it), so the
   * header is the only way to get the same cohort decision as the user's messages.
   */
  readonly userKey?: string;
  readonly clientKey?: string;
  readonly forwardHeaders: Record<string, string>;
}

export function parseCountTokensRequest(req: GatewayHttpRequest, maxRequestBytes: number): CountTokensRequest {
  const json = readJsonObject(req, COUNT_TOKENS_PATH, maxRequestBytes);
  const parsed = z.safeParse(CountTokensBody, json);
  if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => describeIssue(i)).join('; '));
  return {
    body: parsed.data,
    userKey: nonEmpty(req.headers['x-user-id']),
    clientKey: nonEmpty(req.headers['x-client-id']),
    forwardHeaders: forwardedHeaders(req),
  };
}

export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  // Messages for top-level fields already start with the field name.
  return path && !issue.message.startsWith(path.split(/[.[]/)[0] ?? '') ? `${path}: ${issue.message}` : issue.message;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.length > 0 ? value : undefined;
}
