import type Anthropic from '@anthropic-ai/sdk';
import type { Middleware } from '@anthropic-ai/sdk';
import type { RequestOptions } from '@anthropic-ai/sdk/internal/request-options';
import { CUT_SIGNAL, fetchesWithVendorFetch, isTapped, ON_RESPONSE_BYTES } from './vendor-fetch';

/**
 * SDK middleware that calls `onBytes` for every chunk of the response body, as it arrives off
 * the wire. The SDK parses the stream into events and drops `ping` ones, which the vendor sends
 * to keep a quiet stream alive: an idle watch fed by events alone would cut a healthy stream
 * that is only pinging. The body is passed on unchanged (a tap, not a reader), so the SDK still
 * parses it, and an abort still reaches the SDK as an abort.
 *
 * With the gateway's own fetch (vendor-fetch.ts) the tap is its data handler, handed over on
 * the request; with any other fetch the body is piped through a tapping TransformStream.
 */
export function watchResponseBytes(onBytes: () => void): Middleware {
  return async (request, next) => {
    const response = await next({ ...request, [ON_RESPONSE_BYTES]: onBytes } as typeof request);
    if (!response.body || isTapped(response)) return response;
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes();
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(tap), response);
  };
}

/**
 * The request options that feed `onBytes` from the raw body of one call made with `client`,
 * and let `cut` abort it: a client on vendorFetch takes both on the request itself (no SDK
 * middleware chain per call, and no SDK signal bookkeeping: see CUT_SIGNAL); any other client
 * gets the tapping middleware and `cut` as the SDK's signal.
 */
export function callWatches(
  client: Anthropic,
  onBytes: () => void,
  cut: AbortSignal,
): Pick<RequestOptions, 'fetchOptions' | 'middleware' | 'signal'> {
  if (!fetchesWithVendorFetch(client)) return { middleware: [watchResponseBytes(onBytes)], signal: cut };
  const fetchOptions: NonNullable<RequestOptions['fetchOptions']> = {};
  Object.defineProperty(fetchOptions, ON_RESPONSE_BYTES, { value: onBytes, enumerable: true });
  Object.defineProperty(fetchOptions, CUT_SIGNAL, { value: cut, enumerable: true });
  return { fetchOptions };
}

/**
 * The answer of an SDK call, or the cut's reason as soon as `cut` aborts. On vendorFetch the
 * SDK does not hold the cut (see callWatches), so it cannot wake from its retry backoff when
 * the client leaves or the deadline passes (a 429's retry-after may be many seconds); the cut
 * then ends the wait here, and the SDK's late attempt meets the cut in vendorFetch and ends at
 * once, without a request.
 */
export function answerUnlessCut(answer: Promise<Response>, cut: AbortSignal): Promise<Response> {
  if (cut.aborted) {
    answer.catch(() => undefined);
    return Promise.reject(cutReasonOf(cut));
  }
  return new Promise<Response>((resolve, reject) => {
    const onCut = (): void => reject(cutReasonOf(cut));
    cut.addEventListener('abort', onCut, { once: true });
    answer.then(
      (response) => {
        cut.removeEventListener('abort', onCut);
        resolve(response);
      },
      (err: unknown) => {
        cut.removeEventListener('abort', onCut);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function cutReasonOf(cut: AbortSignal): Error {
  const reason: unknown = cut.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
