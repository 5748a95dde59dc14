/**
 * A fake AWS AppConfig Agent (the Lambda extension's local HTTP API) on 127.0.0.1, ephemeral port.
 * Serves GET /applications/{app}/environments/{env}/configurations/{profile}. Node built-ins only.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';

export type AgentResponse =
  /** 200, the value serialised as JSON, content-type application/json. */
  | { json: unknown }
  /** 200, the raw text as is (e.g. broken JSON); content-type defaults to application/json. */
  | { text: string; contentType?: string }
  /** That status with a short text body. */
  | { status: number }
  /** Never answer (until close()). */
  | 'hang';

export interface AgentRequest {
  /** The request target as sent: path plus any query string (e.g. `?flag=...`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeAgent {
  readonly port: number;
  readonly url: string;
  /** Every request received (any method, any path), in order. */
  readonly requests: AgentRequest[];
  /** What the configuration path returns from now on. Before the first call: status 404. */
  serve(response: AgentResponse): void;
  /** When a request carries header `Entity-Id` equal to entityId, serve this instead (entity-based gradual deployment). */
  serveForEntity(entityId: string, response: { json: unknown }): void;
  /** Close the server and destroy every open socket (hanging ones included). Idempotent. */
  close(): Promise<void>;
}

export function startFakeAgent(options: {
  application: string;
  environment: string;
  profile: string;
}): Promise<FakeAgent> {
  const configPath =
    `/applications/${encodeURIComponent(options.application)}` +
    `/environments/${encodeURIComponent(options.environment)}` +
    `/configurations/${encodeURIComponent(options.profile)}`;
  const requests: AgentRequest[] = [];
  const entities = new Map<string, { json: unknown }>();
  const sockets = new Set<Socket>();
  let current: AgentResponse = { status: 404 };
  let closing: Promise<void> | undefined;

  function sendText(
    res: http.ServerResponse,
    status: number,
    text: string,
    contentType = 'text/plain; charset=utf-8',
  ): void {
    res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  function answer(res: http.ServerResponse, response: AgentResponse): void {
    if (response === 'hang') return;
    if ('json' in response) {
      sendText(res, 200, JSON.stringify(response.json) ?? 'null', 'application/json');
    } else if ('text' in response) {
      sendText(res, 200, response.text, response.contentType ?? 'application/json');
    } else {
      sendText(res, response.status, `${response.status} ${http.STATUS_CODES[response.status] ?? 'Error'}`);
    }
  }

  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    const target = req.url ?? '/';
    requests.push({ path: target, headers: { ...req.headers } });
    req.resume();
    const pathname = new URL(target, 'http://localhost').pathname;
    if (pathname !== configPath) {
      sendText(res, 404, `Configuration not found: ${pathname}`);
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const entityHeader = req.headers['entity-id'];
    const entityId = Array.isArray(entityHeader) ? entityHeader[0] : entityHeader;
    const forEntity = entityId === undefined ? undefined : entities.get(entityId);
    answer(res, forEntity ?? current);
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
        reject(new Error('fake agent: no TCP address'));
        return;
      }
      resolve({
        port: address.port,
        url: `http://127.0.0.1:${address.port}`,
        requests,
        serve(response) {
          current = response;
        },
        serveForEntity(entityId, response) {
          entities.set(entityId, response);
        },
        close() {
          if (closing) return closing;
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
