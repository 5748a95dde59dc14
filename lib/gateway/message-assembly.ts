import { AnthropicError } from '@anthropic-ai/sdk';
import { partialParse } from '@anthropic-ai/sdk/_vendor/partial-json-parser/parser';
import type { ContentBlock, Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

/**
 * Builds the Message a streamed answer adds up to, as the SDK's MessageStream does (its
 * `finalMessage()`), event by event: content blocks as they start, text, citations, thinking
 * and signatures as they grow, a tool call's input from its JSON deltas (parsed with the SDK's
 * own partial-JSON parser, the input moved last as the SDK moves it), and the stop reason,
 * usage and container of `message_delta`. Where it differs from MessageStream is what the
 * gateway does not need: no events emitted, no copy of the message per delta, and no
 * `parsed_output: null` added to an answer that asked for no structured output (a field the
 * vendor never sent). test/gateway/units/message-assembly.test.ts holds the two side by side.
 */
export class MessageAssembly {
  private snapshot?: Message;
  private stopped = false;
  /** The JSON deltas of each tool call so far, by content index. */
  private readonly toolInput = new Map<number, string>();

  public add(event: RawMessageStreamEvent): void {
    if (event.type === 'message_start') {
      if (this.snapshot)
        throw new AnthropicError(`Unexpected event order, got ${event.type} before receiving "message_stop"`);
      this.snapshot = event.message;
      return;
    }
    const message = this.snapshot;
    if (!message) return;
    switch (event.type) {
      case 'message_stop':
        this.stopped = true;
        return;
      case 'message_delta': {
        const { delta, usage } = event;
        message.stop_reason = delta.stop_reason;
        message.stop_sequence = delta.stop_sequence;
        message.stop_details = delta.stop_details;
        message.usage.output_tokens = usage.output_tokens;
        if (delta.container != null) message.container = delta.container;
        // The other counters are whole-message totals, omitted when they do not apply.
        if (usage.input_tokens != null) message.usage.input_tokens = usage.input_tokens;
        if (usage.cache_creation_input_tokens != null)
          message.usage.cache_creation_input_tokens = usage.cache_creation_input_tokens;
        if (usage.cache_read_input_tokens != null)
          message.usage.cache_read_input_tokens = usage.cache_read_input_tokens;
        if (usage.server_tool_use != null) message.usage.server_tool_use = usage.server_tool_use;
        if (usage.output_tokens_details != null) message.usage.output_tokens_details = usage.output_tokens_details;
        return;
      }
      case 'content_block_start':
        message.content.push({ ...event.content_block });
        return;
      case 'content_block_delta':
        this.addDelta(message.content[event.index], event);
        return;
      case 'content_block_stop':
        this.endBlock(message.content, event.index);
        return;
      default:
        return;
    }
  }

  /** The whole message, once `message_stop` has arrived. */
  public get message(): Message | undefined {
    return this.stopped ? this.snapshot : undefined;
  }

  private addDelta(
    block: ContentBlock | undefined,
    event: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>,
  ): void {
    if (!block) return;
    const { delta } = event;
    switch (delta.type) {
      case 'text_delta':
        if (block.type === 'text') block.text = (block.text || '') + delta.text;
        return;
      case 'citations_delta':
        if (block.type === 'text') block.citations = [...(block.citations ?? []), delta.citation];
        return;
      case 'input_json_delta':
        if (tracksToolInput(block))
          this.toolInput.set(event.index, (this.toolInput.get(event.index) ?? '') + delta.partial_json);
        return;
      case 'thinking_delta':
        if (block.type === 'thinking') block.thinking += delta.thinking;
        return;
      case 'signature_delta':
        if (block.type === 'thinking') block.signature = delta.signature;
        return;
      default:
        return;
    }
  }

  /** A tool call's input is its JSON deltas parsed, once the block ends; none at all keeps the start's input. */
  private endBlock(content: ContentBlock[], index: number): void {
    const block = content[index];
    const json = this.toolInput.get(index);
    if (!block || json === undefined || !tracksToolInput(block)) return;
    const { input: _replaced, ...rest } = block;
    content[index] = { ...rest, input: json ? partialParse(json) : {} };
  }
}

function tracksToolInput(
  block: ContentBlock,
): block is Extract<ContentBlock, { type: 'tool_use' | 'server_tool_use' }> {
  return block.type === 'tool_use' || block.type === 'server_tool_use';
}
