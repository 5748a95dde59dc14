import { finished } from 'node:stream/promises';
import { lambdaSink } from '../../../lambda/gateway/lambda-adapter';
import type { ResponseSink } from '../../../lib/gateway/response-sink';
import { startLambdaRuntime, type LambdaRuntime } from '../../helpers/lambda-runtime/lambda-runtime';

// lambdaSink on the runtime's real response stream: every way the gateway can answer must reach
// the Function URL with its status and headers, i.e. with the metadata prelude in front.
describe('lambdaSink on the Lambda runtime response stream', () => {
  let runtime: LambdaRuntime;

  beforeAll(async () => {
    runtime = await startLambdaRuntime();
  });

  afterAll(() => runtime.close());

  /** What the Function URL answers when the gateway does `answer` on a lambdaSink, as handler.ts wires it. */
  async function answered(answer: (sink: ResponseSink) => void) {
    const handler = awslambda.streamifyResponse(async (_event: unknown, stream) => {
      answer(lambdaSink(stream, (s, metadata) => awslambda.HttpResponseStream.from(s, metadata)));
      await finished(stream);
    });
    return (await runtime.invoke(handler, {})).response;
  }

  it('sends a JSON answer with its status and headers', async () => {
    const response = await answered((sink) => sink.sendJson(404, { 'x-a': 'b' }, { type: 'error' }));
    expect(response).toEqual({
      statusCode: 404,
      headers: { 'x-a': 'b', 'content-type': 'application/json' },
      cookies: [],
      body: '{"type":"error"}',
    });
  });

  it('streams server-sent events behind a 200 event-stream prelude', async () => {
    const response = await answered((sink) => {
      sink.startEvents({ 'x-a': 'b' });
      sink.writeEvent('ping', { type: 'ping' });
      sink.writeEvent('message_stop', { type: 'message_stop' });
      sink.end();
    });
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'x-a': 'b', 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      cookies: [],
      body: 'event: ping\ndata: {"type":"ping"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
    });
  });

  it('still sends the event-stream prelude when the stream ends before any event', async () => {
    const response = await answered((sink) => {
      sink.startEvents({});
      sink.end();
    });
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      cookies: [],
      body: '',
    });
  });
});
