import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { streamEvents } from '../../../fakes/fake-vendor';
import { SseParser, type ServerSentEvent } from '../../../lib/gateway/sse-parser';
import { seededRandom } from '../../../bench/stats';

/**
 * SseParser is checked against the SDK's own SSE decoder (`Stream.rawEvents`, what the SDK's
 * Stream reads an answer with): the same bytes, cut into the same chunks, must give the same
 * named events. Nameless blocks are left out of the comparison on purpose: the parser returns
 * comment-only blocks (keep-alives, to pass on) that the SDK drops, and readers skip them both.
 */

interface Named {
  readonly event: string | null;
  readonly data: string;
}

const UTF8 = new TextEncoder();

/** What the SDK's decoder makes of the chunks (each one enqueued as it is, in order). */
async function sdkEvents(chunks: readonly Uint8Array[]): Promise<Named[]> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk.slice());
      controller.close();
    },
  });
  const events: Named[] = [];
  for await (const sse of Stream.rawEvents(new Response(body))) events.push({ event: sse.event, data: sse.data });
  return events;
}

/** What SseParser returns for each chunk, in order. */
function ourBatches(chunks: readonly Uint8Array[]): { batches: ServerSentEvent[][]; pending: boolean } {
  const parser = new SseParser();
  const batches = chunks.map((chunk) => parser.push(chunk));
  return { batches, pending: parser.pending };
}

function named(events: readonly Named[]): Named[] {
  return events.filter((e) => e.event !== null).map(({ event, data }) => ({ event, data }));
}

/** `bytes` cut at the given byte offsets (ascending, inside the body). */
function cutAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  return chunks;
}

/** Every way to cut the body once, plus one byte a chunk: the splits where a decoder's state shows. */
function everyCut(bytes: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [[bytes]];
  for (let at = 1; at < bytes.length; at++) splits.push(cutAt(bytes, [at]));
  splits.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return splits;
}

/** The body as SseParser's `raw` fields add up to: LF line ends, no leading byte-order mark. */
function normalised(body: string): string {
  return body.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

interface Case {
  readonly name: string;
  readonly body: string;
  readonly expected: readonly Named[];
}

const CASES: readonly Case[] = [
  {
    name: 'LF line ends',
    body: 'event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
    expected: [
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: 'message_stop', data: '{"type":"message_stop"}' },
    ],
  },
  {
    name: 'CRLF line ends',
    body: 'event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n',
    expected: [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ],
  },
  {
    name: 'CR line ends, the body ending in the CR that ends the last event',
    body: 'event: a\rdata: 1\r\revent: b\rdata: 2\r\r',
    expected: [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ],
  },
  {
    name: 'mixed line ends (CR then LF is one line end, LF then CR two)',
    body: 'event: a\ndata: 1\r\n\revent: b\r\ndata: 2\n\r\n',
    expected: [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ],
  },
  {
    name: 'multi-byte UTF-8 (2, 3 and 4 bytes) in the name and the data',
    body: 'event: délta\ndata: {"text":"héllo — 日本語 🎉"}\n\n',
    expected: [{ event: 'délta', data: '{"text":"héllo — 日本語 🎉"}' }],
  },
  {
    name: 'several data lines joined by LF, an empty one included',
    body: 'event: a\ndata: line 1\ndata: line 2\ndata:\ndata: line 4\n\n',
    expected: [{ event: 'a', data: 'line 1\nline 2\n\nline 4' }],
  },
  {
    name: 'comments: a keep-alive block, and a comment line inside an event',
    body: ': keep-alive\n\nevent: a\n: between fields\ndata: 1\n\n:\n\n',
    expected: [{ event: 'a', data: '1' }],
  },
  {
    name: 'fields without a colon: `data` adds an empty line, `event` names the event ""',
    body: 'event: a\ndata\ndata\n\nevent\ndata: x\n\n',
    expected: [
      { event: 'a', data: '\n' },
      { event: '', data: 'x' },
    ],
  },
  {
    name: 'no space after the colon; only one space is dropped',
    body: 'event:a\ndata:{"x":1}\n\nevent:  b\ndata:  two spaces\n\n',
    expected: [
      { event: 'a', data: '{"x":1}' },
      { event: ' b', data: ' two spaces' },
    ],
  },
  {
    name: 'other fields (id, retry, unknown) are ignored; the last event line wins',
    body: 'id: 7\nevent: first\nretry: 100\nfoo: bar\nevent: second\ndata: 1\n\n',
    expected: [{ event: 'second', data: '1' }],
  },
  {
    name: 'a named event without data',
    body: 'event: a\n\nevent: b\ndata: 2\n\n',
    expected: [
      { event: 'a', data: '' },
      { event: 'b', data: '2' },
    ],
  },
  {
    name: 'blank lines before, between and after events',
    body: '\n\n\nevent: a\ndata: 1\n\n\n\nevent: b\ndata: 2\n\n\n',
    expected: [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ],
  },
  {
    name: 'a byte-order mark at the start of the body',
    body: '\uFEFFevent: a\ndata: 1\n\n',
    expected: [{ event: 'a', data: '1' }],
  },
  {
    name: 'nameless events (data only) are not named events',
    body: 'data: {"x":1}\n\nevent: a\ndata: 1\n\n',
    expected: [{ event: 'a', data: '1' }],
  },
  {
    name: 'an event not finished when the body ends is not an event',
    body: 'event: a\ndata: 1\n\nevent: b\ndata: 2\n',
    expected: [{ event: 'a', data: '1' }],
  },
];

describe('SseParser, checked against the SDK decoder', () => {
  it.each(CASES)('$name: the expected events, as the SDK decodes them, however the body is cut', async (c) => {
    const bytes = UTF8.encode(c.body);
    for (const chunks of everyCut(bytes)) {
      const ours = ourBatches(chunks).batches.flat();
      expect({ chunks: chunks.length, events: named(ours) }).toEqual({ chunks: chunks.length, events: c.expected });
      expect({ chunks: chunks.length, events: named(await sdkEvents(chunks)) }).toEqual({
        chunks: chunks.length,
        events: c.expected,
      });
    }
  });

  it.each(CASES)('$name: the raw texts add up to the body with LF line ends, up to its last complete event', (c) => {
    const bytes = UTF8.encode(c.body);
    const body = normalised(c.body);
    for (const chunks of everyCut(bytes)) {
      const { batches, pending } = ourBatches(chunks);
      const raw = batches
        .flat()
        .map((e) => e.raw)
        .join('');
      expect(body.startsWith(raw)).toBe(true);
      // What is left is blank, or an event begun and not finished.
      expect(pending).toBe(body.slice(raw.length).trim() !== '');
    }
  });

  it('a cut inside a multi-byte character: each byte of the 4-byte 🎉 in its own chunk', async () => {
    const bytes = UTF8.encode('event: a\ndata: 🎉\n\n');
    const emoji = bytes.indexOf(0xf0);
    const chunks = cutAt(bytes, [emoji, emoji + 1, emoji + 2, emoji + 3, emoji + 4]);
    expect(chunks.map((c) => c.length)).toEqual([emoji, 1, 1, 1, 1, 2]);
    const { batches } = ourBatches(chunks);
    expect(batches.map((b) => b.length)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(batches[5]).toEqual([{ event: 'a', data: '🎉', raw: 'event: a\ndata: 🎉\n\n' }]);
    expect(named(await sdkEvents(chunks))).toEqual([{ event: 'a', data: '🎉' }]);
  });

  it('a cut between the CR and the LF of a CRLF blank line: the event is complete at the CR', async () => {
    const body = 'event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n';
    const bytes = UTF8.encode(body);
    const firstEnd = body.indexOf('\r\n\r\n') + 3; // just after the blank line's CR
    const chunks = cutAt(bytes, [firstEnd]);
    const { batches, pending } = ourBatches(chunks);
    expect(batches).toEqual([
      [{ event: 'a', data: '1', raw: 'event: a\ndata: 1\n\n' }],
      [{ event: 'b', data: '2', raw: 'event: b\ndata: 2\n\n' }],
    ]);
    expect(pending).toBe(false);
    expect(named(await sdkEvents(chunks))).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  it('a body whose last event ends in a lone CR: the event is returned with the chunk, as the SDK yields it at the end', async () => {
    // The CR could be the first half of a CRLF, but either way the line (here: the blank line) has ended.
    const chunks = [UTF8.encode('event: message_stop\ndata: {"type":"message_stop"}\n\r')];
    const { batches, pending } = ourBatches(chunks);
    expect(batches).toEqual([
      [
        {
          event: 'message_stop',
          data: '{"type":"message_stop"}',
          raw: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
        },
      ],
    ]);
    expect(pending).toBe(false);
    expect(named(await sdkEvents(chunks))).toEqual([{ event: 'message_stop', data: '{"type":"message_stop"}' }]);
  });
});

describe('SseParser on its own', () => {
  it('a lone CR ending a chunk, then an LF starting the next: one line end, not two', () => {
    const parser = new SseParser();
    expect(parser.push(UTF8.encode('event: a\r'))).toEqual([]);
    expect(parser.push(UTF8.encode('\ndata: 1\r'))).toEqual([]);
    expect(parser.push(UTF8.encode('\n'))).toEqual([]);
    expect(parser.pending).toBe(true);
    expect(parser.push(UTF8.encode('\n'))).toEqual([{ event: 'a', data: '1', raw: 'event: a\ndata: 1\n\n' }]);
  });

  it('an empty chunk between the CR and the LF of a CRLF: still one line end', () => {
    const parser = new SseParser();
    expect(parser.push(UTF8.encode('event: a\r'))).toEqual([]);
    expect(parser.push(new Uint8Array(0))).toEqual([]);
    // Counted twice, that line end would be a blank line, ending the event before its data.
    expect(parser.push(UTF8.encode('\ndata: 1\n\n'))).toEqual([
      { event: 'a', data: '1', raw: 'event: a\ndata: 1\n\n' },
    ]);
    expect(parser.pending).toBe(false);
  });

  it('a character cut in two after a CR: an LF after that character is a line end of its own', () => {
    const parser = new SseParser();
    const e = UTF8.encode('é');
    expect(parser.push(UTF8.encode('event: a\r'))).toEqual([]);
    expect(parser.push(e.subarray(0, 1))).toEqual([]);
    expect(parser.push(e.subarray(1))).toEqual([]);
    expect(parser.push(UTF8.encode('\n'))).toEqual([]);
    // "é" is a field of its own (one SSE ignores); dropping that LF would glue it to `data: 1`.
    expect(parser.push(UTF8.encode('data: 1\n\n'))).toEqual([
      { event: 'a', data: '1', raw: 'event: a\né\ndata: 1\n\n' },
    ]);
  });

  it('returns nothing while an event is partial, and the event with the chunk that completes it', () => {
    const parser = new SseParser();
    expect(parser.push(UTF8.encode('event: a\nda'))).toEqual([]);
    expect(parser.pending).toBe(true);
    expect(parser.push(UTF8.encode('ta: 1\n'))).toEqual([]);
    expect(parser.push(UTF8.encode('\nevent: b\ndata: 2\n\nevent: c\n'))).toEqual([
      { event: 'a', data: '1', raw: 'event: a\ndata: 1\n\n' },
      { event: 'b', data: '2', raw: 'event: b\ndata: 2\n\n' },
    ]);
    expect(parser.pending).toBe(true);
    expect(parser.push(UTF8.encode('data: 3\n\n'))).toEqual([{ event: 'c', data: '3', raw: 'event: c\ndata: 3\n\n' }]);
    expect(parser.pending).toBe(false);
  });

  it('returns comment-only blocks too, as events with no name and no data (a keep-alive to pass on)', () => {
    const parser = new SseParser();
    expect(parser.push(UTF8.encode(': keep-alive\n\n\n'))).toEqual([
      { event: null, data: '', raw: ': keep-alive\n\n' },
    ]);
    // The third LF begins the next block: a blank line before an event belongs to it.
    expect(parser.push(UTF8.encode('event: a\ndata: 1\n\n'))).toEqual([
      { event: 'a', data: '1', raw: '\nevent: a\ndata: 1\n\n' },
    ]);
  });

  it('is not pending after blank lines alone', () => {
    const parser = new SseParser();
    expect(parser.push(UTF8.encode('\n'))).toEqual([]);
    expect(parser.pending).toBe(false);
  });
});

/**
 * Where the two decoders part. Neither shows in a Messages stream (the API sends LF line ends,
 * one byte-order mark at most, and always names its events), so they are pinned here rather
 * than bridged: if either side changes, this says which.
 */
describe('SseParser vs the SDK decoder: known differences', () => {
  it('a byte-order mark at the start of a later line: the SDK drops it from every line, SseParser (as WHATWG says) only from the body’s start', async () => {
    const chunks = [UTF8.encode('event: a\ndata: 1\n\nevent: b\n\uFEFFdata: 2\n\n')];
    expect(named(await sdkEvents(chunks))).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
    // `\uFEFFdata` is a field SSE does not know, so event b has no data.
    expect(named(ourBatches(chunks).batches.flat())).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '' },
    ]);
  });

  it('an empty `event:` in a block without data: the SDK keeps the empty name for the next block, SseParser resets it', async () => {
    const chunks = [UTF8.encode('event:\n\ndata: 2\n\n')];
    // The SDK only dispatches (and resets) a block with a name or data, and "" counts as no name.
    expect(await sdkEvents(chunks)).toEqual([{ event: '', data: '2' }]);
    expect(ourBatches(chunks).batches.flat()).toEqual([
      { event: '', data: '', raw: 'event:\n\n' },
      { event: null, data: '2', raw: 'data: 2\n\n' },
    ]);
  });
});

interface Block {
  /** The event's lines, without line ends. */
  readonly lines: readonly string[];
  /** The named event it is, or null for a comment block. */
  readonly expected: Named | null;
}

const TEXTS = ['Hello, world!', 'Héllo — naïve café, 日本語のテキスト, emoji 🎉🚀 and “quotes”.', 'x'.repeat(700)];

/** A Messages stream as the fake vendor builds it, with pings and keep-alive comments put in at random. */
function messagesStream(random: () => number): Block[] {
  const text = TEXTS[Math.floor(random() * TEXTS.length)]!;
  const events: RawMessageStreamEvent[] = streamEvents({
    model: 'claude-haiku-4-5-20251001',
    text,
    stopReason: 'end_turn',
    inputTokens: 25,
    outputTokens: 12,
    deltas: 1 + Math.floor(random() * 8),
  });
  const blocks: Block[] = [];
  for (const event of events) {
    if (random() < 0.2) {
      const ping = JSON.stringify({ type: 'ping' });
      blocks.push({ lines: ['event: ping', `data: ${ping}`], expected: { event: 'ping', data: ping } });
    }
    if (random() < 0.1) blocks.push({ lines: [': keep-alive'], expected: null });
    const data = JSON.stringify(event);
    blocks.push({ lines: [`event: ${event.type}`, `data: ${data}`], expected: { event: event.type, data } });
  }
  return blocks;
}

const LINE_ENDS = ['\n', '\n', '\n', '\r\n', '\r'] as const;

/** Random cuts of `length` bytes: mostly small chunks, some large, some of one byte. */
function randomCuts(length: number, random: () => number): number[] {
  const cuts: number[] = [];
  const maxChunk = [1, 3, 16, 64, 512][Math.floor(random() * 5)]!;
  for (let at = 1 + Math.floor(random() * maxChunk); at < length; at += 1 + Math.floor(random() * maxChunk)) {
    cuts.push(at);
  }
  return cuts;
}

describe('SseParser on a realistic Messages stream cut at random (seeded)', () => {
  const SEED = 0x5eed;
  const RUNS = 300;

  it(`${RUNS} random cuttings (seed ${SEED}): the SDK's events, each returned by the chunk that completes it`, async () => {
    // Seeded: the same cuts on every run, so a failure can be replayed.
    const random = seededRandom(SEED);
    for (let run = 0; run < RUNS; run++) {
      const lineEnd = LINE_ENDS[Math.floor(random() * LINE_ENDS.length)]!;
      const blocks = messagesStream(random);
      const texts = blocks.map((b) => b.lines.join(lineEnd) + lineEnd + lineEnd);
      const bytes = UTF8.encode(texts.join(''));
      const cuts = randomCuts(bytes.length, random);
      const chunks = cutAt(bytes, cuts);
      const where = `run ${run} (line end ${JSON.stringify(lineEnd)}, ${chunks.length} chunks)`;

      // Which chunk completes each block: the one holding the first character of its last line end.
      const completedBy: number[] = [];
      let end = 0;
      for (const text of texts) {
        end += UTF8.encode(text).length;
        const completing = end - lineEnd.length;
        completedBy.push(cuts.filter((cut) => cut <= completing).length);
      }

      const { batches, pending } = ourBatches(chunks);
      const expected = blocks.flatMap((b) => (b.expected ? [b.expected] : []));
      expect({ where, events: named(batches.flat()) }).toEqual({ where, events: expected });
      expect({ where, events: named(await sdkEvents(chunks)) }).toEqual({ where, events: expected });
      expect({ where, pending }).toEqual({ where, pending: false });
      expect({ where, raw: batches.flat().map((e) => e.raw) }).toEqual({
        where,
        raw: texts.map(normalised),
      });
      const batchOf = batches.flatMap((batch, i) => batch.map(() => i));
      expect({ where, batchOf }).toEqual({ where, batchOf: completedBy });
      // The data is the event the fake vendor sent, byte for byte once parsed.
      for (const event of named(batches.flat())) expect(JSON.parse(event.data)).toHaveProperty('type', event.event);
    }
  });
});
