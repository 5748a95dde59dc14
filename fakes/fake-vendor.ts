/**
 * A fake Anthropic Messages API on 127.0.0.1 (ephemeral port), for driving the gateway (or the SDK
 * directly) through success, error statuses, connection failures, hangs and broken streams.
 *
 * Runtime: node built-ins only. The SDK is imported for its types only (erased at compile time), so
 * the shapes served here are checked against what @anthropic-ai/sdk parses.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Message, RawMessageStreamEvent, StopReason, Usage } from '@anthropic-ai/sdk/resources/messages';
import type { MessageTokensCount } from '@anthropic-ai/sdk/resources/messages';
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { ModelInfo } from '@anthropic-ai/sdk/resources/models';
import type { ErrorResponse } from '@anthropic-ai/sdk/resources/shared';

export type VendorBehaviour =
  | {
      kind: 'ok';
      text?: string;
      stopReason?: 'end_turn' | 'max_tokens' | 'refusal';
      inputTokens?: number;
      outputTokens?: number;
      delayMs?: number;
      /** Cache writes reported in usage, by TTL (cache_creation.ephemeral_5m/1h_input_tokens). */
      cacheWrite5mTokens?: number;
      cacheWrite1hTokens?: number;
      /** usage.server_tool_use.web_search_requests */
      webSearchRequests?: number;
      /**
       * Streaming: `event: ping` events sent after content_block_start, before any content, one
       * every `intervalMs` (the Messages API may send pings anywhere in a stream).
       */
      pings?: { count: number; intervalMs: number };
      /** Streaming: wait this long before each event after message_start (a slowly generated answer). */
      eventDelayMs?: number;
      /**
       * Non-streaming: the answer begins with a `thinking` block (empty text, a signature), as
       * Claude Haiku 5.5's do even when the request does not ask for thinking.
       */
      thinkingFirst?: boolean;
      /** Streaming: the text in this many text_delta events (as a long answer arrives). @default 3 */
      deltas?: number;
    }
  | { kind: 'status'; status: number; errorType?: string; message?: string; headers?: Record<string, string> }
  /** Destroy the socket without answering (the client sees a connection error). */
  | { kind: 'reset' }
  /** Accept and never answer (until the server closes). */
  | { kind: 'hang' }
  /** Streaming: a 200 SSE stream, N events, then `event: error` (overloaded_error) and end. Non-streaming: a 529. */
  | { kind: 'midstream-error'; afterEvents: number }
  /** Streaming: a 200 SSE stream, N events, then the socket is destroyed. Non-streaming: like 'reset'. */
  | { kind: 'midstream-reset'; afterEvents: number }
  /** Streaming: a 200 SSE stream, N events, then a clean end of the response, without message_stop. Non-streaming: like 'reset'. */
  | { kind: 'truncated'; afterEvents: number };

export type BehaviourSetting = VendorBehaviour | ((callIndex: number) => VendorBehaviour);

/**
 * What a model refuses, as the Messages API does it: checked before the behaviour (a refused
 * request never reaches the model), answered with the API's status, error type and body
 * (`request_id` in the body and the `request-id` header). All off unless a test sets them.
 */
export interface ModelRules {
  /** 400 when both `temperature` and `top_p` are set (Claude Haiku 4.5, Sonnet 4.5 and 4.6). */
  readonly oneSamplingParameter?: boolean;
  /** 400 on any `temperature`, `top_p` or `top_k` (Claude Haiku 5.5 takes almost no value). */
  readonly noSamplingParameters?: boolean;
  /** 400 on `thinking: {type: "adaptive"}` (models with extended thinking only, e.g. Claude Haiku 4.5). */
  readonly noAdaptiveThinking?: boolean;
  /** 400 on `thinking: {type: "enabled"}` (models with adaptive thinking only, e.g. Claude Haiku 5.5). */
  readonly noManualThinking?: boolean;
  /** 400 when `max_tokens` is above this. */
  readonly maxOutputTokens?: number;
  /** 404 not_found_error: the vendor has no such model (a wrong or retired id). */
  readonly unknownModel?: boolean;
  /** 403 permission_error: the key may not use this model. */
  readonly noAccess?: boolean;
}

/** The exact text the Messages API answers for temperature and top_p together. */
export const BOTH_SAMPLING_PARAMETERS_MESSAGE =
  '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';

/** A refusal by a model rule: status, error type and message (the API's wording where it is known). */
export interface RuleRefusal {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
}

const SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'] as const;

/** The first rule of `rules` that `body` breaks, for `model` (the request's model id). */
export function ruleRefusal(rules: ModelRules, model: string, body: Record<string, unknown>): RuleRefusal | undefined {
  if (rules.unknownModel) return { status: 404, errorType: 'not_found_error', message: `model: ${model}` };
  if (rules.noAccess) {
    return {
      status: 403,
      errorType: 'permission_error',
      message: 'Your API key does not have permission to use the specified resource.',
    };
  }
  const set = (field: string): boolean => body[field] !== undefined && body[field] !== null;
  if (rules.noSamplingParameters) {
    const field = SAMPLING_FIELDS.find(set);
    if (field) return invalid(`\`${field}\` is deprecated for this model.`);
  }
  if (rules.oneSamplingParameter && set('temperature') && set('top_p'))
    return invalid(BOTH_SAMPLING_PARAMETERS_MESSAGE);
  const thinking = body.thinking;
  const thinkingType =
    typeof thinking === 'object' && thinking !== null ? (thinking as { type?: unknown }).type : undefined;
  if (rules.noAdaptiveThinking && thinkingType === 'adaptive')
    return invalid('adaptive thinking is not supported on this model');
  if (rules.noManualThinking && thinkingType === 'enabled')
    return invalid(
      '`thinking.type: "enabled"` is not supported for this model. Use `thinking.type: "adaptive"` instead.',
    );
  const maxTokens = body.max_tokens;
  if (rules.maxOutputTokens !== undefined && typeof maxTokens === 'number' && maxTokens > rules.maxOutputTokens) {
    return invalid(
      `max_tokens: ${maxTokens} > ${rules.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model}`,
    );
  }
  return undefined;
}

function invalid(message: string): RuleRefusal {
  return { status: 400, errorType: 'invalid_request_error', message };
}

export interface RecordedCall {
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
  /** When the call's HTTP exchange closed (answer sent, or the connection dropped); unset while open. */
  closedAt?: number;
  /** Whether it closed before the fake vendor had sent its whole answer (the client went away). */
  closedEarly?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

/** A POST /v1/messages/count_tokens the fake answered or refused. */
export interface RecordedCount {
  model: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeVendor {
  /** e.g. http://127.0.0.1:54321 (use as the SDK's baseURL). */
  readonly url: string;
  /** Every POST /v1/messages, in order. */
  readonly calls: RecordedCall[];
  /** Every request of any method and path (including GET /v1/models/:id), in order. */
  readonly requests: RecordedRequest[];
  /** Every POST /v1/messages/count_tokens, in order. */
  readonly counts: RecordedCount[];
  /** The models GET /v1/models lists (newest first), by id. @default FAKE_MODEL_IDS */
  setModelList(ids: readonly string[]): void;
  /**
   * How many tokens `model` counts per token of the fake's base count (about 4 characters a
   * token): e.g. 1.3 for a tokenizer that counts ~30% more (Claude Haiku 5.5). @default 1
   */
  setTokenRatio(model: string, ratio: number): void;
  /** Ends processing of every batch created so far: each gets `ended_at` and a `results_url`. */
  endBatches(): void;
  /**
   * Set behaviour per model id (the request's `model` field); unset models answer 'ok'. A function
   * gets the call index for that model (0-based, counting POST /v1/messages only) so tests can fail
   * the first N calls.
   */
  setBehaviour(model: string, behaviour: BehaviourSetting): void;
  /**
   * Only these API keys are valid from now on (undefined: any key). Others get the Messages API's
   * 401 `authentication_error` "invalid x-api-key", as a revoked or rotated-away key does.
   */
  acceptApiKeys(keys: readonly string[] | undefined): void;
  /** What `model` (a request's `model` id) refuses from now on (ModelRules); undefined: nothing. */
  setModelRules(model: string, rules: ModelRules | undefined): void;
  /** Clear calls, requests, counts, batches, behaviours, model rules, token ratios, the model list, accepted keys and per-model call counters. */
  reset(): void;
  /** Close the server and destroy every open socket (hanging ones included). Idempotent. */
  close(): Promise<void>;
}

export const RATE_LIMIT_REQUESTS = 1000;

const DEFAULT_ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

export function defaultErrorType(status: number): string {
  return DEFAULT_ERROR_TYPES[status] ?? 'api_error';
}

export function errorBody(
  errorType: string,
  message?: string,
): { type: 'error'; error: { type: string; message: string } } {
  return {
    type: 'error',
    error: { type: errorType, message: message ?? DEFAULT_ERROR_MESSAGES[errorType] ?? errorType },
  };
}

/** Default output token count for a text (about 4 characters a token, at least 1). */
export function defaultOutputTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
export const DEFAULT_INPUT_TOKENS = 10;

/** The event types of the fake's default streamed answer (its text in three deltas), in order. */
export const DEFAULT_ANSWER_EVENT_TYPES: readonly string[] = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_delta',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
];

/** Split a text into about `parts` chunks (the text_delta events of a stream). Empty text gives no chunks. */
export function splitText(text: string, parts = 3): string[] {
  if (text.length === 0) return [];
  const size = Math.ceil(text.length / Math.max(1, parts));
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

/** The API key of a request: `x-api-key`, or the `Authorization: Bearer` form the SDK sends. */
export function apiKeyOf(req: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function usage(answer: OkAnswer, outputTokens: number): Usage {
  const fiveMinute = answer.cacheWrite5mTokens ?? 0;
  const oneHour = answer.cacheWrite1hTokens ?? 0;
  return {
    input_tokens: answer.inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: fiveMinute + oneHour,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: fiveMinute, ephemeral_1h_input_tokens: oneHour },
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: serverToolUse(answer),
    service_tier: 'standard',
    speed: null,
  };
}

function serverToolUse(answer: OkAnswer): Usage['server_tool_use'] {
  return answer.webSearchRequests ? { web_search_requests: answer.webSearchRequests, web_fetch_requests: 0 } : null;
}

interface OkAnswer {
  model: string;
  text: string;
  stopReason: StopReason;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  webSearchRequests?: number;
  thinkingFirst?: boolean;
  deltas?: number;
}

function okAnswer(model: string, behaviour: Extract<VendorBehaviour, { kind: 'ok' }>): OkAnswer {
  const text = behaviour.text ?? `Hello from ${model}`;
  return {
    model,
    text,
    stopReason: behaviour.stopReason ?? 'end_turn',
    inputTokens: behaviour.inputTokens ?? DEFAULT_INPUT_TOKENS,
    outputTokens: behaviour.outputTokens ?? defaultOutputTokens(text),
    cacheWrite5mTokens: behaviour.cacheWrite5mTokens,
    cacheWrite1hTokens: behaviour.cacheWrite1hTokens,
    webSearchRequests: behaviour.webSearchRequests,
    thinkingFirst: behaviour.thinkingFirst,
    deltas: behaviour.deltas,
  };
}

function stopDetails(stopReason: StopReason): Message['stop_details'] {
  return stopReason === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null;
}

export function messageObject(answer: OkAnswer): Message {
  return {
    id: id('msg'),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: [
      ...(answer.thinkingFirst ? [{ type: 'thinking' as const, thinking: '', signature: id('sig') }] : []),
      { type: 'text', text: answer.text, citations: null },
    ],
    stop_reason: answer.stopReason,
    stop_sequence: null,
    stop_details: stopDetails(answer.stopReason),
    container: null,
    diagnostics: null,
    usage: usage(answer, answer.outputTokens),
  };
}

/** The full SSE event sequence of a successful streamed answer. */
export function streamEvents(answer: OkAnswer): RawMessageStreamEvent[] {
  const start: Message = {
    ...messageObject(answer),
    content: [],
    stop_reason: null,
    stop_details: null,
    usage: usage(answer, 1),
  };
  const events: RawMessageStreamEvent[] = [
    { type: 'message_start', message: start },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
  ];
  for (const chunk of splitText(answer.text, answer.deltas)) {
    events.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: chunk } });
  }
  events.push(
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: {
        stop_reason: answer.stopReason,
        stop_sequence: null,
        stop_details: stopDetails(answer.stopReason),
        container: null,
      },
      usage: {
        input_tokens: answer.inputTokens,
        output_tokens: answer.outputTokens,
        cache_creation_input_tokens: (answer.cacheWrite5mTokens ?? 0) + (answer.cacheWrite1hTokens ?? 0),
        cache_read_input_tokens: 0,
        output_tokens_details: null,
        server_tool_use: serverToolUse(answer),
      },
    },
    { type: 'message_stop' },
  );
  return events;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function modelInfo(model: string): ModelInfo {
  return {
    type: 'model',
    id: model,
    display_name: model,
    created_at: '2025-10-01T00:00:00Z',
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: null,
    max_input_tokens: null,
    max_tokens: null,
    retires_at: null,
  };
}

/** The models GET /v1/models lists unless a test sets its own (newest first, as the API lists them). */
export const FAKE_MODEL_IDS: readonly string[] = ['claude-haiku-5-5', 'claude-sonnet-4-6', 'claude-haiku-4-5-20251001'];

/** The fake's token count of a count_tokens body: about 4 characters a token of its JSON text. */
export function baseTokenCount(body: Record<string, unknown>): number {
  const { model: _model, ...counted } = body;
  return Math.max(1, Math.ceil(JSON.stringify(counted).length / 4));
}

interface FakeBatch {
  batch: MessageBatch;
  results: MessageBatchIndividualResponse[];
}

export interface FakeVendorOptions {
  /** Added before every answer. @default 0 */
  readonly latencyMs?: number;
  /**
   * Keep every call, request and count (`calls`, `requests`, `counts`). A benchmark turns it
   * off: hundreds of thousands of recorded bodies and headers fill its heap, and the long
   * collections that follow stall its load generator and its answers alike. @default true
   */
  readonly record?: boolean;
}

export function startFakeVendor(options: FakeVendorOptions = {}): Promise<FakeVendor> {
  const latencyMs = options.latencyMs ?? 0;
  const record = options.record ?? true;
  const calls: RecordedCall[] = [];
  const requests: RecordedRequest[] = [];
  const counts: RecordedCount[] = [];
  const batches = new Map<string, FakeBatch>();
  const tokenRatios = new Map<string, number>();
  let modelList: readonly string[] = FAKE_MODEL_IDS;
  let baseUrl = '';
  const behaviours = new Map<string, BehaviourSetting>();
  const modelRules = new Map<string, ModelRules>();
  const callCounts = new Map<string, number>();
  let acceptedKeys: ReadonlySet<string> | undefined;
  const sockets = new Set<Socket>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;
  let closing: Promise<void> | undefined;

  /** Resolves after ms, or at once when the server closes (callers then check `gone`). */
  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      sleepers.add(sleeper);
    });
  }

  function gone(res: http.ServerResponse): boolean {
    return closed || res.destroyed || res.socket === null || res.socket.destroyed;
  }

  function baseHeaders(): Record<string, string> {
    return {
      'request-id': id('req'),
      'anthropic-ratelimit-requests-limit': String(RATE_LIMIT_REQUESTS),
      'anthropic-ratelimit-requests-remaining': String(Math.max(0, RATE_LIMIT_REQUESTS - calls.length)),
      'anthropic-ratelimit-requests-reset': new Date(Date.now() + 60_000).toISOString(),
    };
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    if (gone(res)) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      ...baseHeaders(),
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      ...extra,
    });
    res.end(payload);
  }

  function sendError(
    res: http.ServerResponse,
    status: number,
    errorType?: string,
    message?: string,
    extra?: Record<string, string>,
  ): void {
    sendJson(res, status, errorBody(errorType ?? defaultErrorType(status), message), extra);
  }

  function destroy(req: http.IncomingMessage): void {
    const socket = req.socket;
    if (!socket.destroyed) socket.resetAndDestroy();
  }

  function writeAsync(res: http.ServerResponse, chunk: string): Promise<void> {
    return new Promise((resolve) => {
      if (gone(res)) {
        resolve();
        return;
      }
      res.write(chunk, () => resolve());
    });
  }

  /** The Messages API's keep-alive event, as it is on the wire. */
  async function sendPings(res: http.ServerResponse, pings: { count: number; intervalMs: number }): Promise<void> {
    for (let i = 0; i < pings.count; i++) {
      await sleep(pings.intervalMs);
      if (gone(res)) return;
      await writeAsync(res, sse('ping', { type: 'ping' }));
    }
    await sleep(pings.intervalMs);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handleMessages(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      await sleep(latencyMs);
      sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON.');
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      await sleep(latencyMs);
      sendError(res, 400, 'invalid_request_error', 'The request body must be a JSON object.');
      return;
    }
    const body = parsed as Record<string, unknown>;
    const model = typeof body.model === 'string' ? body.model : '';
    const stream = body.stream === true;
    const call: RecordedCall = { model, stream, body, headers: { ...req.headers }, at: Date.now() };
    if (record) {
      calls.push(call);
      res.once('close', () => {
        call.closedAt = Date.now();
        call.closedEarly = !res.writableFinished;
      });
    }
    const apiKey = apiKeyOf(req);
    if (acceptedKeys && (apiKey === undefined || !acceptedKeys.has(apiKey))) {
      await sleep(latencyMs);
      sendError(res, 401, 'authentication_error', 'invalid x-api-key');
      return;
    }
    const rules = modelRules.get(model);
    const refusal = rules && ruleRefusal(rules, model, body);
    if (refusal) {
      await sleep(latencyMs);
      const requestId = id('req');
      const payload = { ...errorBody(refusal.errorType, refusal.message), request_id: requestId };
      sendJson(res, refusal.status, payload, { 'request-id': requestId });
      return;
    }
    const callIndex = callCounts.get(model) ?? 0;
    callCounts.set(model, callIndex + 1);

    const setting = behaviours.get(model);
    const behaviour: VendorBehaviour =
      setting === undefined ? { kind: 'ok' } : typeof setting === 'function' ? setting(callIndex) : setting;

    if (behaviour.kind === 'hang') return; // never answer; close() destroys the socket
    await sleep(latencyMs + (behaviour.kind === 'ok' ? (behaviour.delayMs ?? 0) : 0));
    if (gone(res)) return;

    switch (behaviour.kind) {
      case 'ok': {
        const answer = okAnswer(model, behaviour);
        if (!stream) {
          sendJson(res, 200, messageObject(answer));
          return;
        }
        res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const [i, event] of streamEvents(answer).entries()) {
          if (i > 0) await sleep(behaviour.eventDelayMs ?? 0);
          if (gone(res)) return;
          await writeAsync(res, sse(event.type, event));
          if (event.type === 'content_block_start' && behaviour.pings) await sendPings(res, behaviour.pings);
        }
        if (!gone(res)) res.end();
        return;
      }
      case 'status':
        sendError(res, behaviour.status, behaviour.errorType, behaviour.message, behaviour.headers);
        return;
      case 'reset':
        destroy(req);
        return;
      case 'truncated': {
        if (!stream) {
          destroy(req);
          return;
        }
        res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const events = streamEvents(okAnswer(model, { kind: 'ok' })).slice(0, Math.max(0, behaviour.afterEvents));
        for (const event of events) await writeAsync(res, sse(event.type, event));
        if (!gone(res)) res.end();
        return;
      }
      case 'midstream-error':
      case 'midstream-reset': {
        if (!stream) {
          if (behaviour.kind === 'midstream-error') sendError(res, 529, 'overloaded_error');
          else destroy(req);
          return;
        }
        res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        const events = streamEvents(okAnswer(model, { kind: 'ok' })).slice(0, Math.max(0, behaviour.afterEvents));
        for (const event of events) await writeAsync(res, sse(event.type, event));
        if (behaviour.kind === 'midstream-error') {
          await writeAsync(res, sse('error', errorBody('overloaded_error')));
          if (!gone(res)) res.end();
        } else {
          if (events.length === 0) await sleep(20); // let the headers reach the client first
          if (!gone(res)) res.socket?.destroy();
        }
        return;
      }
    }
  }

  async function handleModel(req: http.IncomingMessage, res: http.ServerResponse, model: string): Promise<void> {
    await readBody(req);
    const setting = behaviours.get(model);
    const behaviour = typeof setting === 'object' ? setting : undefined; // function behaviours apply to messages only
    if (behaviour?.kind === 'hang') return;
    await sleep(latencyMs);
    if (gone(res)) return;
    if (behaviour?.kind === 'status') {
      sendError(res, behaviour.status, behaviour.errorType, behaviour.message, behaviour.headers);
    } else if (behaviour?.kind === 'reset') {
      destroy(req);
    } else {
      sendJson(res, 200, modelInfo(model));
    }
  }

  /** Parses a JSON object body, or answers 400 as the API does and returns undefined. */
  async function jsonBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<Record<string, unknown> | undefined> {
    const raw = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    await sleep(latencyMs);
    sendError(res, 400, 'invalid_request_error', 'The request body must be a JSON object.');
    return undefined;
  }

  function refusedKey(req: http.IncomingMessage): boolean {
    const apiKey = apiKeyOf(req);
    return acceptedKeys !== undefined && (apiKey === undefined || !acceptedKeys.has(apiKey));
  }

  /** POST /v1/messages/count_tokens: `{input_tokens}`, by the model's token ratio; model rules apply. */
  async function handleCountTokens(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await jsonBody(req, res);
    if (!body) return;
    const model = typeof body.model === 'string' ? body.model : '';
    if (record) counts.push({ model, body, headers: { ...req.headers } });
    await sleep(latencyMs);
    if (refusedKey(req)) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    // count_tokens takes no max_tokens, and no sampling parameters: the API answers this for extra fields.
    const extra = ['max_tokens', 'temperature', 'top_p', 'top_k', 'stream'].find((f) => f in body);
    if (extra) return sendError(res, 400, 'invalid_request_error', `${extra}: Extra inputs are not permitted`);
    const rules = modelRules.get(model);
    const refusal = rules && ruleRefusal(rules, model, { ...body, max_tokens: 1 });
    if (refusal) return sendError(res, refusal.status, refusal.errorType, refusal.message);
    const count: MessageTokensCount = {
      input_tokens: Math.ceil(baseTokenCount(body) * (tokenRatios.get(model) ?? 1)),
    };
    sendJson(res, 200, count);
  }

  /** GET /v1/models: one page of the model list (limit, after_id, before_id), as the API pages it. */
  async function handleModelList(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    await readBody(req);
    await sleep(latencyMs);
    if (refusedKey(req)) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const ids = modelList.filter((m) => !modelRules.get(m)?.unknownModel);
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 20) || 20));
    const after = query.get('after_id');
    const before = query.get('before_id');
    let start = 0;
    let end = ids.length;
    if (after !== null) start = ids.indexOf(after) + 1;
    if (before !== null) end = Math.max(0, ids.indexOf(before));
    const page = before !== null ? ids.slice(Math.max(0, end - limit), end) : ids.slice(start, start + limit);
    const hasMore = before !== null ? end - limit > 0 : start + limit < ids.length;
    sendJson(res, 200, {
      data: page.map(modelInfo),
      has_more: hasMore,
      first_id: page[0] ?? null,
      last_id: page[page.length - 1] ?? null,
    });
  }

  /** POST /v1/messages/batches: every request is answered at once (model rules apply); processing ends on endBatches(). */
  async function handleBatchCreate(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await jsonBody(req, res);
    if (!body) return;
    await sleep(latencyMs);
    if (refusedKey(req)) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const list = body.requests;
    if (!Array.isArray(list) || list.length === 0)
      return sendError(res, 400, 'invalid_request_error', 'requests: at least one request is required');
    const results: MessageBatchIndividualResponse[] = [];
    for (const item of list as Array<{ custom_id?: unknown; params?: unknown }>) {
      const params = (typeof item.params === 'object' && item.params !== null ? item.params : {}) as Record<
        string,
        unknown
      >;
      const model = typeof params.model === 'string' ? params.model : '';
      const customId = typeof item.custom_id === 'string' ? item.custom_id : '';
      const rules = modelRules.get(model);
      const refusal = rules && ruleRefusal(rules, model, params);
      results.push({
        custom_id: customId,
        result: refusal
          ? {
              type: 'errored',
              error: { ...errorBody(refusal.errorType, refusal.message), request_id: id('req') } as ErrorResponse,
            }
          : { type: 'succeeded', message: messageObject(okAnswer(model, { kind: 'ok' })) },
      });
    }
    const now = new Date();
    const batch: MessageBatch = {
      id: id('msgbatch'),
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: results.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 24 * 3_600_000).toISOString(),
      ended_at: null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    };
    batches.set(batch.id, { batch, results });
    sendJson(res, 200, batch);
  }

  async function handleBatches(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<boolean> {
    if (path === '/v1/messages/batches' && method === 'POST') {
      await handleBatchCreate(req, res);
      return true;
    }
    const match = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
    if (method !== 'GET' || match?.[1] === undefined) return false;
    await readBody(req);
    await sleep(latencyMs);
    if (refusedKey(req)) {
      sendError(res, 401, 'authentication_error', 'invalid x-api-key');
      return true;
    }
    const found = batches.get(decodeURIComponent(match[1]));
    if (!found) {
      sendError(res, 404, 'not_found_error', `No batch found with id ${match[1]}`);
    } else if (!match[2]) {
      sendJson(res, 200, found.batch);
    } else if (found.batch.processing_status !== 'ended') {
      sendError(res, 400, 'invalid_request_error', `Batch ${found.batch.id} has not finished processing.`);
    } else if (!gone(res)) {
      const jsonl = found.results.map((r) => JSON.stringify(r)).join('\n') + '\n';
      res.writeHead(200, { ...baseHeaders(), 'content-type': 'application/binary' });
      res.end(jsonl);
    }
    return true;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (record)
      requests.push({
        method,
        path,
        query: url.search.replace(/^\?/, ''),
        headers: { ...req.headers },
        at: Date.now(),
      });
    if (method === 'POST' && path === '/v1/messages') return handleMessages(req, res);
    if (method === 'POST' && path === '/v1/messages/count_tokens') return handleCountTokens(req, res);
    if (method === 'GET' && path === '/v1/models') return handleModelList(req, res, url.searchParams);
    if (path.startsWith('/v1/messages/batches') && (await handleBatches(req, res, method, path))) return;
    const modelMatch = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (method === 'GET' && modelMatch?.[1] !== undefined)
      return handleModel(req, res, decodeURIComponent(modelMatch[1]));
    await readBody(req);
    await sleep(latencyMs);
    sendError(res, 404, 'not_found_error', `Not found: ${method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    handle(req, res).catch((err: unknown) => {
      if (gone(res)) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, 500, 'api_error', `fake vendor failure: ${String(err)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('fake vendor: no TCP address'));
        return;
      }
      baseUrl = `http://127.0.0.1:${address.port}`;
      resolve({
        url: baseUrl,
        calls,
        requests,
        counts,
        setModelList(ids) {
          modelList = [...ids];
        },
        setTokenRatio(model, ratio) {
          tokenRatios.set(model, ratio);
        },
        endBatches() {
          for (const { batch, results } of batches.values()) {
            if (batch.processing_status === 'ended') continue;
            batch.processing_status = 'ended';
            batch.ended_at = new Date().toISOString();
            batch.results_url = `${baseUrl}/v1/messages/batches/${batch.id}/results`;
            batch.request_counts = {
              processing: 0,
              succeeded: results.filter((r) => r.result.type === 'succeeded').length,
              errored: results.filter((r) => r.result.type === 'errored').length,
              canceled: 0,
              expired: 0,
            };
          }
        },
        setBehaviour(model, behaviour) {
          behaviours.set(model, behaviour);
        },
        acceptApiKeys(keys) {
          acceptedKeys = keys === undefined ? undefined : new Set(keys);
        },
        setModelRules(model, rules) {
          if (rules) modelRules.set(model, rules);
          else modelRules.delete(model);
        },
        reset() {
          calls.length = 0;
          requests.length = 0;
          counts.length = 0;
          batches.clear();
          tokenRatios.clear();
          modelList = FAKE_MODEL_IDS;
          behaviours.clear();
          modelRules.clear();
          callCounts.clear();
          acceptedKeys = undefined;
        },
        close() {
          if (closing) return closing;
          closed = true;
          for (const sleeper of sleepers) {
            clearTimeout(sleeper.timer);
            sleeper.resolve();
          }
          sleepers.clear();
          closing = new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}
