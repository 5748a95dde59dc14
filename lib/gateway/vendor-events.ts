import { APIError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import { SseParser } from './sse-parser';
import { takeNodeBody } from './vendor-fetch';

/**
 * One event of a streamed Messages answer, with its own text to pass on unchanged:
 * - message: an event the answer is made of (message_start, content_block_delta, ...);
 * - skipped: what the SDK's stream skips too (ping, comments, events without a name);
 * - error: the vendor's `error` event, as the SDK raises it (an APIError without a status).
 */
export type VendorEvent =
  | { readonly kind: 'message'; readonly raw: string; readonly event: RawMessageStreamEvent }
  | { readonly kind: 'skipped'; readonly raw: string }
  | { readonly kind: 'error'; readonly raw: string; readonly error: APIError };

/**
 * The events of a streamed Messages answer, a batch per chunk of the body: what the SDK's
 * `Stream` yields (ping and nameless events skipped, data parsed as JSON, an `error` event
 * raised as APIError), read straight off the socket when the answer came through vendorFetch,
 * and with each event's text kept so a streamed answer can be passed on as it came.
 *
 * The SDK still makes the call (headers, retries, timeout, its error classes for a refused
 * request); only the body of a 200 is read here. A body that fails mid-way throws what the
 * socket threw (`TypeError('terminated')` when the connection is lost), and data that is not
 * JSON throws the SyntaxError, as the SDK's stream does.
 */
export async function* vendorEvents(response: Response): AsyncGenerator<readonly VendorEvent[], void> {
  const parser = new SseParser();
  for await (const chunk of bodyChunks(response)) {
    const batch: VendorEvent[] = [];
    try {
      for (const sse of parser.push(chunk)) batch.push(toVendorEvent(sse, response.headers));
    } catch (err) {
      // Data that is not JSON: the events before it in the chunk still count, as with the SDK's stream.
      if (batch.length > 0) yield batch;
      throw err;
    }
    if (batch.length > 0) yield batch;
  }
}

function toVendorEvent(sse: { event: string | null; data: string; raw: string }, headers: Headers): VendorEvent {
  const { event, data, raw } = sse;
  if (event === null || event === 'ping' || (event !== 'error' && data === '')) return { kind: 'skipped', raw };
  if (event === 'error') {
    const body = safeJson(data) ?? data;
    const type = (body as { error?: { type?: unknown } } | null)?.error?.type;
    return { kind: 'error', raw, error: new APIError(undefined, body, undefined, headers, asString(type)) };
  }
  return { kind: 'message', raw, event: JSON.parse(data) as RawMessageStreamEvent };
}

async function* bodyChunks(response: Response): AsyncGenerator<Uint8Array> {
  const node = takeNodeBody(response);
  if (node) {
    try {
      for await (const chunk of node) yield chunk as Buffer;
    } catch (cause) {
      throw new TypeError('terminated', { cause });
    }
    return;
  }
  if (!response.body) return;
  const reader = response.body.getReader();
  let done = false;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
    done = true;
  } finally {
    // A reader that stopped early (an error event, the client gone) closes the answer.
    if (!done) void reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The SDK types `type` as its known error types; like the SDK, whatever string the vendor sent is kept. */
function asString(value: unknown): ErrorType | undefined {
  return typeof value === 'string' ? (value as ErrorType) : undefined;
}
