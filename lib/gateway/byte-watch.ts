import type { Middleware } from '@anthropic-ai/sdk';

/**
 * SDK middleware that calls `onBytes` for every chunk of the response body, as it arrives off
 * the wire. The SDK parses the stream into events and drops `ping` ones, which the vendor sends
 * to keep a quiet stream alive: an idle watch fed by events alone would cut a healthy stream
 * that is only pinging. The body is passed on unchanged (a tap, not a reader), so the SDK still
 * parses it, and an abort still reaches the SDK as an abort.
 */
export function watchResponseBytes(onBytes: () => void): Middleware {
  return async (request, next) => {
    const response = await next(request);
    if (!response.body) return response;
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes();
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(tap), response);
  };
}
