import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import type { UnderlyingSource } from 'node:stream/web';
import { urlToHttpOptions } from 'node:url';
import type { Cut, CutWatcher } from './cut';

/**
 * A `fetch` for the vendor client (the Anthropic SDK's `fetch` option) on node:http(s) with
 * keep-alive agents. Node's built-in fetch (undici) costs about 0.6 ms of CPU per call on top
 * of the HTTP exchange itself (request cloning, a body stream teed into chunked writes, several
 * web streams per answer), which is most of what a gateway spends per request. The SDK still
 * does everything else (headers, retries, timeouts, error classes, SSE parsing).
 *
 * Behaves as the SDK expects of fetch: a rejection before the answer is a `TypeError('fetch
 * failed', { cause })` (the SDK's APIConnectionError), an abort rejects with, or errors the
 * body with, the signal's reason (an AbortError); a connection lost mid-body errors the body
 * with `TypeError('terminated')`, as undici does. Bodies it does not send itself (streams,
 * forms) go to the built-in fetch. Kept-alive sockets idle 4 s or more are not reused.
 */
export function vendorFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const body = bodyBytes(init.body);
  if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init);
  if (body === UNSUPPORTED) return fetch(input, init);
  const target = requestTarget(input);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const onBytes = (init as TappedInit)[ON_RESPONSE_BYTES];
  const cut = (init as TappedInit)[CALL_CUT];
  if (cut?.reason) return Promise.resolve(cutAnswer());

  return new Promise<Response>((resolve, reject) => {
    const headers = outgoingHeaders(init.headers);
    if (body !== undefined)
      headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    const secure = target.protocol === 'https:';
    const agent = secure ? HTTPS_AGENT : HTTP_AGENT;
    closeIdleSockets(agent);
    const req = (secure ? https : http).request({ ...target, method: init.method ?? 'GET', headers, agent });
    const call = new VendorCall(req, signal, cut, resolve, reject);
    req.on('error', (cause) => call.failed(cause));
    req.on('response', (res) => call.answered(res, init.method === 'HEAD', onBytes));
    req.end(body);
  });
}

/**
 * Kept-alive sockets idle this long are closed before a call instead of reused: undici's (the
 * built-in fetch's) default keep-alive timeout, kept by the wall clock because timers do not
 * run while Lambda has the environment frozen, and Lambda closes idle connections over time (a
 * call on one fails). A call whose reused socket fails anyway is not sent again: a reset is as
 * likely the vendor's answer to a call it got, and a second one would be billed twice; it
 * fails like any lost connection (the default model's SDK retries, the new model's fallback).
 */
const IDLE_SOCKET_MS = 4_000;
/** When each kept-alive socket was last put back in its agent's pool. */
const FREED_AT = new WeakMap<Duplex, number>();

/**
 * The agent, noting when each socket goes idle (closeIdleSockets reads it). `keepSocketAlive`
 * is the hook node:http documents for agents to override; it returns whether to keep the socket.
 */
function notingIdleSockets<A extends http.Agent>(agent: A): A {
  const keep = agent.keepSocketAlive.bind(agent) as (socket: Duplex) => boolean;
  agent.keepSocketAlive = (socket: Duplex): boolean => {
    FREED_AT.set(socket, Date.now());
    return keep(socket);
  };
  return agent;
}

/**
 * Destroys the agent's free sockets idle IDLE_SOCKET_MS or longer, whatever their host (one or
 * two vendor hosts: a short walk). The agent skips destroyed sockets when it picks one for a call.
 */
function closeIdleSockets(agent: http.Agent): void {
  const now = Date.now();
  for (const name in agent.freeSockets) {
    for (const socket of agent.freeSockets[name] ?? []) {
      if (now - (FREED_AT.get(socket) ?? 0) >= IDLE_SOCKET_MS) socket.destroy();
    }
  }
}

/**
 * One call's state between node:http and the Promise vendorFetch returns. A class, the
 * listener object of the caller's signal (handleEvent) and the watcher of the gateway's cut,
 * rather than closures made for every call.
 */
class VendorCall implements CutWatcher {
  private answer?: AnswerBody;
  private hasAnswered = false;

  public constructor(
    private readonly req: http.ClientRequest,
    private readonly signal: AbortSignal | undefined,
    private readonly cut: Cut | undefined,
    private readonly resolve: (response: Response) => void,
    private readonly reject: (reason: Error) => void,
  ) {
    signal?.addEventListener('abort', this, { once: true });
    cut?.watch(this);
  }

  /** The caller's signal aborted. */
  public handleEvent(): void {
    const reason = abortReason(this.signal);
    if (this.hasAnswered) this.answer?.fail(reason);
    else this.reject(reason);
    this.req.destroy();
  }

  /** The gateway cut the call (CALL_CUT). */
  public cutOff(reason: Error): void {
    if (this.hasAnswered) this.answer?.fail(reason);
    else this.resolve(cutAnswer());
    this.req.destroy();
  }

  public failed(cause: Error): void {
    this.done();
    if (!this.hasAnswered) this.reject(new TypeError('fetch failed', { cause }));
  }

  public answered(res: http.IncomingMessage, head: boolean, onBytes: (() => void) | undefined): void {
    this.hasAnswered = true;
    res.once('close', () => this.done());
    const status = res.statusCode ?? 0;
    const noBody = NULL_BODY_STATUSES.has(status) || head;
    let response: Response;
    try {
      if (!noBody) this.answer = new AnswerBody(res, this.signal, onBytes);
      const init = { status, statusText: res.statusMessage };
      response = withHeaders(new Response(this.answer?.web ?? null, init), res.rawHeaders);
    } catch (cause) {
      // A status or header the Response class refuses (a status outside 200-599, say): thrown
      // here, it would be unhandled.
      this.done();
      this.reject(new TypeError('fetch failed', { cause }));
      this.req.destroy();
      return;
    }
    if (noBody) {
      res.resume();
      this.resolve(response);
      return;
    }
    Object.defineProperty(response, ANSWER_BODY, { value: this.answer });
    this.resolve(response);
  }

  private done(): void {
    this.signal?.removeEventListener('abort', this);
    this.cut?.unwatch(this);
  }
}

/**
 * The answer's headers, appended to the Response's own: given in its init instead, a Headers
 * built first would be copied, each header validated twice.
 */
function withHeaders(response: Response, raw: readonly string[]): Response {
  const headers = response.headers;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return response;
}

/**
 * The request-init key that carries a callback for every chunk of the answer's body as it
 * arrives off the wire (byte-watch.ts sets it, so the tap costs no extra web stream).
 */
export const ON_RESPONSE_BYTES = Symbol.for('rollout.onResponseBytes');
/**
 * The request-init key for the gateway's own cut of a call (a Cut: the client gone, the
 * deadline, a stalled stream), kept from the SDK: given to the SDK as its `signal`, every call
 * would leave a FinalizationRegistry entry and a WeakMap entry that only the SDK's own stream
 * reader releases, which a body read off the socket never does — about half of the gateway's GC
 * time. A cut before the answer resolves as `cutAnswer()`; after it, the body fails with the reason.
 */
export const CALL_CUT = Symbol.for('rollout.callCut');

/**
 * What a call the gateway cut before the vendor answered resolves to: a 499 the SDK must not
 * retry (`x-should-retry: false`), so it gives up at once instead of retrying, after a backoff,
 * a call nobody waits for. The gateway reports the call by the cut's own reason, not this answer.
 */
function cutAnswer(): Response {
  return new Response(JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'Cut by the gateway.' } }), {
    status: 499,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
  });
}

/** The AnswerBody behind a Response from `vendorFetch`. */
const ANSWER_BODY = Symbol('rollout.answerBody');

type TappedInit = RequestInit & { [ON_RESPONSE_BYTES]?: () => void; [CALL_CUT]?: Cut };

/** node:http's options for a URL, parsed once per URL string: the SDK calls the same few URLs over and over. */
function requestTarget(input: string | URL): http.RequestOptions {
  if (typeof input !== 'string') return urlToHttpOptions(input);
  let target = TARGETS.get(input);
  if (!target) {
    if (TARGETS.size >= MAX_TARGETS) TARGETS.clear();
    target = urlToHttpOptions(new URL(input));
    TARGETS.set(input, target);
  }
  return target;
}

const TARGETS = new Map<string, http.RequestOptions>();
/** Bounds the cache should a caller put ids in its URLs (the batch API's results, say). */
const MAX_TARGETS = 256;

function ignoreError(): void {}

const HTTP_AGENT = notingIdleSockets(new http.Agent({ keepAlive: true }));
const HTTPS_AGENT = notingIdleSockets(new https.Agent({ keepAlive: true }));
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const UNSUPPORTED = Symbol('unsupported body');

/**
 * The body as node:http sends it. A string stays a string: node:http then joins it to the
 * headers in one chunk (a Buffer goes out as a chunk of its own), and it is not copied first.
 */
function bodyBytes(body: RequestInit['body']): string | Buffer | undefined | typeof UNSUPPORTED {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return UNSUPPORTED;
}

function outgoingHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly string[]>) {
      const [name, value] = pair;
      if (name !== undefined && value !== undefined) out[name.toLowerCase()] = value;
    }
  } else {
    for (const [name, value] of Object.entries(headers))
      out[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  // A DOMException AbortError is an Error, and is what aborting without a reason gives.
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

const VENDOR_FETCH_CLIENTS = new WeakSet<object>();

/** Records that `client` was built with `fetch: vendorFetch` (create-gateway.ts), so taps go on the request. */
export function usesVendorFetch<T extends object>(client: T): T {
  VENDOR_FETCH_CLIENTS.add(client);
  return client;
}

/** Whether `client` was built with `fetch: vendorFetch` (see usesVendorFetch). */
export function fetchesWithVendorFetch(client: object): boolean {
  return VENDOR_FETCH_CLIENTS.has(client);
}

/** Lets code reading a Response from `vendorFetch` know its body is tapped already. */
export function isTapped(response: Response): boolean {
  return answerBodyOf(response) !== undefined;
}

/**
 * The body of a Response from `vendorFetch` as the Node.js stream it arrives on, for a reader
 * that wants its chunks without the web stream around them (an SSE answer's hundreds of
 * chunks each cost a promise and a web-stream read otherwise). Undefined for any other
 * Response, or once its web body has been read. The tap (ON_RESPONSE_BYTES) still sees every
 * chunk; an abort destroys the stream, so reading it then fails.
 */
export function takeNodeBody(response: Response): Readable | undefined {
  return answerBodyOf(response)?.takeNode();
}

function answerBodyOf(response: Response): AnswerBody | undefined {
  return (response as Response & { [ANSWER_BODY]?: AnswerBody })[ANSWER_BODY];
}

/**
 * One answer's body, readable once: as a web stream (what fetch gives: the SDK reads JSON and
 * error answers there) or, taken before that, as the Node.js stream itself. The web stream
 * attaches to the socket on its first read, so an answer taken as a Node.js stream never
 * passes through it.
 */
class AnswerBody implements UnderlyingSource<Uint8Array> {
  public readonly web: ReadableStream<Uint8Array>;
  private mode: 'unread' | 'web' | 'node' = 'unread';
  /** The web body was closed or errored: nothing more may reach it (the socket may still emit 'end'). */
  private settled = false;
  /** Why the answer failed before its web body was first read. */
  private failure?: Error;
  private controller?: ReadableStreamDefaultController<Uint8Array>;

  public constructor(
    private readonly res: http.IncomingMessage,
    private readonly signal: AbortSignal | undefined,
    private readonly onBytes: (() => void) | undefined,
  ) {
    // An answer nobody reads yet may still fail (an abort destroys it): its reader, once there
    // is one, is told; until then the error must not be unhandled.
    res.on('error', ignoreError);
    // The body is the web stream's underlying source itself (start, pull, cancel), and nothing
    // is pulled before a read: an answer read as a Node.js stream never starts this one.
    this.web = new ReadableStream<Uint8Array>(this, { highWaterMark: 0 });
  }

  public start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  public pull(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.mode === 'node') {
      controller.error(new TypeError('Body is unusable: it was taken as a Node.js stream'));
      return;
    }
    if (this.mode === 'unread') this.attachWeb();
    this.res.resume();
  }

  public cancel(): void {
    this.settled = true;
    this.res.destroy();
  }

  public takeNode(): Readable | undefined {
    if (this.mode !== 'unread') return undefined;
    this.mode = 'node';
    if (this.onBytes) this.res.on('data', this.onBytes);
    // A 'data' listener starts the flow: paused, the chunks wait for the reader (read() still emits 'data').
    this.res.pause();
    return this.res;
  }

  /** The call was aborted or cut after the answer began: its web body fails with `reason`, now or at its first read. */
  public fail(reason: Error): void {
    if (this.mode === 'unread') this.failure ??= reason;
    else if (this.mode === 'web') this.settle((c) => c.error(reason));
  }

  /** Closes or errors the web body once; whatever the socket emits after that is dropped. */
  private settle(how: (controller: ReadableStreamDefaultController<Uint8Array>) => void): void {
    if (this.settled || !this.controller) return;
    this.settled = true;
    how(this.controller);
  }

  private attachWeb(): void {
    this.mode = 'web';
    const { res, signal } = this;
    // Failed before the first read: its errors were emitted already, to no reader.
    const early = this.failure ?? (signal?.aborted ? abortReason(signal) : undefined);
    if (early) return this.settle((c) => c.error(early));
    if (res.errored || (res.destroyed && !res.complete))
      return this.settle((c) => c.error(new TypeError('terminated', { cause: res.errored ?? undefined })));
    if (this.onBytes) res.on('data', this.onBytes);
    res.on('data', (chunk: Buffer) => {
      if (this.settled) return;
      const controller = this.controller!;
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      // Backpressure: stop reading the socket until the reader wants more.
      if ((controller.desiredSize ?? 0) < 0) res.pause();
    });
    res.on('end', () => this.settle((c) => c.close()));
    res.on('error', (cause) => this.settle((c) => c.error(new TypeError('terminated', { cause }))));
    res.on('aborted', () => this.settle((c) => c.error(new TypeError('terminated'))));
  }
}
