import { startLambdaRuntime, type LambdaRuntime } from '../../helpers/lambda-runtime/lambda-runtime';
import { METADATA_PRELUDE_CONTENT_TYPE } from '../../helpers/lambda-runtime/function-url-response';

// The harness itself: the runtime's streaming code, what it puts on the wire, and how the
// Function URL reads that. Handlers here are minimal, written the ways the runtime's users do.
describe('Lambda runtime harness (aws-lambda-ric 4.0.2 response streaming, Function URL decoding)', () => {
  let runtime: LambdaRuntime;

  beforeAll(async () => {
    runtime = await startLambdaRuntime();
  });

  afterAll(() => runtime.close());

  it('posts a streamed response to the Runtime API, and the prelude written on first write() gives status and headers', async () => {
    const handler = awslambda.streamifyResponse(async (_event: unknown, stream) => {
      const out = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-a': 'b' } });
      out.write('hello ');
      out.end('world');
    });
    const { response, posted } = await runtime.invoke(handler, {});
    expect(posted.headers).toMatchObject({
      'lambda-runtime-function-response-mode': 'streaming',
      'transfer-encoding': 'chunked',
      'content-type': METADATA_PRELUDE_CONTENT_TYPE,
    });
    expect(posted.body.toString('latin1')).toBe(`{"statusCode":201,"headers":{"x-a":"b"}}${'\0'.repeat(8)}hello world`);
    expect(response).toEqual({ statusCode: 201, headers: { 'x-a': 'b' }, cookies: [], body: 'hello world' });
  });

  it('answers 502 when HttpResponseStream.from is followed by end(body) alone: no write(), so no prelude (upstream issue #97)', async () => {
    const handler = awslambda.streamifyResponse(async (_event: unknown, stream) => {
      awslambda.HttpResponseStream.from(stream, { statusCode: 404, headers: {} }).end('Not Found');
    });
    const { response, posted } = await runtime.invoke(handler, {});
    expect(posted.headers['content-type']).toBe(METADATA_PRELUDE_CONTENT_TYPE);
    expect(posted.body.toString()).toBe('Not Found');
    expect(response).toMatchObject({ statusCode: 502, failure: expect.stringMatching(/no metadata prelude/) });
  });

  it('answers 200 with the stream content type when the handler never calls HttpResponseStream.from', async () => {
    const handler = awslambda.streamifyResponse(async (_event: unknown, stream) => {
      stream.setContentType('text/plain');
      stream.end('plain');
    });
    const { response } = await runtime.invoke(handler, {});
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      cookies: [],
      body: 'plain',
    });
  });

  it('answers 502 when the handler throws before writing, reported in the runtime error trailers', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const handler = awslambda.streamifyResponse(async () => {
        throw new TypeError('boom');
      });
      const { response, posted } = await runtime.invoke(handler, {});
      expect(posted.trailers['lambda-runtime-function-error-type']).toBe('TypeError');
      expect(response).toMatchObject({ statusCode: 502, failure: 'the function failed: TypeError' });
      expect(logged).toHaveBeenCalledWith('Invoke Error', expect.any(TypeError));
    } finally {
      logged.mockRestore();
    }
  });

  it('refuses a handler that is not wrapped in streamifyResponse (the runtime would not stream it)', async () => {
    await expect(runtime.invoke(async () => undefined, {})).rejects.toThrow(/streamifyResponse/);
  });
});
