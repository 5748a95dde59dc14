/**
 * A fake Lambda Runtime API on 127.0.0.1 (ephemeral port) that takes the streamed invocation
 * responses the runtime POSTs and keeps them byte for byte, trailers included, for the Function URL
 * decoding in function-url-response.ts. It serves nothing else: the harness hands the invocation to
 * the runtime's processor directly rather than through GET /invocation/next.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One POST /2018-06-01/runtime/invocation/<id>/response, as received. */
export interface PostedResponse {
  readonly requestId: string;
  /** Request headers (lower-case names): response mode, content type, transfer encoding, trailer names. */
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The runtime reports a failed invocation in Lambda-Runtime-Function-Error-Type/-Body trailers. */
  readonly trailers: NodeJS.Dict<string>;
}

export interface FakeRuntimeApi {
  /** `127.0.0.1:<port>`, the form AWS_LAMBDA_RUNTIME_API takes. */
  readonly hostPort: string;
  /** Resolves once the runtime has finished POSTing the response of invocation `requestId`. */
  response(requestId: string): Promise<PostedResponse>;
  /** Closes the server and every open socket (the runtime keeps its connection alive). */
  close(): Promise<void>;
}

const RESPONSE_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/response$/;

export function startFakeRuntimeApi(): Promise<FakeRuntimeApi> {
  const waiting = new Map<string, { promise: Promise<PostedResponse>; resolve: (posted: PostedResponse) => void }>();
  const sockets = new Set<Socket>();

  function slot(requestId: string): { promise: Promise<PostedResponse>; resolve: (posted: PostedResponse) => void } {
    let entry = waiting.get(requestId);
    if (!entry) {
      let resolve: (posted: PostedResponse) => void = () => undefined;
      const promise = new Promise<PostedResponse>((done) => {
        resolve = done;
      });
      entry = { promise, resolve };
      waiting.set(requestId, entry);
    }
    return entry;
  }

  const server = http.createServer((req, res) => {
    const match = req.method === 'POST' ? RESPONSE_PATH.exec(req.url ?? '') : null;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errorType":"InvalidRequest"}');
        return;
      }
      const requestId = decodeURIComponent(match[1] ?? '');
      slot(requestId).resolve({
        requestId,
        headers: req.headers,
        body: Buffer.concat(chunks),
        trailers: { ...req.trailers },
      });
      // The Runtime API accepts a response with 202; the runtime waits for this before the next invocation.
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        hostPort: `127.0.0.1:${port}`,
        response: (requestId) => slot(requestId).promise,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}
