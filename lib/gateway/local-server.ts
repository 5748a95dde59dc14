import * as http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Cut } from './cut';
import type { Gateway } from './gateway';
import type { GatewayHttpRequest } from './messages-request';
import { ClientGoneError } from './request-lifetime';
import { formatEvent, type ResponseSink } from './response-sink';

/**
 * Serves the gateway's request handling over plain HTTP (for `rollout serve` and tests).
 * Bodies are read up to one byte past the limit, so an oversized request gets the same
 * 413 as in Lambda without being held in memory. There is no deadline here (no Lambda
 * timeout to beat); a client that disconnects stops the vendor call.
 */
export function createGatewayServer(gateway: Gateway, maxRequestBytes: number): http.Server {
  return http.createServer((req, res) => {
    const clientGone = closedEarly(res);
    void readCapped(req, maxRequestBytes + 1).then((body) =>
      gateway.handle(toGatewayRequest(req, body), httpSink(res), { clientGone }),
    );
  });
}

/** Made when the response closes before it was finished: the client went away. */
function closedEarly(res: http.ServerResponse): Cut<ClientGoneError> {
  const gone = new Cut<ClientGoneError>();
  res.once('close', () => {
    if (!res.writableFinished) gone.cut(new ClientGoneError());
  });
  return gone;
}

function toGatewayRequest(req: http.IncomingMessage, body: Buffer): GatewayHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  return { method: req.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), headers, body };
}

function readCapped(req: http.IncomingMessage, cap: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size >= cap) return;
      const take = chunk.subarray(0, cap - size);
      chunks.push(take);
      size += take.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/** Writes the gateway's answer to a local HTTP response. */
export function httpSink(res: http.ServerResponse): ResponseSink {
  return new HttpSink(res);
}

/** A class, not an object of closures: one is made per request. */
class HttpSink implements ResponseSink {
  public constructor(private readonly res: http.ServerResponse) {
    // The client may leave mid-answer: a write after that fails, and there is nobody left to tell.
    res.on('error', ignore);
  }

  public sendJson(status: number, headers: Readonly<Record<string, string>>, body: unknown): void {
    if (status === 204 || status === 304 || status < 200) {
      // No body, and no Content-Length, may follow these (RFC 9110, 8.6).
      this.res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      this.res.end();
      return;
    }
    // With its length known, the answer goes out in one write, not chunked (writeHead alone
    // commits to chunked encoding before the body is there).
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    this.res.end(text);
  }

  public startEvents(headers: Readonly<Record<string, string>>): void {
    this.res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  }

  public writeEvent(type: string, data: unknown): void {
    this.res.write(formatEvent(type, data));
  }

  public writeEvents(text: string): void {
    this.res.write(text);
  }

  public end(): void {
    this.res.end();
  }

  public async pipeBody(
    status: number,
    headers: Readonly<Record<string, string>>,
    body: ReadableStream<Uint8Array>,
  ): Promise<void> {
    this.res.writeHead(status, { ...headers });
    await pipeline(Readable.fromWeb(body), this.res);
  }
}

function ignore(): void {}
