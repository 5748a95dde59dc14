import type { Writable } from 'node:stream';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { GatewayHttpRequest } from './messages-request';
import { formatEvent, type ResponseSink } from './response-sink';

/** `awslambda.HttpResponseStream.from`: attaches status and headers to the response stream. */
export type ResponseStreamFactory = (stream: Writable, metadata: { statusCode: number; headers: Record<string, string> }) => Writable;

export function toGatewayRequest(event: LambdaFunctionURLEvent): GatewayHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return { method: event.requestContext.http.method, path: event.rawPath, headers, body };
}

/** Writes the gateway's answer to a Lambda response stream (Function URL, RESPONSE_STREAM). */
export function lambdaSink(responseStream: Writable, from: ResponseStreamFactory): ResponseSink {
  let stream: Writable | undefined;
  return {
    sendJson: (status, headers, body) => {
      const out = from(responseStream, { statusCode: status, headers: { ...headers, 'content-type': 'application/json' } });
      out.end(JSON.stringify(body));
    },
    startEvents: (headers) => {
      stream = from(responseStream, { statusCode: 200, headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    },
    writeEvent: (type, data) => {
      stream?.write(formatEvent(type, data));
    },
    end: () => {
      stream?.end();
    },
  };
}
