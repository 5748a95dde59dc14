/**
 * MessageAssembly against the SDK's own MessageStream: the same streamed answer, served over
 * HTTP on 127.0.0.1, read once by the real SDK (`messages.stream().finalMessage()`, what the
 * gateway used to answer non-streaming requests with) and once fed to MessageAssembly. The
 * JSON the client gets must be the same, but for the `parsed_output: null` MessageStream adds
 * to answers that asked for no structured output (the vendor never sends it).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { MessageAssembly } from '../../lib/gateway/message-assembly';

let server: http.Server;
let url: string;
let serving: RawMessageStreamEvent[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of serving) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What the SDK's MessageStream makes of `events`, as the JSON a client would get. */
async function sdkAnswer(events: RawMessageStreamEvent[]): Promise<unknown> {
  serving = events;
  const client = new Anthropic({ apiKey: 'test', baseURL: url, maxRetries: 0 });
  const message = await client.messages
    .stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage();
  const { parsed_output: parsed, ...vendorFields } = message as Message & { parsed_output?: unknown };
  expect(parsed).toBeNull();
  return JSON.parse(JSON.stringify(vendorFields));
}

/** What MessageAssembly makes of the same events (each a fresh copy, as parsed off the wire). */
function ourAnswer(events: RawMessageStreamEvent[]): unknown {
  const assembly = new MessageAssembly();
  for (const event of events) assembly.add(JSON.parse(JSON.stringify(event)) as RawMessageStreamEvent);
  return JSON.parse(JSON.stringify(assembly.message));
}

const start = (overrides: Record<string, unknown> = {}): RawMessageStreamEvent =>
  ({
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5-20251001',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: {
        input_tokens: 12,
        output_tokens: 1,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        server_tool_use: null,
        service_tier: 'standard',
      },
      ...overrides,
    },
  }) as unknown as RawMessageStreamEvent;

const blockStart = (index: number, block: Record<string, unknown>): RawMessageStreamEvent =>
  ({ type: 'content_block_start', index, content_block: block }) as unknown as RawMessageStreamEvent;
const delta = (index: number, d: Record<string, unknown>): RawMessageStreamEvent =>
  ({ type: 'content_block_delta', index, delta: d }) as unknown as RawMessageStreamEvent;
const blockStop = (index: number): RawMessageStreamEvent => ({ type: 'content_block_stop', index });
const messageDelta = (d: Record<string, unknown>, usage: Record<string, unknown>): RawMessageStreamEvent =>
  ({ type: 'message_delta', delta: d, usage }) as unknown as RawMessageStreamEvent;
const stop = { type: 'message_stop' } as RawMessageStreamEvent;
const endTurn = messageDelta({ stop_reason: 'end_turn', stop_sequence: null }, { output_tokens: 9 });

const citation = (n: number): Record<string, unknown> => ({
  type: 'char_location',
  cited_text: `quote ${n}`,
  document_index: 0,
  document_title: 'doc',
  start_char_index: n,
  end_char_index: n + 5,
  file_id: null,
});

const CASES: Record<string, RawMessageStreamEvent[]> = {
  'text in deltas': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'text_delta', text: 'Hello' }),
    delta(0, { type: 'text_delta', text: ', world' }),
    blockStop(0),
    endTurn,
    stop,
  ],
  'text with citations': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'citations_delta', citation: citation(1) }),
    delta(0, { type: 'text_delta', text: 'cited' }),
    delta(0, { type: 'citations_delta', citation: citation(2) }),
    blockStop(0),
    endTurn,
    stop,
  ],
  'a tool call whose input arrives in JSON pieces, after text': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'text_delta', text: 'Let me check.' }),
    blockStop(0),
    blockStart(1, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {}, caller: { type: 'direct' } }),
    delta(1, { type: 'input_json_delta', partial_json: '' }),
    delta(1, { type: 'input_json_delta', partial_json: '{"city": "Par' }),
    delta(1, { type: 'input_json_delta', partial_json: 'is", "units": ["c", 1.5, true, null]}' }),
    blockStop(1),
    messageDelta({ stop_reason: 'tool_use', stop_sequence: null }, { output_tokens: 40 }),
    stop,
  ],
  'a tool call with no input deltas keeps its input': [
    start(),
    blockStart(0, { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} }),
    blockStop(0),
    messageDelta({ stop_reason: 'tool_use', stop_sequence: null }, { output_tokens: 5 }),
    stop,
  ],
  'a tool call whose only delta is empty': [
    start(),
    blockStart(0, { type: 'tool_use', id: 'toolu_3', name: 'now', input: {} }),
    delta(0, { type: 'input_json_delta', partial_json: '' }),
    blockStop(0),
    messageDelta({ stop_reason: 'tool_use', stop_sequence: null }, { output_tokens: 5 }),
    stop,
  ],
  'thinking with its signature, redacted thinking, then text': [
    start(),
    blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
    delta(0, { type: 'thinking_delta', thinking: 'First, ' }),
    delta(0, { type: 'thinking_delta', thinking: 'consider.' }),
    delta(0, { type: 'signature_delta', signature: 'sig-abc' }),
    blockStop(0),
    blockStart(1, { type: 'redacted_thinking', data: 'opaque' }),
    blockStop(1),
    blockStart(2, { type: 'text', text: '', citations: null }),
    delta(2, { type: 'text_delta', text: 'Answer.' }),
    blockStop(2),
    endTurn,
    stop,
  ],
  'server tool use and its result': [
    start(),
    blockStart(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }),
    delta(0, { type: 'input_json_delta', partial_json: '{"query": "weather"}' }),
    blockStop(0),
    blockStart(1, {
      type: 'web_search_tool_result',
      tool_use_id: 'srvtoolu_1',
      content: [{ type: 'web_search_result', title: 't', url: 'https://example.invalid/', encrypted_content: 'e' }],
    }),
    blockStop(1),
    blockStart(2, { type: 'text', text: '', citations: null }),
    delta(2, { type: 'text_delta', text: 'Sunny.' }),
    blockStop(2),
    messageDelta(
      { stop_reason: 'end_turn', stop_sequence: null },
      { output_tokens: 30, input_tokens: 500, server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 } },
    ),
    stop,
  ],
  'message_delta usage totals, container and stop details': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'text_delta', text: 'x' }),
    blockStop(0),
    messageDelta(
      {
        stop_reason: 'refusal',
        stop_sequence: null,
        stop_details: { type: 'refusal', category: 'cyber', explanation: 'no' },
        container: { id: 'cont_1', expires_at: '2026-12-01T00:00:00Z', skills: null },
      },
      {
        output_tokens: 3,
        input_tokens: 20,
        cache_creation_input_tokens: 4,
        cache_read_input_tokens: 8,
        output_tokens_details: { thinking_tokens: 0 },
      },
    ),
    stop,
  ],
  'a message_delta without stop details drops the start’s null': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'text_delta', text: 'y' }),
    blockStop(0),
    messageDelta({ stop_reason: 'max_tokens', stop_sequence: null }, { output_tokens: 100 }),
    stop,
  ],
  'a stop sequence': [
    start(),
    blockStart(0, { type: 'text', text: '', citations: null }),
    delta(0, { type: 'text_delta', text: 'one two' }),
    blockStop(0),
    messageDelta({ stop_reason: 'stop_sequence', stop_sequence: 'three' }, { output_tokens: 2 }),
    stop,
  ],
};

test.each(Object.keys(CASES))('%s: the same message as the SDK’s MessageStream', async (name) => {
  const events = CASES[name]!;
  const sdk = await sdkAnswer(events);
  expect(ourAnswer(events)).toEqual(sdk);
  // Key order too: the client gets JSON text.
  expect(JSON.stringify(ourAnswer(events))).toBe(JSON.stringify(sdk));
});

test('no message until message_stop: a stream cut short is not an answer', () => {
  const events = CASES['text in deltas']!;
  const assembly = new MessageAssembly();
  for (const event of events.slice(0, -1)) assembly.add(event);
  expect(assembly.message).toBeUndefined();
  assembly.add(stop);
  expect(assembly.message?.content).toEqual([{ type: 'text', text: 'Hello, world', citations: null }]);
});

test('a second message_start before message_stop is refused, as MessageStream refuses it', () => {
  const assembly = new MessageAssembly();
  assembly.add(start());
  expect(() => assembly.add(start())).toThrow(
    new Anthropic.AnthropicError('Unexpected event order, got message_start before receiving "message_stop"'),
  );
});

test('events before message_start are ignored, as MessageStream ignores them', async () => {
  const events = [delta(0, { type: 'text_delta', text: 'stray' }), ...CASES['text in deltas']!];
  expect(ourAnswer(events)).toEqual(await sdkAnswer(events));
});
