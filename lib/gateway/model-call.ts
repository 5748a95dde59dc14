import type Anthropic from '@anthropic-ai/sdk';
import type { APIError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { MessageAssembly } from './message-assembly';
import { vendorEvents, type VendorEvent } from './vendor-events';
import type { MessagesRequest } from './messages-request';
import type { ModerationVerdict, OutputModerator } from './moderation';
import type { ResponseSink } from './response-sink';
import type { CallTarget } from './routing';
import { StreamAccumulator } from './stream-accumulator';
import { toTokenUsage, type TokenUsage } from './usage';
import { answerUnlessCut, callWatches } from './byte-watch';
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
 * reaches the client before the answer is complete, any failure can still fall back. The
 * SDK makes the call; its events are added up here (message-assembly.ts) rather than by
 * MessageStream, which cost about a fifth of a request's CPU (docs/BENCHMARKS.md).
 */
async function callOnce(o: CallOptions): Promise<CallResult> {
  const started = o.now();
  const idle = new IdleWatch(o.streamIdleTimeoutMs, o.lifetime);
  let message: Message;
  let requestId: string | null;
  try {
    const response = await vendorAnswer(o, idle);
    requestId = response.headers.get('request-id');
    idle.rearm();
    const assembly = new MessageAssembly();
    for await (const batch of vendorEvents(response)) {
      for (const item of batch) {
        if (item.kind === 'error') throw item.error;
        if (item.kind === 'message') assembly.add(item.event);
      }
    }
    message = assembly.message ?? throwError(cutReason(o, idle) ?? new IncompleteStreamError());
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
  o.sink.sendJson(200, withRequestId(o.headers, requestId), message);
  return { kind: 'served', latencyMs, usage: toTokenUsage(message.usage), verdict };
}

/**
 * A streaming request: the vendor's events are passed on as they came (pings aside), a write
 * per chunk read, while the gateway follows them for usage, the stop reason and the text. Up
 * to the answer's first event a failure still falls back.
 */
async function callStreaming(o: CallOptions): Promise<CallResult> {
  const started = o.now();
  const idle = new IdleWatch(o.streamIdleTimeoutMs, o.lifetime);
  let batches: AsyncGenerator<readonly VendorEvent[], void> | undefined;
  let first: VendorEvent[] = [];
  let requestId: string | null;
  try {
    const response = await vendorAnswer(o, idle);
    requestId = response.headers.get('request-id');
    idle.rearm();
    batches = vendorEvents(response);
    for (let answered = false; !answered;) {
      const next = await batches.next();
      if (next.done) throw cutReason(o, idle) ?? new EmptyStreamError();
      first = [...first, ...next.value];
      const opening = next.value.find((item) => item.kind !== 'skipped');
      if (opening?.kind === 'error') throw opening.error;
      answered = opening !== undefined;
    }
  } catch (err) {
    idle.stop();
    void batches?.return(undefined);
    return { kind: 'failed', latencyMs: o.now() - started, failure: classifyVendorError(cutReason(o, idle) ?? err) };
  }

  // From here bytes reach the client: a failure ends the stream with an error event.
  const acc = new StreamAccumulator(o.moderator !== undefined, o.now);
  let midStreamFailure: VendorFailure | undefined;
  // The vendor's own error event, once passed on, tells the client already.
  let errorPassedOn = false;
  o.sink.startEvents(withRequestId(o.headers, requestId));
  try {
    let next: IteratorResult<readonly VendorEvent[], void> = { done: false, value: first };
    for (; !next.done; next = await batches.next()) {
      const vendorError = relay(next.value, acc, o.sink);
      if (vendorError) {
        errorPassedOn = true;
        throw vendorError;
      }
    }
    if (!acc.complete) throw cutReason(o, idle) ?? new IncompleteStreamError();
  } catch (err) {
    midStreamFailure = classifyVendorError(cutReason(o, idle) ?? err);
    // A client that left gets nothing more; anyone else learns that the answer is cut short.
    if (midStreamFailure.category !== 'client-gone' && !errorPassedOn)
      o.sink.writeEvent('error', errorEventBody(midStreamFailure));
  } finally {
    idle.stop();
    void batches.return(undefined);
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
 * Passes one chunk's events to the client in one write, following each; stops at the vendor's
 * error event (passed on too, as the client would get it from the vendor) and returns its error.
 */
function relay(batch: readonly VendorEvent[], acc: StreamAccumulator, sink: ResponseSink): APIError | undefined {
  let text = '';
  let vendorError: APIError | undefined;
  for (const item of batch) {
    // Pings and comments stay between the vendor and the gateway, as with the SDK's stream.
    if (item.kind === 'skipped') continue;
    text += item.raw;
    if (item.kind === 'message') acc.add(item.event);
    else {
      vendorError = item.error;
      break;
    }
  }
  if (text) sink.writeEvents(text);
  return vendorError;
}

/** The request's body for the vendor: the target's model id, streamed (see callOnce). */
function streamingParams(o: CallOptions): MessageCreateParamsStreaming {
  return { ...o.request.body, model: o.target.vendorModelId, stream: true } as unknown as MessageCreateParamsStreaming;
}

function throwError(err: Error): never {
  throw err;
}

/** The vendor's answer to the call (a 200 stream; the SDK raises anything else), or the cut. */
function vendorAnswer(o: CallOptions, idle: IdleWatch): Promise<Response> {
  const call = o.client.messages.create(streamingParams(o), requestOptions(o, idle)).asResponse();
  return answerUnlessCut(call, idle.cut);
}

/**
 * The SDK options of one call: its timeout and retries, the cut that may end it (silence, the
 * client leaving, the deadline), and the tap that feeds the idle watch from the raw bytes.
 */
function requestOptions(o: CallOptions, idle: IdleWatch) {
  return {
    timeout: o.target.timeoutMs,
    maxRetries: o.target.maxRetries,
    headers: o.request.forwardHeaders,
    ...callWatches(o.client, () => idle.rearm(), idle.cut),
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
