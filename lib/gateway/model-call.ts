import type Anthropic from '@anthropic-ai/sdk';
import type {
  Message,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { MessageStreamParams } from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessagesRequest } from './messages-request';
import type { ModerationVerdict, OutputModerator } from './moderation';
import type { ResponseSink } from './response-sink';
import type { CallTarget } from './routing';
import { StreamAccumulator } from './stream-accumulator';
import { toTokenUsage, type TokenUsage } from './usage';
import { responseBytesTap } from './byte-watch';
import { anthropicErrorBody } from './errors';
import { IdleWatch } from './idle-watch';
import type { RequestLifetime } from './request-lifetime';
import { EmptyStreamError, IncompleteStreamError, StreamStalledError } from './stream-errors';
import { classifyVendorError, type VendorFailure } from './vendor-failure';

export interface CallOptions {
  readonly client: Anthropic;
  readonly request: MessagesRequest;
  readonly target: CallTarget;
  readonly sink: ResponseSink;
  /** Headers of the gateway's answer (x-rollout-*), set by the caller. */
  readonly headers: Readonly<Record<string, string>>;
  /** Moderation of this model's output (the new model during the canary). */
  readonly moderator?: OutputModerator;
  /** Treat a flagged non-streaming answer as a failure, so the next target answers instead. */
  readonly blockFlagged: boolean;
  readonly streamIdleTimeoutMs: number;
  /** Cuts the call when the client leaves or the request's deadline passes. */
  readonly lifetime: RequestLifetime;
  readonly now: () => number;
}

export type CallResult =
  | {
      readonly kind: 'served';
      readonly latencyMs: number;
      readonly usage: TokenUsage;
      readonly timeToFirstTokenMs?: number;
      readonly verdict?: ModerationVerdict;
      /** A failure after bytes reached the client: the stream was ended with an error event. */
      readonly midStreamFailure?: VendorFailure;
    }
  | {
      readonly kind: 'failed';
      readonly latencyMs: number;
      readonly failure: VendorFailure;
      readonly verdict?: ModerationVerdict;
    };

/**
 * One call to one model. Nothing is written to the client until the model has answered
 * (non-streaming) or sent its first event (streaming): up to then a failure is returned for
 * the caller to fall back on.
 */
export function callModel(options: CallOptions): Promise<CallResult> {
  return options.request.stream ? callStreaming(options) : callOnce(options);
}

/**
 * A non-streaming request, streamed from the vendor and answered whole: the timeout then
 * bounds the time to the first byte (not the whole answer, which for a long answer would
 * count a healthy model as failed), the idle timeout bounds silences, and since nothing
 * reaches the client before the answer is complete, any failure can still fall back.
 */
async function callOnce(o: CallOptions): Promise<CallResult> {
  const started = o.now();
  const params = { ...o.request.body, model: o.target.vendorModelId } as unknown as MessageStreamParams;
  delete (params as { stream?: unknown }).stream;
  let message: Message;
  let requestId: string | null | undefined;
  const idle = new IdleWatch(o.streamIdleTimeoutMs);
  const stream = o.client.messages.stream(params, requestOptions(o, idle));
  try {
    ({ request_id: requestId } = await stream.withResponse());
    idle.rearm();
    message = await stream.finalMessage();
  } catch (err) {
    return { kind: 'failed', latencyMs: o.now() - started, failure: classifyVendorError(cutReason(o, idle) ?? err) };
  } finally {
    idle.stop();
  }
  const latencyMs = o.now() - started;
  const verdict = o.moderator?.check(textOf(message), message.stop_reason);
  if (verdict?.flagged && o.blockFlagged) {
    return { kind: 'failed', latencyMs, verdict, failure: flaggedFailure(verdict) };
  }
  o.sink.sendJson(200, withRequestId(o.headers, requestId ?? null), message);
  return { kind: 'served', latencyMs, usage: toTokenUsage(message.usage), verdict };
}

async function callStreaming(o: CallOptions): Promise<CallResult> {
  const started = o.now();
  const params = {
    ...o.request.body,
    model: o.target.vendorModelId,
    stream: true,
  } as unknown as MessageCreateParamsStreaming;
  const idle = new IdleWatch(o.streamIdleTimeoutMs);
  let events: AsyncIterator<RawMessageStreamEvent>;
  let first: IteratorResult<RawMessageStreamEvent>;
  let requestId: string | null;
  try {
    const { data, response } = await o.client.messages.create(params, requestOptions(o, idle)).withResponse();
    requestId = response.headers.get('request-id');
    idle.rearm();
    events = data[Symbol.asyncIterator]();
    first = await events.next();
    if (first.done) throw cutReason(o, idle) ?? new EmptyStreamError();
  } catch (err) {
    idle.stop();
    return { kind: 'failed', latencyMs: o.now() - started, failure: classifyVendorError(cutReason(o, idle) ?? err) };
  }

  // From here bytes reach the client: a failure ends the stream with an error event.
  const acc = new StreamAccumulator(o.moderator !== undefined, o.now);
  let midStreamFailure: VendorFailure | undefined;
  o.sink.startEvents(withRequestId(o.headers, requestId));
  try {
    let next: IteratorResult<RawMessageStreamEvent> = first;
    while (!next.done) {
      acc.add(next.value);
      o.sink.writeEvent(next.value.type, next.value);
      next = await events.next();
    }
    if (!acc.complete) throw cutReason(o, idle) ?? new IncompleteStreamError();
  } catch (err) {
    midStreamFailure = classifyVendorError(cutReason(o, idle) ?? err);
    // A client that left gets nothing more; anyone else learns that the answer is cut short.
    if (midStreamFailure.category !== 'client-gone') o.sink.writeEvent('error', errorEventBody(midStreamFailure));
  } finally {
    idle.stop();
    o.sink.end();
  }
  const firstTokenAt = acc.firstTokenTime;
  return {
    kind: 'served',
    latencyMs: o.now() - started,
    usage: acc.usage,
    timeToFirstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
    verdict: o.moderator?.check(acc.text, acc.stopReason),
    midStreamFailure,
  };
}

/**
 * The SDK options of one call: its timeout and retries, the signals that may cut it (silence,
 * the client leaving, the deadline), and the tap that feeds the idle watch from the raw bytes.
 */
function requestOptions(o: CallOptions, idle: IdleWatch) {
  return {
    timeout: o.target.timeoutMs,
    maxRetries: o.target.maxRetries,
    headers: o.request.forwardHeaders,
    signal: AbortSignal.any([idle.signal, o.lifetime.signal]),
    ...responseBytesTap(o.client, () => idle.rearm()),
  };
}

/**
 * Why the gateway cut the call, if it did. The SDK reports a cut as an abort, or not at all
 * (an aborted stream just ends), so the cause is taken from the watches that cut it.
 */
function cutReason(o: CallOptions, idle: IdleWatch): Error | undefined {
  return o.lifetime.endedBy ?? (idle.stalled ? new StreamStalledError(o.streamIdleTimeoutMs) : undefined);
}

function errorEventBody(failure: VendorFailure): unknown {
  const body = failure.body as { type?: unknown; error?: unknown } | null;
  return body && body.type === 'error' && body.error
    ? body
    : anthropicErrorBody('api_error', 'The model failed mid-stream.');
}

function flaggedFailure(verdict: ModerationVerdict): VendorFailure {
  return {
    category: 'flagged',
    status: 500,
    body: anthropicErrorBody('api_error', 'The answer was withheld by an output check.'),
    headers: {},
    summary: `moderation: ${verdict.reasons.join(', ')}`,
  };
}

function textOf(message: Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

function withRequestId(headers: Readonly<Record<string, string>>, requestId: string | null): Record<string, string> {
  return requestId ? { ...headers, 'request-id': requestId } : { ...headers };
}
