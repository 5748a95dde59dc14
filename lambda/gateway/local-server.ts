import * as http from 'node:http';
import type { Gateway } from './gateway';
import type { GatewayHttpRequest } from './messages-request';
import { formatEvent, type ResponseSink } from './response-sink';

/**
 * Serves the gateway's request handling over plain HTTP (for `rollout serve` and tests).
 * Bodies are read up to one byte past the limit, so an oversized request gets the same
 * 413 as in Lambda without being held in memory.
 */
export function createGatewayServer(gateway: Gateway, maxRequestBytes: number): http.Server {
  return http.createServer((req, res) => {
    void readCapped(req, maxRequestBytes + 1).then((body) => gateway.handle(toGatewayRequest(req, body), httpSink(res)));
  });
}

function toGatewayRequest(req: http.IncomingMessage, body: Buffer): GatewayHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  return { method: req.method ?? 'GET', path, headers, body };
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

export function httpSink(res: http.ServerResponse): ResponseSink {
  return {
    sendJson: (status, headers, body) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    },
    startEvents: (headers) => {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    },
    writeEvent: (type, data) => {
      res.write(formatEvent(type, data));
    },
    end: () => {
      res.end();
    },
  };
}
