import * as http from 'node:http';
import * as https from 'node:https';

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
 * forms) go to the built-in fetch.
 */
export function vendorFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const body = bodyBytes(init.body);
  if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init);
  if (body === UNSUPPORTED) return fetch(input, init);
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const onBytes = (init as TappedInit)[ON_RESPONSE_BYTES];

  return new Promise<Response>((resolve, reject) => {
    const headers = outgoingHeaders(init.headers);
    if (body) headers['content-length'] = String(body.length);
    const secure = url.protocol === 'https:';
    const req = (secure ? https : http).request(url, {
      method: init.method ?? 'GET',
      headers,
      agent: secure ? HTTPS_AGENT : HTTP_AGENT,
    });
    let answered = false;
    let web: ReadableStreamDefaultController<Uint8Array> | undefined;
    const onAbort = (): void => {
      const reason = abortReason(signal);
      if (answered) web?.error(reason);
      else reject(reason);
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);

    req.on('error', (cause) => {
      done();
      if (!answered) reject(new TypeError('fetch failed', { cause }));
    });
    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const responseHeaders = new Headers();
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
      if (NULL_BODY_STATUSES.has(status) || init.method === 'HEAD') {
        res.resume();
        done();
        resolve(new Response(null, { status, statusText: res.statusMessage, headers: responseHeaders }));
        return;
      }
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          web = controller;
          res.on('data', (chunk: Buffer) => {
            onBytes?.();
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            // Backpressure: stop reading the socket until the reader wants more.
            if ((controller.desiredSize ?? 1) <= 0) res.pause();
          });
          res.on('end', () => {
            done();
            if (!signal?.aborted) controller.close();
          });
          res.on('error', (cause) => {
            done();
            if (!signal?.aborted) controller.error(new TypeError('terminated', { cause }));
          });
          res.on('aborted', () => {
            done();
            if (!signal?.aborted) controller.error(new TypeError('terminated'));
          });
        },
        pull() {
          res.resume();
        },
        cancel() {
          done();
          res.destroy();
        },
      });
      const response = new Response(stream, { status, statusText: res.statusMessage, headers: responseHeaders });
      if (onBytes) Object.defineProperty(response, TAPPED, { value: true });
      resolve(response);
    });
    req.end(body);
  });
}

/**
 * The request-init key that carries a callback for every chunk of the answer's body as it
 * arrives off the wire (byte-watch.ts sets it, so the tap costs no extra web stream).
 */
export const ON_RESPONSE_BYTES = Symbol.for('rollout.onResponseBytes');
/** Marks a Response whose body `vendorFetch` already taps. */
export const TAPPED = Symbol.for('rollout.tapped');

type TappedInit = RequestInit & { [ON_RESPONSE_BYTES]?: () => void };

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const UNSUPPORTED = Symbol('unsupported body');

function bodyBytes(body: RequestInit['body']): Buffer | undefined | typeof UNSUPPORTED {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
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
  return (response as Response & { [TAPPED]?: boolean })[TAPPED] === true;
}
