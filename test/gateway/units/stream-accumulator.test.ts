import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { StreamAccumulator } from '../../../lib/gateway/stream-accumulator';
import type { TokenUsage } from '../../../lib/gateway/usage';

/** Events as the Messages API streams them (the `data:` lines), parsed like the SDK does. */
const WIRE: readonly string[] = [
  '{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":1,"service_tier":"standard"}}}',
  '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  '{"type":"ping"}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", "}}',
  '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"world!"}}',
  '{"type":"content_block_stop","index":0}',
  '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":15}}',
  '{"type":"message_stop"}',
];

function events(lines: readonly string[]): RawMessageStreamEvent[] {
  return lines.map((line) => JSON.parse(line) as RawMessageStreamEvent);
}

/** A clock that advances 10 ms on every reading, starting at 1000. */
function tickingClock(): { now: () => number; readings: () => number } {
  let t = 1000;
  let count = 0;
  return {
    now: () => {
      count += 1;
      t += 10;
      return t;
    },
    readings: () => count,
  };
}

describe('StreamAccumulator', () => {
  it('follows a realistic stream: usage from message_start and the cumulative message_delta, stop reason, first token time', () => {
    const clock = tickingClock();
    const acc = new StreamAccumulator(true, clock.now);
    const all = events(WIRE);
    for (const [i, event] of all.entries()) {
      acc.add(event);
      if (i < 3) expect(acc.firstTokenTime).toBeUndefined();
    }
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 25,
      outputTokens: 15,
      cacheCreationInputTokens: 100,
      cacheReadInputTokens: 2000,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
    expect(acc.stopReason).toBe('end_turn');
    expect(acc.text).toBe('Hello, world!');
    // The clock is read once, at the first content delta.
    expect(acc.firstTokenTime).toBe(1010);
    expect(clock.readings()).toBe(1);
  });

  it('keeps no text unless asked to (moderation off)', () => {
    const acc = new StreamAccumulator(false, tickingClock().now);
    for (const event of events(WIRE)) acc.add(event);
    expect(acc.text).toBe('');
    expect(acc.usage.outputTokens).toBe(15);
    expect(acc.firstTokenTime).toBe(1010);
  });

  it('keeps the message_start usage when message_delta sends only output_tokens (or nulls)', () => {
    const acc = new StreamAccumulator(false, tickingClock().now);
    acc.add(events([WIRE[0] ?? ''])[0] as RawMessageStreamEvent);
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 25,
      outputTokens: 1,
      cacheCreationInputTokens: 100,
      cacheReadInputTokens: 2000,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
    acc.add(
      JSON.parse(
        '{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":7}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 25,
      outputTokens: 7,
      cacheCreationInputTokens: 100,
      cacheReadInputTokens: 2000,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
    acc.add(
      JSON.parse(
        '{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"input_tokens":null,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":9}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 25,
      outputTokens: 9,
      cacheCreationInputTokens: 100,
      cacheReadInputTokens: 2000,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
    // A null stop reason in a later delta does not erase an earlier one.
    expect(acc.stopReason).toBe('max_tokens');
  });

  it('treats null cache fields in message_start as zero', () => {
    const acc = new StreamAccumulator(false, tickingClock().now);
    acc.add(
      JSON.parse(
        '{"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":1}}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 3,
      outputTokens: 1,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
  });

  it('reports a refusal stop reason', () => {
    const acc = new StreamAccumulator(true, tickingClock().now);
    acc.add(
      JSON.parse(
        '{"type":"message_delta","delta":{"stop_reason":"refusal","stop_sequence":null},"usage":{"output_tokens":2}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.stopReason).toBe('refusal');
  });

  it('starts empty: zero usage, no stop reason, no text, no first token', () => {
    const acc = new StreamAccumulator(true, tickingClock().now);
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 0,
      outputTokens: 0,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation1hInputTokens: 0,
      webSearchRequests: 0,
    });
    expect(acc.stopReason).toBeNull();
    expect(acc.text).toBe('');
    expect(acc.firstTokenTime).toBeUndefined();
  });

  it('keeps only text deltas as text (not tool input JSON), but any content delta is a first token', () => {
    const clock = tickingClock();
    const acc = new StreamAccumulator(true, clock.now);
    acc.add(
      JSON.parse(
        '{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.firstTokenTime).toBe(1010);
    acc.add(
      JSON.parse(
        '{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"ok"}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.text).toBe('ok');
    expect(acc.firstTokenTime).toBe(1010);
  });

  it('is complete only once message_stop has arrived', () => {
    const acc = new StreamAccumulator(false, tickingClock().now);
    const all = events(WIRE);
    for (const event of all.slice(0, -1)) acc.add(event);
    expect(acc.complete).toBe(false);
    acc.add(all[all.length - 1] as RawMessageStreamEvent);
    expect(acc.complete).toBe(true);
  });

  it('keeps the 1-hour cache writes of message_start and the web searches of the cumulative message_delta', () => {
    const acc = new StreamAccumulator(false, tickingClock().now);
    acc.add(
      JSON.parse(
        '{"type":"message_start","message":{"id":"msg_03","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":1,"server_tool_use":null}}}',
      ) as RawMessageStreamEvent,
    );
    acc.add(
      JSON.parse(
        '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"output_tokens":40,"server_tool_use":{"web_search_requests":2,"web_fetch_requests":0}}}',
      ) as RawMessageStreamEvent,
    );
    expect(acc.usage).toEqual<TokenUsage>({
      inputTokens: 10,
      outputTokens: 40,
      cacheCreationInputTokens: 300,
      cacheCreation1hInputTokens: 200,
      cacheReadInputTokens: 0,
      webSearchRequests: 2,
    });
  });
});
