import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpSink } from '../../../lib/gateway/local-server';

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** The local server's JSON answers as they go out on the wire. */
describe('httpSink: JSON answers', () => {
  let server: Server;
  let answer: (sink: ReturnType<typeof httpSink>) => void;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => answer(httpSink(res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      request(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
        .on('error', reject)
        .end();
    });

  it('sends a body with its length in bytes, not chunked', async () => {
    answer = (sink) => sink.sendJson(200, { 'request-id': 'req_1' }, { text: 'Grüße 🎉' });
    const got = await get();
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({ text: 'Grüße 🎉' });
    expect(got.headers['content-length']).toBe(String(got.body.length));
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['request-id']).toBe('req_1');
  });

  it('sends a 204 without a body or a Content-Length (a vendor 204 passed through)', async () => {
    answer = (sink) => sink.sendJson(204, { 'request-id': 'req_2' }, {});
    const got = await get();
    expect(got.status).toBe(204);
    expect(got.body.length).toBe(0);
    expect(got.headers['content-length']).toBeUndefined();
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(got.headers['request-id']).toBe('req_2');
  });
});
