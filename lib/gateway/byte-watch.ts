import type Anthropic from '@anthropic-ai/sdk';
import type { Middleware } from '@anthropic-ai/sdk';
import type { RequestOptions } from '@anthropic-ai/sdk/internal/request-options';
import type { Cut, CutWatcher } from './cut';
import { CALL_CUT, fetchesWithVendorFetch, isTapped, ON_RESPONSE_BYTES } from './vendor-fetch';

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
 * middleware chain per call, and no SDK signal bookkeeping: see CALL_CUT); any other client
 * gets the tapping middleware and the cut's signal as the SDK's signal.
 */
export function callWatches(
  client: Anthropic,
  onBytes: () => void,
  cut: Cut,
): Pick<RequestOptions, 'fetchOptions' | 'middleware' | 'signal'> {
  if (!fetchesWithVendorFetch(client)) return { middleware: [watchResponseBytes(onBytes)], signal: cut.signal };
  const fetchOptions: NonNullable<RequestOptions['fetchOptions']> = {};
  Object.defineProperty(fetchOptions, ON_RESPONSE_BYTES, { value: onBytes, enumerable: true });
  Object.defineProperty(fetchOptions, CALL_CUT, { value: cut, enumerable: true });
  return { fetchOptions };
}

/**
 * The answer of an SDK call, or the cut's reason as soon as the cut is made. On vendorFetch the
 * SDK does not hold the cut (see callWatches), so it cannot wake from its retry backoff when
 * the client leaves or the deadline passes (a 429's retry-after may be many seconds); the cut
 * then ends the wait here, and the SDK's late attempt meets the cut in vendorFetch and ends at
 * once, without a request.
 */
export function answerUnlessCut(answer: Promise<Response>, cut: Cut): Promise<Response> {
  if (cut.reason) {
    answer.catch(() => undefined);
    return Promise.reject(cut.reason);
  }
  return new Promise<Response>((resolve, reject) => {
    const watcher: CutWatcher = { cutOff: reject };
    cut.watch(watcher);
    answer.then(
      (response) => {
        cut.unwatch(watcher);
        resolve(response);
      },
      (err: unknown) => {
        cut.unwatch(watcher);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
