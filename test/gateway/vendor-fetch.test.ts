import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { startFakeVendor, type FakeVendor, DEFAULT_ANSWER_EVENT_TYPES } from '../../fakes/fake-vendor';
import { answerUnlessCut, callWatches } from '../../lib/gateway/byte-watch';
import { Cut } from '../../lib/gateway/cut';
import { vendorEvents } from '../../lib/gateway/vendor-events';
import {
  CALL_CUT,
  isTapped,
  ON_RESPONSE_BYTES,
  takeNodeBody,
  usesVendorFetch,
  vendorFetch,
} from '../../lib/gateway/vendor-fetch';

/**
 * vendorFetch against a local node:http server on 127.0.0.1: each test sets the server's
 * handler. Answers are sent a chunk at a time where it matters ("lockstep": the next chunk only
 * once the client's tap has seen the last), so the client gets each as a chunk of its own.
 */

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let handler: Handler;
/** Every request the server got, with the client's port (the same port twice: a kept-alive socket). */
let seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; remotePort: number }[];
/** The paths of requests whose connection closed before the server had ended its answer. */
let closedEarly: string[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort ?? 0,
      });
    });
    res.on('close', () => {
      if (!res.writableEnded) closedEarly.push(req.url ?? '');
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  closedEarly = [];
  handler = (_req, res) => {
    res.writeHead(500);
    res.end('no handler set');
  };
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** How a promise settles within `ms` (a read that never settles shows as 'pending', not as a test timeout). */
async function settled(promise: Promise<unknown>, ms = 2000): Promise<{ state: string; value?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ state: string }>((resolve) => {
    timer = setTimeout(() => resolve({ state: `pending after ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ state: 'fulfilled', value }),
        (value: unknown) => ({ state: 'rejected', value }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const EVENTS = [
  'event: message_start\ndata: {"type":"message_start"}\n\n',
  'event: ping\ndata: {"type": "ping"}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hé 🎉"}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];

/** A counter for the ON_RESPONSE_BYTES tap. */
function tap(): { init: RequestInit; count: () => number } {
  let count = 0;
  const init = { [ON_RESPONSE_BYTES]: () => (count += 1) } as RequestInit;
  return { init, count: () => count };
}

/**
 * An SSE answer, written a chunk at a time, each once `delivered()` says the last one arrived;
 * then ended, dropped (the socket destroyed) or held open. It stops when the client goes.
 */
function lockstep(
  chunks: readonly string[],
  delivered: () => number,
  end: 'end' | 'destroy' | 'hold' = 'end',
): Handler {
  return (_req, res) => {
    const gone = (): boolean => res.destroyed || !res.socket || res.socket.destroyed;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_1' });
    void (async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0) await until(() => delivered() >= i || gone(), `chunk ${i - 1} to arrive`);
        if (gone()) return;
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      }
      await until(() => delivered() >= chunks.length || gone(), 'the last chunk to arrive');
      if (gone()) return;
      if (end === 'end') res.end();
      else if (end === 'destroy') res.socket?.destroy();
    })().catch(() => res.socket?.destroy());
  };
}

/** An SSE answer all at once, ended at once. */
function wholeSse(body: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(body);
  };
}

async function readNode(stream: Readable): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push((chunk as Buffer).toString('utf8'));
  return chunks;
}

describe('vendorFetch: answers', () => {
  it.each([
    ['a record', { 'Content-Type': 'application/json', 'X-Api-Key': 'k-1' }],
    ['a Headers', new Headers({ 'content-type': 'application/json', 'x-api-key': 'k-1' })],
    [
      'pairs',
      [
        ['Content-Type', 'application/json'],
        ['X-Api-Key', 'k-1'],
      ],
    ],
  ] as [string, RequestInit['headers']][])(
    'a JSON answer read with response.json(); the request sent as given (headers as %s)',
    async (_form, headers) => {
      handler = (_req, res) => {
        res.writeHead(200, 'Fine', {
          'content-type': 'application/json',
          'request-id': 'req_9',
          'x-multi': ['a', 'b'],
        });
        res.end('{"id":"msg_1","text":"héllo"}');
      };
      const payload = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Grüße 🎉' }] });
      const response = await vendorFetch(`${base}/v1/messages?beta=true`, { method: 'POST', headers, body: payload });

      expect(response.status).toBe(200);
      expect(response.ok).toBe(true);
      expect(response.statusText).toBe('Fine');
      expect(response.headers.get('request-id')).toBe('req_9');
      expect(response.headers.get('x-multi')).toBe('a, b');
      expect(isTapped(response)).toBe(true);
      expect(await response.json()).toEqual({ id: 'msg_1', text: 'héllo' });
      expect(response.bodyUsed).toBe(true);

      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/messages?beta=true', body: payload });
      expect(seen[0]!.headers).toMatchObject({
        'content-type': 'application/json',
        'x-api-key': 'k-1',
        'content-length': String(Buffer.byteLength(payload)),
      });
    },
  );

  it('a Uint8Array body that is a view into a larger buffer: only the view is sent', async () => {
    handler = (_req, res) => res.end('ok');
    const whole = new TextEncoder().encode('xxxx{"a":1}yyyy');
    const response = await vendorFetch(`${base}/`, { method: 'POST', body: whole.subarray(4, 11) });
    expect(await response.text()).toBe('ok');
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'content-length': '7' } });
  });

  it('a GET without a body sends none', async () => {
    handler = (_req, res) => res.end('ok');
    await (await vendorFetch(`${base}/v1/models`)).text();
    expect(seen[0]).toMatchObject({ method: 'GET', body: '' });
    expect(seen[0]!.headers['content-length']).toBeUndefined();
  });

  it('a 204: no body, nothing to read', async () => {
    handler = (_req, res) => {
      res.writeHead(204, { 'request-id': 'req_2' });
      res.end();
    };
    const response = await vendorFetch(`${base}/`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.headers.get('request-id')).toBe('req_2');
    expect(response.body).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('a HEAD: no body, and the connection is free for the next call', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '12' });
      res.end(req.method === 'HEAD' ? undefined : '{"ok":true}\n');
    };
    const head = await vendorFetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(await (await vendorFetch(`${base}/`)).json()).toEqual({ ok: true });
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'GET']);
    expect(seen[1]!.remotePort).toBe(seen[0]!.remotePort);
  });

  it('a status the Response class refuses (600-999, as some proxies send): the call still settles', async () => {
    handler = (_req, res) => {
      res.writeHead(600, { 'content-type': 'text/plain' });
      res.end('odd');
    };
    // undici answers with the status as it is; a failed fetch would do too. Thrown from the
    // socket's 'response' event, the Response's RangeError would be unhandled and the call hang.
    const outcome = await settled(vendorFetch(`${base}/`));
    expect(['fulfilled', 'rejected']).toContain(outcome.state);
  });

  it('the same status to a HEAD request (no body): a failed fetch, not an uncaught RangeError', async () => {
    handler = (_req, res) => {
      res.writeHead(600, { 'content-type': 'text/plain' });
      res.end();
    };
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => void crashes.push(err);
    process.on('uncaughtException', onCrash);
    try {
      const outcome = await settled(vendorFetch(`${base}/`, { method: 'HEAD' }), 1000);
      expect(outcome).toMatchObject({ state: 'rejected', value: { name: 'TypeError', message: 'fetch failed' } });
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
    }
  });

  it('an error status is an answer, its body read like any other', async () => {
    handler = (_req, res) => {
      res.writeHead(529, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    };
    const response = await vendorFetch(`${base}/`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(529);
    expect(response.ok).toBe(false);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it('keeps the connection alive: two calls in a row on one socket', async () => {
    handler = (_req, res) => res.end('ok');
    await (await vendorFetch(`${base}/1`)).text();
    await (await vendorFetch(`${base}/2`)).text();
    expect(seen.map((s) => s.url)).toEqual(['/1', '/2']);
    expect(seen[1]!.remotePort).toBe(seen[0]!.remotePort);
  });
});

describe('vendorFetch: an SSE answer, read as a Node.js stream or as the web body', () => {
  it('takeNodeBody: every chunk as it came, the tap once per chunk; taken once only', async () => {
    const t = tap();
    let received = 0;
    handler = lockstep(EVENTS, () => received);
    const response = await vendorFetch(`${base}/v1/messages`, { method: 'POST', body: '{}', ...t.init });
    const node = takeNodeBody(response);
    if (!node) throw new Error('takeNodeBody gave nothing for an unread vendorFetch answer');
    expect(takeNodeBody(response)).toBeUndefined();

    const chunks: string[] = [];
    for await (const chunk of node) {
      chunks.push((chunk as Buffer).toString('utf8'));
      received = chunks.length;
      expect(t.count()).toBe(chunks.length);
    }
    expect(chunks).toEqual(EVENTS);
    expect(t.count()).toBe(EVENTS.length);
  });

  it('the web body (response.text()): every byte, the tap once per chunk; no Node.js stream after it', async () => {
    const t = tap();
    handler = lockstep(EVENTS, t.count);
    const response = await vendorFetch(`${base}/v1/messages`, { method: 'POST', body: '{}', ...t.init });
    expect(await response.text()).toBe(EVENTS.join(''));
    expect(t.count()).toBe(EVENTS.length);
    expect(takeNodeBody(response)).toBeUndefined();
  });

  it('the web body read chunk by chunk with a reader', async () => {
    const t = tap();
    handler = lockstep(EVENTS, t.count);
    const response = await vendorFetch(`${base}/`, t.init);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read())
      chunks.push(decoder.decode(read.value));
    expect(chunks).toEqual(EVENTS);
    expect(takeNodeBody(response)).toBeUndefined();
  });

  it('takeNodeBody is undefined for a Response that is not from vendorFetch', () => {
    const response = new Response('event: a\ndata: 1\n\n');
    expect(takeNodeBody(response)).toBeUndefined();
    expect(isTapped(response)).toBe(false);
  });

  it('vendorEvents reads a vendorFetch answer off the Node.js stream: a batch per chunk, the tap per chunk', async () => {
    const t = tap();
    let batches = 0;
    handler = lockstep(EVENTS, () => batches);
    const response = await vendorFetch(`${base}/`, t.init);
    const kinds: string[][] = [];
    for await (const batch of vendorEvents(response)) {
      kinds.push(batch.map((item) => item.kind));
      batches = kinds.length;
    }
    expect(kinds).toEqual([['message'], ['skipped'], ['message'], ['message']]);
    expect(t.count()).toBe(EVENTS.length);
    // It took the Node.js stream (there is none left to take) and never touched the web body.
    expect(takeNodeBody(response)).toBeUndefined();
    expect(response.bodyUsed).toBe(false);
  });

  it.each([
    ['with the tap on', true],
    ['without a tap', false],
  ])(
    'a Node.js stream read a while after it was taken (the whole answer in by then) still gives every byte, %s',
    async (_how, tapped) => {
      const t = tap();
      handler = wholeSse(EVENTS.join(''));
      const response = await vendorFetch(`${base}/`, tapped ? t.init : {});
      const node = takeNodeBody(response)!;
      await sleep(100);
      const read = await settled(readNode(node));
      expect(read.state).toBe('fulfilled');
      expect((read.value as string[]).join('')).toBe(EVENTS.join(''));
      if (tapped) expect(t.count()).toBe((read.value as string[]).length);
    },
  );

  it('after takeNodeBody the web body is not usable: reading it fails, and the Node.js stream keeps every byte', async () => {
    handler = wholeSse(EVENTS.join(''));
    const response = await vendorFetch(`${base}/`);
    const node = takeNodeBody(response)!;
    const web = await settled(response.text());
    expect(web.state).toBe('rejected');
    const read = await settled(readNode(node));
    expect(read.state).toBe('fulfilled');
    expect((read.value as string[]).join('')).toBe(EVENTS.join(''));
  });
});

describe('vendorFetch: aborts', () => {
  /** An answer whose headers never come, until the client goes. */
  const silent: Handler = () => undefined;

  it('an abort before the answer rejects with the signal’s reason, and the request is closed', async () => {
    handler = silent;
    const controller = new AbortController();
    const pending = vendorFetch(`${base}/abort-before-answer`, {
      method: 'POST',
      body: '{}',
      signal: controller.signal,
    });
    await until(() => seen.length === 1, 'the request to arrive');
    const reason = new Error('client gone');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await until(() => closedEarly.includes('/abort-before-answer'), 'the server to see the request closed');
  });

  it('an abort without a reason rejects with an AbortError DOMException (the signal’s own reason)', async () => {
    handler = silent;
    const controller = new AbortController();
    const pending = vendorFetch(`${base}/`, { signal: controller.signal });
    await until(() => seen.length === 1, 'the request to arrive');
    controller.abort();
    const error = (await settled(pending)).value;
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError', message: 'This operation was aborted' });
  });

  it('a signal aborted already rejects at once with its reason, and sends nothing', async () => {
    handler = (_req, res) => res.end('ok');
    const reason = new Error('too late');
    await expect(vendorFetch(`${base}/`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await sleep(50);
    expect(seen).toEqual([]);
  });

  it('an abort mid-body, reading the web body: the next read fails with the reason', async () => {
    const t = tap();
    handler = lockstep(EVENTS, t.count, 'hold');
    const controller = new AbortController();
    const response = await vendorFetch(`${base}/abort-mid-web`, { ...t.init, signal: controller.signal });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const reason = new Error('deadline exceeded');
    controller.abort(reason);
    const next = await settled(
      (async () => {
        for (let read = await reader.read(); !read.done; read = await reader.read());
      })(),
    );
    expect(next.state).toBe('rejected');
    expect(next.value).toBe(reason);
    await until(() => closedEarly.includes('/abort-mid-web'), 'the server to see the connection closed');
  });

  it('an abort mid-body, reading the Node.js stream: the iteration fails', async () => {
    const t = tap();
    handler = lockstep(EVENTS, t.count, 'hold');
    const controller = new AbortController();
    const response = await vendorFetch(`${base}/abort-mid-node`, { ...t.init, signal: controller.signal });
    const node = takeNodeBody(response)!;
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of node) {
        chunks.push((chunk as Buffer).toString('utf8'));
        if (chunks.length === 2) controller.abort(new Error('deadline exceeded'));
      }
    })();
    const outcome = await settled(read);
    expect(outcome.state).toBe('rejected');
    // The socket's error, not the signal's reason (the stream is destroyed under its reader).
    expect(outcome.value).toMatchObject({ message: 'aborted', code: 'ECONNRESET' });
    expect(chunks).toEqual(EVENTS.slice(0, 2));
    await until(() => closedEarly.includes('/abort-mid-node'), 'the server to see the connection closed');
  });

  it('an abort after the answer began but before any read: no unhandled error, and a later read fails with the reason', async () => {
    handler = lockstep(EVENTS.slice(0, 1), () => 1, 'hold');
    const controller = new AbortController();
    const response = await vendorFetch(`${base}/`, { signal: controller.signal });
    const reason = new Error('client gone');
    controller.abort(reason);
    // Long enough for the socket's close and its errors to come through (unhandled, they would fail this file).
    await sleep(50);
    const read = await settled(response.text());
    expect(read.state).toBe('rejected');
    expect(read.value).toBe(reason);
  });

  it('an abort after the answer began but before any read: the Node.js stream taken then fails', async () => {
    handler = lockstep(EVENTS.slice(0, 1), () => 1, 'hold');
    const controller = new AbortController();
    const response = await vendorFetch(`${base}/`, { signal: controller.signal });
    controller.abort(new Error('client gone'));
    await sleep(50);
    const node = takeNodeBody(response);
    expect(node).toBeDefined();
    expect((await settled(readNode(node!))).state).toBe('rejected');
  });

  it('the web body cancelled mid-way closes the connection, with no unhandled error', async () => {
    const t = tap();
    handler = lockstep(EVENTS, t.count, 'hold');
    const response = await vendorFetch(`${base}/cancel-web`, t.init);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await until(() => closedEarly.includes('/cancel-web'), 'the server to see the connection closed');
    await sleep(20);
  });
});

describe('vendorFetch: connections lost or refused', () => {
  it('the server drops the connection mid-body: the web read fails with TypeError("terminated")', async () => {
    const t = tap();
    handler = lockstep(EVENTS.slice(0, 2), t.count, 'destroy');
    const response = await vendorFetch(`${base}/`, t.init);
    const read = await settled(response.text());
    expect(read.state).toBe('rejected');
    expect(read.value).toBeInstanceOf(TypeError);
    expect(read.value).toMatchObject({ message: 'terminated' });
  });

  it('the server drops the connection mid-body: the Node.js stream’s iteration fails, after the chunks that came', async () => {
    const t = tap();
    handler = lockstep(EVENTS.slice(0, 2), t.count, 'destroy');
    const response = await vendorFetch(`${base}/`, t.init);
    const node = takeNodeBody(response)!;
    const chunks: string[] = [];
    const read = await settled(
      (async () => {
        for await (const chunk of node) chunks.push((chunk as Buffer).toString('utf8'));
      })(),
    );
    expect(read.state).toBe('rejected');
    expect(chunks).toEqual(EVENTS.slice(0, 2));
  });

  it('vendorEvents over a dropped connection throws TypeError("terminated") with the socket’s error as the cause', async () => {
    const t = tap();
    handler = lockstep(EVENTS.slice(0, 2), t.count, 'destroy');
    const response = await vendorFetch(`${base}/`, t.init);
    const kinds: string[] = [];
    const read = await settled(
      (async () => {
        for await (const batch of vendorEvents(response)) kinds.push(...batch.map((item) => item.kind));
      })(),
    );
    expect(read.state).toBe('rejected');
    expect(read.value).toBeInstanceOf(TypeError);
    // Node's own errors come from outside jest's sandbox, so they are matched by shape, not class.
    expect(read.value).toMatchObject({ message: 'terminated', cause: { message: 'aborted', code: 'ECONNRESET' } });
    expect(kinds).toEqual(['message', 'skipped']);
  });

  it('the server drops the connection before the first read: a later web read fails with TypeError("terminated")', async () => {
    handler = lockstep(EVENTS.slice(0, 1), () => 1, 'destroy');
    const response = await vendorFetch(`${base}/`);
    await sleep(50);
    const read = await settled(response.text());
    expect(read.state).toBe('rejected');
    expect(read.value).toBeInstanceOf(TypeError);
    expect(read.value).toMatchObject({ message: 'terminated' });
  });

  it('the server drops the connection without answering: TypeError("fetch failed") with the cause', async () => {
    handler = (req) => req.socket.destroy();
    const outcome = await settled(vendorFetch(`${base}/`, { method: 'POST', body: '{}' }));
    expect(outcome.state).toBe('rejected');
    expect(outcome.value).toBeInstanceOf(TypeError);
    expect(outcome.value).toMatchObject({
      message: 'fetch failed',
      cause: expect.objectContaining({ code: 'ECONNRESET' }),
    });
  });

  it('a socket kept alive longer than 4 s by the wall clock (timers stop while Lambda is frozen) is not reused', async () => {
    handler = (_req, res) => res.end('ok');
    await (await vendorFetch(`${base}/1`)).text();
    await (await vendorFetch(`${base}/2`)).text();
    const realNow = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(realNow + 4_000);
    try {
      await (await vendorFetch(`${base}/3`)).text();
    } finally {
      clock.mockRestore();
    }
    expect(seen.map((x) => x.url)).toEqual(['/1', '/2', '/3']);
    expect(seen[1]!.remotePort).toBe(seen[0]!.remotePort);
    expect(seen[2]!.remotePort).not.toBe(seen[1]!.remotePort);
  });

  it('a refused connection: TypeError("fetch failed") with the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await settled(vendorFetch(`http://127.0.0.1:${port}/v1/messages`, { method: 'POST', body: '{}' }));
    expect(outcome.state).toBe('rejected');
    expect(outcome.value).toBeInstanceOf(TypeError);
    expect(outcome.value).toMatchObject({
      message: 'fetch failed',
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });
});

describe('vendorFetch under the real Anthropic SDK (fake vendor)', () => {
  let vendor: FakeVendor;
  const MODEL = 'claude-haiku-4-5-20251001';

  beforeAll(async () => {
    vendor = await startFakeVendor();
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => vendor.reset());

  function client(): Anthropic {
    return usesVendorFetch(new Anthropic({ apiKey: 'k-test', baseURL: vendor.url, fetch: vendorFetch, maxRetries: 0 }));
  }

  const params = { model: MODEL, max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hi' }] };

  it('a 429 with the API’s error body raises RateLimitError (the SDK reads the body through the web stream)', async () => {
    vendor.setBehaviour(MODEL, { kind: 'status', status: 429, headers: { 'retry-after': '17' } });
    const error = await client()
      .messages.create(params)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
    });
    expect(rateLimit.type).toBe('rate_limit_error');
    expect(rateLimit.headers.get('retry-after')).toBe('17');
    expect(rateLimit.requestID).toMatch(/^req_/);
    expect(vendor.calls).toHaveLength(1);
  });

  it('a non-streaming answer, parsed by the SDK', async () => {
    vendor.setBehaviour(MODEL, { kind: 'ok', text: 'Grüße 🎉' });
    const message = await client().messages.create(params);
    expect(message.content).toEqual([{ type: 'text', text: 'Grüße 🎉', citations: null }]);
    expect(vendor.calls[0]?.body).toMatchObject({ model: MODEL, max_tokens: 64 });
  });

  it('the SDK’s own Stream over the web body, pings and all', async () => {
    vendor.setBehaviour(MODEL, { kind: 'ok', text: 'one two three', pings: { count: 2, intervalMs: 1 } });
    const stream = await client().messages.create({ ...params, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(DEFAULT_ANSWER_EVENT_TYPES);
  });

  it('asResponse() then vendorEvents, tapped through callWatches: the events the SDK’s Stream gives, the tap per chunk', async () => {
    vendor.setBehaviour(MODEL, { kind: 'ok', text: 'one two three', pings: { count: 2, intervalMs: 1 } });
    const sdk = client();
    const expected: RawMessageStreamEvent[] = [];
    for await (const event of await sdk.messages.create({ ...params, stream: true })) expected.push(event);

    let taps = 0;
    const response = await sdk.messages
      .create(
        { ...params, stream: true },
        callWatches(sdk, () => (taps += 1), new Cut()),
      )
      .asResponse();
    expect(isTapped(response)).toBe(true);
    const messages: RawMessageStreamEvent[] = [];
    let skipped = 0;
    let batches = 0;
    for await (const batch of vendorEvents(response)) {
      batches += 1;
      for (const item of batch) {
        if (item.kind === 'message') messages.push(item.event);
        else if (item.kind === 'skipped') skipped += 1;
        else throw item.error;
      }
    }
    // Ids differ from call to call; the shape of the stream does not.
    expect(messages.map((e) => e.type)).toEqual(expected.map((e) => e.type));
    expect(messages.filter((e) => e.type === 'content_block_delta')).toEqual(
      expected.filter((e) => e.type === 'content_block_delta'),
    );
    expect(skipped).toBe(2);
    expect(taps).toBeGreaterThanOrEqual(batches);
  });

  it('a stream dropped mid-way: vendorEvents throws TypeError("terminated") after the events that came', async () => {
    vendor.setBehaviour(MODEL, { kind: 'midstream-reset', afterEvents: 3 });
    const response = await client()
      .messages.create({ ...params, stream: true })
      .asResponse();
    const types: string[] = [];
    const read = await settled(
      (async () => {
        for await (const batch of vendorEvents(response))
          for (const item of batch) if (item.kind === 'message') types.push(item.event.type);
      })(),
    );
    expect(read.state).toBe('rejected');
    expect(read.value).toMatchObject({ message: 'terminated' });
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
  });

  it('an error event mid-stream: vendorEvents gives an APIError without a status', async () => {
    vendor.setBehaviour(MODEL, { kind: 'midstream-error', afterEvents: 2 });
    const response = await client()
      .messages.create({ ...params, stream: true })
      .asResponse();
    const items = [];
    for await (const batch of vendorEvents(response)) items.push(...batch);
    const error = items.find((item) => item.kind === 'error');
    if (error?.kind !== 'error') throw new Error('no error event');
    expect(error.error).toBeInstanceOf(APIError);
    expect(error.error.status).toBeUndefined();
    expect(error.error.type).toBe('overloaded_error');
    expect(error.error.requestID).toBe(response.headers.get('request-id'));
  });
});

describe('the gateway’s cut (CALL_CUT, through callWatches), under the real Anthropic SDK', () => {
  /** A client that would retry twice, as the default model's target may. */
  const retrying = (): Anthropic =>
    usesVendorFetch(new Anthropic({ apiKey: 'k-test', baseURL: base, fetch: vendorFetch, maxRetries: 2 }));
  const params = { model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };

  it('a cut before the answer ends the call at once: no retry, no backoff, the request closed', async () => {
    handler = () => undefined; // headers never come
    const cut = new Cut();
    const started = Date.now();
    const call = retrying()
      .messages.create(
        { ...params, stream: true },
        callWatches(retrying(), () => undefined, cut),
      )
      .asResponse();
    await until(() => seen.length === 1, 'the request to arrive');
    cut.cut(new Error('client gone'));
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    // The SDK would retry an aborted fetch it did not abort itself (after a backoff of ~0.5 s
    // and more); the cut's answer says not to retry.
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(499);
    expect(Date.now() - started).toBeLessThan(400);
    await sleep(700);
    expect(seen).toHaveLength(1);
    await until(() => closedEarly.length === 1, 'the server to see the request closed');
  });

  it('a cut already made sends nothing', async () => {
    handler = (_req, res) => res.end('{}');
    const cut = new Cut();
    cut.cut(new Error('deadline'));
    const sdk = retrying();
    await expect(
      sdk.messages.create(
        params,
        callWatches(sdk, () => undefined, cut),
      ),
    ).rejects.toMatchObject({
      status: 499,
    });
    await sleep(50);
    expect(seen).toHaveLength(0);
  });

  it('a cut mid-body fails the body read (the web body with the cut’s reason; the Node.js stream’s iteration)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\ndata: {"type":"ping"}\n\n');
    };
    const sdk = retrying();
    const cut = new Cut();
    const response = await sdk.messages
      .create(
        { ...params, stream: true },
        callWatches(sdk, () => undefined, cut),
      )
      .asResponse();
    const reason = new Error('stalled');
    const reading = (async () => {
      for await (const batch of vendorEvents(response)) void batch;
    })();
    await sleep(20);
    cut.cut(reason);
    await expect(reading).rejects.toThrow(TypeError);
    await until(() => closedEarly.length === 1, 'the server to see the request closed');
  });
});

describe('a cut while the SDK waits to retry (answerUnlessCut)', () => {
  const retrying = (): Anthropic =>
    usesVendorFetch(new Anthropic({ apiKey: 'k-test', baseURL: base, fetch: vendorFetch, maxRetries: 2 }));
  const params = { model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };
  /** A 429 whose retry-after makes the SDK wait a second before it tries again. */
  const throttled: Handler = (_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }));
  };

  it('the SDK alone does not see the cut in its backoff: it waits out the retry-after', async () => {
    handler = throttled;
    const sdk = retrying();
    const cut = new Cut();
    const started = Date.now();
    const call = sdk.messages
      .create(
        params,
        callWatches(sdk, () => undefined, cut),
      )
      .asResponse();
    await until(() => seen.length === 1, 'the first attempt');
    await sleep(200); // its 429 is in: the SDK waits out the retry-after
    cut.cut(new Error('client gone'));
    await expect(call).rejects.toMatchObject({ status: 499 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(seen).toHaveLength(1);
  });

  it('answerUnlessCut ends the wait at the cut, with its reason; the SDK’s late attempt sends nothing', async () => {
    handler = throttled;
    const sdk = retrying();
    const cut = new Cut();
    const started = Date.now();
    const call = answerUnlessCut(
      sdk.messages
        .create(
          params,
          callWatches(sdk, () => undefined, cut),
        )
        .asResponse(),
      cut,
    );
    await until(() => seen.length === 1, 'the first attempt');
    await sleep(200); // its 429 is in: the SDK waits out the retry-after
    const reason = new Error('client gone');
    cut.cut(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(700);
    await sleep(1200);
    expect(seen).toHaveLength(1);
  });

  it('answerUnlessCut passes the answer through, and the SDK’s error as it is', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    };
    const ok = await answerUnlessCut(vendorFetch(`${base}/ok`), new Cut());
    expect(ok.status).toBe(200);
    await ok.text();
    const refused = new Anthropic.BadRequestError(400, undefined, 'bad', new Headers());
    await expect(answerUnlessCut(Promise.reject(refused), new Cut())).rejects.toBe(refused);
  });
});

describe('vendorFetch: a cut after the answer began, on the web body', () => {
  it('before any read: the read fails with the cut’s reason', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"type":"error"}');
    };
    const cut = new Cut();
    const response = await vendorFetch(`${base}/cut-unread`, { [CALL_CUT]: cut } as RequestInit);
    const reason = new Error('deadline');
    cut.cut(reason);
    await expect(response.text()).rejects.toBe(reason);
  });

  it('mid-read, with the whole answer already in: no crash when the socket then ends', async () => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => void crashes.push(err);
    process.on('uncaughtException', onCrash);
    try {
      handler = (_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.write('{"type":"error",');
        setTimeout(() => res.end('"error":{}}'), 20);
      };
      const cut = new Cut();
      const response = await vendorFetch(`${base}/cut-mid-read`, { [CALL_CUT]: cut } as RequestInit);
      const reader = response.body!.getReader();
      await reader.read();
      const reason = new Error('client gone');
      cut.cut(reason);
      await expect(reader.read()).rejects.toBe(reason);
      await sleep(60);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
    }
  });
});
