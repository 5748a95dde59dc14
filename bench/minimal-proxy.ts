/**
 * The floor a JavaScript gateway can reach: parse the JSON body, `fetch` the vendor, send the
 * answer back (streamed answers piped through as they come). No routing, logs or metrics. Run
 * by `npm run bench` in its own process, beside `rollout serve` and Portkey.
 *
 * Usage: node --require tsx/cjs bench/minimal-proxy.ts UPSTREAM_URL (prints "listening on URL").
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: minimal-proxy.ts UPSTREAM_URL');

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      const answer = await fetch(`${upstream}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'bench',
          'anthropic-version': req.headers['anthropic-version'] ?? '2023-06-01',
        },
        body: JSON.stringify(body),
      });
      const type = answer.headers.get('content-type') ?? 'application/json';
      if (body.stream && answer.body) {
        res.writeHead(answer.status, { 'content-type': type });
        Readable.fromWeb(answer.body).pipe(res);
      } else {
        const text = await answer.text();
        res.writeHead(answer.status, { 'content-type': type });
        res.end(text);
      }
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
