import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { FAKE_MODEL_IDS } from '../../../fakes/fake-vendor';
import { startHandlerFixture, urlEvent, type HandlerFixture } from './handler-fixture';

/** A Function URL event for `method` `rawPath`?`rawQueryString`, as AWS delivers one (host and proto headers included). */
function requestEvent(method: string, rawPath: string, rawQueryString = '', body?: unknown): LambdaFunctionURLEvent {
  const base = urlEvent(body ?? {}, { host: 'abc.lambda-url.us-east-1.on.aws', 'x-forwarded-proto': 'https' });
  return {
    ...base,
    rawPath,
    rawQueryString,
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path: rawPath } },
    ...(body === undefined ? { body: undefined } : {}),
  };
}

// The pass-through endpoints under the Lambda runtime's real response-streaming code: the query
// string comes from rawQueryString, and a non-JSON body (batch results, JSONL) is piped through
// the response stream with its status and headers in the prelude.
describe('Lambda handler: the API surface beside /v1/messages', () => {
  let f: HandlerFixture;

  beforeAll(async () => {
    f = await startHandlerFixture();
  });

  afterAll(() => f.close());

  it('passes GET /v1/models with its query string through', async () => {
    const { response } = await f.invoke(requestEvent('GET', '/v1/models', 'limit=2'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const page = JSON.parse(response.body) as { data: Array<{ id: string }>; has_more: boolean };
    expect(page.data.map((m) => m.id)).toEqual(FAKE_MODEL_IDS.slice(0, 2));
    expect(page.has_more).toBe(true);
    expect(f.vendor.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', query: 'limit=2' });
  });

  it('rewrites results_url to the Function URL and streams the JSONL results through', async () => {
    const params = { model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] };
    const created = await f.invoke(
      requestEvent('POST', '/v1/messages/batches', '', {
        requests: [
          { custom_id: 'a', params },
          { custom_id: 'b', params },
        ],
      }),
    );
    expect(created.response.statusCode).toBe(200);
    const { id } = JSON.parse(created.response.body) as { id: string };
    f.vendor.endBatches();

    const retrieved = await f.invoke(requestEvent('GET', `/v1/messages/batches/${id}`));
    expect(JSON.parse(retrieved.response.body)).toMatchObject({
      processing_status: 'ended',
      results_url: `https://abc.lambda-url.us-east-1.on.aws/v1/messages/batches/${id}/results`,
    });

    const { response } = await f.invoke(requestEvent('GET', `/v1/messages/batches/${id}/results`));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/binary');
    const lines = response.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { custom_id: string });
    expect(lines.map((l) => l.custom_id)).toEqual(['a', 'b']);
  });

  it("passes the vendor's 404 for an unknown batch through as JSON", async () => {
    const { response } = await f.invoke(requestEvent('GET', '/v1/messages/batches/msgbatch_nope/results'));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
