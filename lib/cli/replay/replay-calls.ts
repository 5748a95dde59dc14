import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import type { MessagesBody } from '../../gateway/messages-request';

/** What one replayed call came back with: the shape of the answer, never its text. */
export type CallOutcome =
  | {
      readonly kind: 'accepted';
      readonly latencyMs: number;
      /** Content block types in order (e.g. ["thinking", "text"]). */
      readonly blocks: readonly string[];
      readonly stopReason: string | null;
      readonly inputTokens: number;
      readonly outputTokens: number;
    }
  | {
      /** A 4xx other than 429: the model will not take this request. */
      readonly kind: 'refused';
      readonly latencyMs: number;
      readonly status: number;
      readonly errorType: string;
      /** The vendor's message; shown only with --show-bodies. */
      readonly message?: string;
    }
  | {
      /** 429, 5xx, a timeout or no connection: says nothing about the request. */
      readonly kind: 'error';
      readonly latencyMs: number;
      readonly status?: number;
      readonly errorType: string;
    };

const CALL_TIMEOUT_MS = 120_000;

/** One non-streaming call of `body` to `vendorModelId`; never throws for a vendor answer. */
export async function replayCall(
  client: Anthropic,
  vendorModelId: string,
  body: MessagesBody,
  now: () => number = Date.now,
): Promise<CallOutcome> {
  const started = now();
  const params = {
    ...body,
    model: vendorModelId,
    stream: false,
  } as unknown as Anthropic.MessageCreateParamsNonStreaming;
  try {
    const message: Message = await client.messages.create(params, { timeout: CALL_TIMEOUT_MS, maxRetries: 0 });
    return {
      kind: 'accepted',
      latencyMs: now() - started,
      blocks: message.content.map((b) => b.type),
      stopReason: message.stop_reason,
      inputTokens: message.usage.input_tokens,
      outputTokens: message.usage.output_tokens,
    };
  } catch (err) {
    const latencyMs = now() - started;
    // `instanceof` on the generic class narrows to APIError<any, any, any>; this keeps the SDK's types.
    const apiError: APIError | undefined = err instanceof APIError ? err : undefined;
    if (apiError?.status !== undefined) {
      const type: unknown = apiError.type;
      const errorType = typeof type === 'string' ? type : 'unknown_error';
      const status: number = apiError.status;
      if (status >= 400 && status < 500 && status !== 429) {
        return { kind: 'refused', latencyMs, status, errorType, message: apiError.apiMessage ?? undefined };
      }
      return { kind: 'error', latencyMs, status, errorType };
    }
    if (err instanceof APIConnectionError) return { kind: 'error', latencyMs, errorType: err.constructor.name };
    throw err;
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight; results in item order. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
