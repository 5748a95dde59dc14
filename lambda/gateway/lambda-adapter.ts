import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { GatewayHttpRequest } from '../../lib/gateway/messages-request';
import { Cut } from '../../lib/gateway/cut';
import { ClientGoneError, type RequestLimits } from '../../lib/gateway/request-lifetime';
import { formatEvent, type ResponseSink } from '../../lib/gateway/response-sink';

/** `awslambda.HttpResponseStream.from`: attaches status and headers, which the runtime sends on the stream's first `write()`. */
export type ResponseStreamFactory = (
  stream: Writable,
  metadata: { statusCode: number; headers: Record<string, string> },
) => Writable;

export function toGatewayRequest(event: LambdaFunctionURLEvent): GatewayHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body =
    event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString,
    headers,
    body,
  };
}

/**
 * Writes the gateway's answer to a Lambda response stream (Function URL, RESPONSE_STREAM).
 *
 * The runtime's `HttpResponseStream.from` sends its metadata prelude (status and headers) only
 * from inside the stream's first `write()`; `end(chunk)` bypasses it. An answer without the
 * prelude reaches the Function URL as an invalid response, and the client gets a 502 (upstream
 * issue aws/aws-lambda-nodejs-runtime-interface-client#97). So every answer is written with
 * `write()` and then ended with a bare `end()`.
 */
export function lambdaSink(responseStream: Writable, from: ResponseStreamFactory): ResponseSink {
  let stream: Writable | undefined;
  let wrote = false;
  return {
    sendJson: (status, headers, body) => {
      const out = from(responseStream, {
        statusCode: status,
        headers: { ...headers, 'content-type': 'application/json' },
      });
      out.write(JSON.stringify(body));
      out.end();
    },
    startEvents: (headers) => {
      stream = from(responseStream, {
        statusCode: 200,
        headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      });
    },
    writeEvent: (type, data) => {
      wrote = true;
      stream?.write(formatEvent(type, data));
    },
    writeEvents: (text) => {
      wrote = true;
      stream?.write(text);
    },
    end: () => {
      // An event stream that ends before its first event still owes the client its 200 and
      // headers: an empty write sends the prelude.
      if (stream && !wrote) stream.write('');
      stream?.end();
    },
    pipeBody: async (status, headers, body) => {
      const out = from(responseStream, { statusCode: status, headers: { ...headers } });
      // The prelude goes out on the first write(); an empty body would otherwise end without it.
      out.write('');
      await pipeline(Readable.fromWeb(body), out);
    },
  };
}

/**
 * The limits of one invocation: the answer must be over `marginMs` before the Lambda timeout
 * (`remainingMs` is `context.getRemainingTimeInMillis()`), so the gateway still has time to end
 * it with an error, log it and meter it, instead of Lambda killing it mid-sentence with no trace;
 * and the request is over for the client when the response stream closes, or fails, before it
 * finished. Lambda does not close it when a Function URL client disconnects (a streamed response
 * is not interrupted then, as AWS documents): this fires only when the runtime's own stream to the
 * Runtime API fails; `rollout serve` is where a client's leaving stops the call.
 */
export function invocationLimits(
  responseStream: Writable,
  remainingMs: number,
  marginMs: number,
  now: number = Date.now(),
): Required<RequestLimits> {
  return { deadline: now + remainingMs - marginMs, clientGone: closedEarly(responseStream) };
}

function closedEarly(stream: Writable): Cut<ClientGoneError> {
  const gone = new Cut<ClientGoneError>();
  const onClose = (): void => {
    if (!stream.writableFinished) gone.cut(new ClientGoneError());
  };
  stream.once('close', onClose);
  stream.once('error', onClose);
  return gone;
}
