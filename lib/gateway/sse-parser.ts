/**
 * One server-sent event as it came off the wire: its `event:` field (null without one), its
 * data (`data:` lines joined by newlines) and its own text, blank line included, to pass on
 * unchanged.
 */
export interface ServerSentEvent {
  readonly event: string | null;
  readonly data: string;
  readonly raw: string;
}

/**
 * Splits an SSE body into events as its chunks arrive, by the WHATWG rules the SDK's decoder
 * follows: lines end in LF, CRLF or CR, a blank line ends an event, `:` starts a comment, one
 * space after the field's colon is dropped, `data:` lines add up. An event split across
 * chunks waits for the chunk that completes it. Carriage returns are rewritten as LF, so
 * `raw` is the event with LF line ends (the same event to any SSE reader). A CR ends its line
 * as soon as it arrives, even at the end of a chunk (the LF of a CRLF cut in two is dropped
 * from the next chunk): an event that a CR completes does not wait for a chunk that may never
 * come.
 */
export class SseParser {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  /** The last chunk ended in CR: an LF that starts the next one is the rest of that CRLF. */
  private afterCr = false;

  /** The events the chunk completes (none while an event is still partial). */
  public push(chunk: Uint8Array): ServerSentEvent[] {
    let decoded = this.decoder.decode(chunk, { stream: true });
    // An empty decode (part of a character) leaves the question open for the next chunk.
    if (this.afterCr && decoded !== '') {
      if (decoded.startsWith('\n')) decoded = decoded.slice(1);
      this.afterCr = false;
    }
    if (decoded.includes('\r')) {
      this.afterCr = decoded.endsWith('\r');
      decoded = decoded.replace(/\r\n?/g, '\n');
    }
    const text = this.buffer + decoded;
    const events: ServerSentEvent[] = [];
    let start = 0;
    // What was held has no blank line in it: a long event split over many chunks is scanned once.
    let from = Math.max(0, this.buffer.length - 1);
    for (let end = text.indexOf('\n\n', from); end !== -1; end = text.indexOf('\n\n', from)) {
      events.push(parseEvent(text.slice(start, end + 2)));
      start = end + 2;
      from = start;
    }
    this.buffer = text.slice(start);
    return events;
  }

  /** Whether an event was begun and not finished when the body ended. */
  public get pending(): boolean {
    return this.buffer.trim() !== '';
  }
}

/**
 * An event's lines (its trailing blank line included). A block of comments only is an event
 * with no name and no data: readers skip it, but it is passed on (a keep-alive).
 */
function parseEvent(raw: string): ServerSentEvent {
  let event: string | null = null;
  let data: string | undefined;
  for (const line of raw.slice(0, -2).split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return { event, data: data ?? '', raw };
}
