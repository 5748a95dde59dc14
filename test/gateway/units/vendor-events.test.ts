import { APIError } from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { streamEvents } from '../../../fakes/fake-vendor';
import { vendorEvents, type VendorEvent } from '../../../lib/gateway/vendor-events';

/**
 * vendorEvents over a plain Response (its web body), next to what the SDK's own Stream makes of
 * the same bytes. Reading the Node.js body of a vendorFetch answer is covered in
 * test/gateway/vendor-fetch.test.ts, against a local server.
 */

const UTF8 = new TextEncoder();

/** A Response whose body is these chunks, one read each; `fail` errors the body after them. */
function chunked(
  chunks: readonly (string | Uint8Array)[],
  options: { fail?: Error; headers?: Record<string, string> } = {},
) {
  let cancelled: unknown;
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[pulls++];
        if (chunk !== undefined) controller.enqueue(typeof chunk === 'string' ? UTF8.encode(chunk) : chunk.slice());
        else if (options.fail) controller.error(options.fail);
        else controller.close();
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    },
    { highWaterMark: 0 },
  );
  const response = new Response(body, {
    headers: { 'content-type': 'text/event-stream', ...options.headers },
  });
  return { response, cancelled: () => cancelled, pulls: () => pulls };
}

async function batchesOf(response: Response): Promise<VendorEvent[][]> {
  const batches: VendorEvent[][] = [];
  for await (const batch of vendorEvents(response)) batches.push([...batch]);
  return batches;
}

/** What the SDK's Stream yields for the bytes, or the error it raises (its logging silenced). */
async function sdkStream(chunks: readonly (string | Uint8Array)[]): Promise<{ items: unknown[]; error?: unknown }> {
  const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const items: unknown[] = [];
  try {
    for await (const item of Stream.fromSSEResponse(chunked(chunks).response, new AbortController())) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  } finally {
    logged.mockRestore();
  }
}

/** What an APIError says, field by field (its class included), to hold ours to the SDK's. */
function described(error: unknown) {
  if (!(error instanceof APIError)) throw new Error(`not an APIError: ${String(error)}`);
  return {
    class: error.constructor,
    name: error.name,
    message: error.message,
    status: error.status,
    error: error.error,
    type: error.type,
    apiMessage: error.apiMessage,
    errorCode: error.errorCode,
    requestID: error.requestID,
  };
}

function sse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

const START = JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const DELTA = JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hé 🎉' } });
const STOP = JSON.stringify({ type: 'message_stop' });
const OVERLOADED = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

describe('vendorEvents', () => {
  it('yields a batch per chunk that completes events, none for a chunk that completes none', async () => {
    const delta = sse('content_block_delta', DELTA);
    const { response } = chunked([
      sse('content_block_start', START) + delta,
      delta.slice(0, 20),
      delta.slice(20) + sse('ping', '{"type": "ping"}'),
      sse('message_stop', STOP),
    ]);
    const batches = await batchesOf(response);
    expect(batches.map((batch) => batch.map((item) => item.kind))).toEqual([
      ['message', 'message'],
      ['message', 'skipped'],
      ['message'],
    ]);
    expect(batches[0]).toEqual([
      { kind: 'message', raw: sse('content_block_start', START), event: JSON.parse(START) },
      { kind: 'message', raw: delta, event: JSON.parse(DELTA) },
    ]);
    expect(batches[1]?.[1]).toEqual({ kind: 'skipped', raw: 'event: ping\ndata: {"type": "ping"}\n\n' });
  });

  it('skips what the SDK skips: ping, nameless events, comment blocks, named events without data', async () => {
    const skipped = [
      sse('ping', '{"type": "ping"}'),
      'data: {"type":"message_stop"}\n\n',
      ': keep-alive\n\n',
      'event: content_block_delta\n\n',
      'event: content_block_delta\ndata:\n\n',
    ];
    const chunks = [...skipped, sse('message_stop', STOP)];
    const items = (await batchesOf(chunked(chunks).response)).flat();
    expect(items).toEqual([
      ...skipped.map((raw) => ({ kind: 'skipped', raw })),
      { kind: 'message', raw: sse('message_stop', STOP), event: { type: 'message_stop' } },
    ]);
    expect(await sdkStream(chunks)).toEqual({ items: [{ type: 'message_stop' }] });
  });

  it('gives the events the SDK’s Stream yields for a whole Messages stream, pings left out', async () => {
    const events: RawMessageStreamEvent[] = streamEvents({
      model: 'claude-haiku-4-5-20251001',
      text: 'Héllo — 日本語 🎉',
      stopReason: 'end_turn',
      inputTokens: 25,
      outputTokens: 9,
      deltas: 4,
    });
    const body = events.map(
      (e, i) => (i === 2 ? sse('ping', '{"type": "ping"}') : '') + sse(e.type, JSON.stringify(e)),
    );
    // Cut every 7 bytes, so events and multi-byte characters straddle chunks.
    const bytes = UTF8.encode(body.join(''));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const items = (await batchesOf(chunked(chunks).response)).flat();
    const messages = items.flatMap((item) => (item.kind === 'message' ? [item.event] : []));
    expect(messages).toEqual(events);
    expect(items.filter((item) => item.kind === 'skipped')).toHaveLength(1);
    expect(await sdkStream(chunks)).toEqual({ items: events });
  });

  it('an error event: an APIError with no status, the parsed body, its type and the headers, as the SDK raises it', async () => {
    const chunks = [sse('message_start', '{"type":"message_start"}'), sse('error', JSON.stringify(OVERLOADED))];
    const { response } = chunked(chunks, { headers: { 'request-id': 'req_011CV' } });
    const items = (await batchesOf(response)).flat();
    expect(items.map((item) => item.kind)).toEqual(['message', 'error']);
    const item = items[1]!;
    if (item.kind !== 'error') throw new Error('expected an error event');
    expect(item.raw).toBe(sse('error', JSON.stringify(OVERLOADED)));
    expect(item.error).toBeInstanceOf(APIError);
    expect(item.error.status).toBeUndefined();
    expect(item.error.error).toEqual(OVERLOADED);
    expect(item.error.type).toBe('overloaded_error');
    expect(item.error.requestID).toBe('req_011CV');
    expect(item.error.headers?.get('request-id')).toBe('req_011CV');

    // The SDK's Stream, over the same bytes with the same headers, raises the same error.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const sdk = Stream.fromSSEResponse(
      chunked(chunks, { headers: { 'request-id': 'req_011CV' } }).response,
      new AbortController(),
    );
    const sdkError = await (async () => {
      for await (const _ of sdk);
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    logged.mockRestore();
    expect(described(item.error)).toEqual(described(sdkError));
  });

  it('an error event whose data is not JSON, or has no error type: the data as the body, no type, as the SDK', async () => {
    for (const data of ['upstream went away', '{"type":"error"}']) {
      const chunks = [sse('error', data)];
      const items = (await batchesOf(chunked(chunks).response)).flat();
      const item = items[0];
      if (item?.kind !== 'error') throw new Error(`expected an error event for ${data}`);
      expect(described(item.error)).toEqual(described((await sdkStream(chunks)).error));
      expect(item.error.type).toBeNull();
      expect(item.error.error).toEqual(data.startsWith('{') ? JSON.parse(data) : data);
    }
  });

  it('an error event does not end the events: the reader decides (the gateway passes it on, then stops)', async () => {
    const chunks = [sse('error', JSON.stringify(OVERLOADED)) + sse('message_stop', STOP)];
    const items = (await batchesOf(chunked(chunks).response)).flat();
    expect(items.map((item) => item.kind)).toEqual(['error', 'message']);
  });

  it('data that is not JSON throws the SyntaxError, as the SDK’s Stream does', async () => {
    const chunks = [sse('message_start', '{"type":"message_start"}'), sse('content_block_delta', '{"type": nope}')];
    const seen: string[] = [];
    const read = (async () => {
      for await (const batch of vendorEvents(chunked(chunks).response)) seen.push(...batch.map((item) => item.kind));
    })();
    await expect(read).rejects.toBeInstanceOf(SyntaxError);
    expect(seen).toEqual(['message']);
    const sdk = await sdkStream(chunks);
    expect(sdk.error).toBeInstanceOf(SyntaxError);
    await expect(batchesOf(chunked(chunks).response)).rejects.toThrow((sdk.error as SyntaxError).message);
  });

  it('a body that fails mid-way throws what the body threw', async () => {
    const terminated = new TypeError('terminated');
    const { response } = chunked([sse('message_start', '{"type":"message_start"}')], { fail: terminated });
    const seen: string[] = [];
    const read = (async () => {
      for await (const batch of vendorEvents(response)) seen.push(...batch.map((item) => item.kind));
    })();
    await expect(read).rejects.toBe(terminated);
    expect(seen).toEqual(['message']);
  });

  it('a reader that stops early cancels the body, and the rest is never read', async () => {
    const body = chunked([sse('message_start', '{"type":"message_start"}'), sse('message_stop', STOP), 'never read']);
    for await (const batch of vendorEvents(body.response)) {
      expect(batch.map((item) => item.kind)).toEqual(['message']);
      break;
    }
    await Promise.resolve();
    expect(body.cancelled()).toBeDefined();
    expect(body.pulls()).toBe(1);
  });

  it('a reader that reads to the end does not cancel the body', async () => {
    const body = chunked([sse('message_stop', STOP)]);
    expect((await batchesOf(body.response)).flat()).toHaveLength(1);
    expect(body.cancelled()).toBeUndefined();
  });

  it('a Response without a body yields nothing', async () => {
    expect(await batchesOf(new Response(null))).toEqual([]);
  });
});
