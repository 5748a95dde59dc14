import Anthropic from '@anthropic-ai/sdk';
import { ClientGoneError, DeadlineExceededError } from '../../../lib/gateway/request-lifetime';
import { IncompleteStreamError } from '../../../lib/gateway/stream-errors';
import { classifyVendorError, type VendorFailure } from '../../../lib/gateway/vendor-failure';

/** Text only the vendor wrote: it may reach the client in the body, never the summary (logs). */
const VENDOR_TEXT = 'VENDOR-SECRET-TEXT prompt: tell me about user 42';

function vendorBody(type: string): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type, message: VENDOR_TEXT } };
}

function vendorHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({
    'request-id': 'req_011CV',
    'content-type': 'application/json',
    'anthropic-organization-id': 'org-1',
    ...extra,
  });
}

function expectNoVendorText(failure: VendorFailure): void {
  expect(failure.summary).not.toContain('VENDOR-SECRET-TEXT');
  expect(failure.summary).not.toContain('prompt');
  expect(failure.summary).not.toContain('user 42');
}

describe('classifyVendorError', () => {
  it('429 RateLimitError → throttle, status and body passed through, retry-after and request-id kept', () => {
    const body = vendorBody('rate_limit_error');
    const err = new Anthropic.RateLimitError(429, body, undefined, vendorHeaders({ 'retry-after': '17' }));
    const failure = classifyVendorError(err);
    expect(failure).toEqual<VendorFailure>({
      category: 'throttle',
      status: 429,
      body,
      headers: { 'retry-after': '17', 'request-id': 'req_011CV' },
      summary: 'RateLimitError 429',
    });
    expectNoVendorText(failure);
  });

  it('500 InternalServerError → model-error', () => {
    const body = vendorBody('api_error');
    const failure = classifyVendorError(new Anthropic.InternalServerError(500, body, undefined, vendorHeaders()));
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status: 500,
      body,
      headers: { 'request-id': 'req_011CV' },
      summary: 'InternalServerError 500',
    });
    expectNoVendorText(failure);
  });

  it.each([
    [529, 'overloaded_error', 'OverloadedError'],
    [503, 'api_error', 'ServiceUnavailableError'],
    [502, 'api_error', 'InternalServerError'],
    [504, 'api_error', 'GatewayTimeoutError'],
  ])('%p (APIError.generate) → model-error, status kept', (status, type, className) => {
    const body = vendorBody(type);
    const err = Anthropic.APIError.generate(
      status,
      body,
      undefined,
      vendorHeaders({ 'retry-after': '3', 'x-should-retry': 'true' }),
    );
    expect(err.constructor.name).toBe(className);
    const failure = classifyVendorError(err);
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status,
      body,
      headers: { 'retry-after': '3', 'request-id': 'req_011CV', 'x-should-retry': 'true' },
      summary: `${className} ${status}`,
    });
    expectNoVendorText(failure);
  });

  it.each([
    [401, 'authentication_error', 'AuthenticationError'],
    [403, 'permission_error', 'PermissionDeniedError'],
  ])(
    "%p (APIError.generate) → credential: the gateway's own key failed, answered as a 502 api_error of the gateway's own",
    (status, type, className) => {
      const err = Anthropic.APIError.generate(status, vendorBody(type), undefined, vendorHeaders());
      expect(err.constructor.name).toBe(className);
      const failure = classifyVendorError(err);
      expect(failure).toEqual<VendorFailure>({
        category: 'credential',
        status: 502,
        body: { type: 'error', error: { type: 'api_error', message: expect.any(String) as string } },
        headers: {},
        summary: `${className} ${status}`,
        // kept for the gateway to tell the key from the new model's access (the default model decides)
        refusal: { status, errorType: type },
      });
      expect(JSON.stringify(failure)).not.toContain('VENDOR-SECRET-TEXT');
    },
  );

  it.each([
    [400, 'invalid_request_error', 'BadRequestError'],
    [404, 'not_found_error', 'NotFoundError'],
    [413, 'request_too_large', 'ContentTooLargeError'],
  ])('%p (APIError.generate) → client-error, passed through as is', (status, type, className) => {
    const body = vendorBody(type);
    const err = Anthropic.APIError.generate(status, body, undefined, vendorHeaders());
    expect(err.constructor.name).toBe(className);
    const failure = classifyVendorError(err);
    expect(failure).toEqual<VendorFailure>({
      category: 'client-error',
      status,
      body,
      headers: { 'request-id': 'req_011CV' },
      summary: `${className} ${status}`,
      refusal: { status, errorType: type },
    });
    expectNoVendorText(failure);
  });

  it("a refusal's error type is the body's error.type when it is a short snake_case word, else unknown_error (metric cardinality)", () => {
    const typed = (type: unknown) =>
      classifyVendorError(
        Anthropic.APIError.generate(
          400,
          { type: 'error', error: { type, message: VENDOR_TEXT } },
          undefined,
          vendorHeaders(),
        ),
      ).refusal;
    expect(typed('invalid_request_error')).toEqual({ status: 400, errorType: 'invalid_request_error' });
    expect(typed(VENDOR_TEXT)).toEqual({ status: 400, errorType: 'unknown_error' });
    expect(typed(undefined)).toEqual({ status: 400, errorType: 'unknown_error' });
    expect(classifyVendorError(Anthropic.APIError.generate(400, undefined, 'html', vendorHeaders())).refusal).toEqual({
      status: 400,
      errorType: 'unknown_error',
    });
    // not a refusal: a throttle or a model error is no request the new model cannot take
    expect(
      classifyVendorError(Anthropic.APIError.generate(429, vendorBody('rate_limit_error'), undefined, vendorHeaders()))
        .refusal,
    ).toBeUndefined();
    expect(
      classifyVendorError(Anthropic.APIError.generate(529, vendorBody('overloaded_error'), undefined, vendorHeaders()))
        .refusal,
    ).toBeUndefined();
  });

  it('drops every header but retry-after, request-id and x-should-retry', () => {
    const err = Anthropic.APIError.generate(
      429,
      vendorBody('rate_limit_error'),
      undefined,
      vendorHeaders({ 'set-cookie': 'a=b', 'anthropic-ratelimit-requests-remaining': '0' }),
    );
    expect(Object.keys(classifyVendorError(err).headers).sort()).toEqual(['request-id']);
  });

  it('an error without a JSON body gets an Anthropic error body', () => {
    const err = Anthropic.APIError.generate(502, undefined, '<html>bad gateway</html>', new Headers());
    const failure = classifyVendorError(err);
    expect(failure.category).toBe('model-error');
    expect(failure.status).toBe(502);
    expect(failure.body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(failure.headers).toEqual({});
    expect(failure.summary).not.toContain('bad gateway');
  });

  it("APIConnectionError → model-error 502 with the gateway's own message", () => {
    const err = new Anthropic.APIConnectionError({
      message: VENDOR_TEXT,
      cause: new Error(`connect ECONNREFUSED ${VENDOR_TEXT}`),
    });
    const failure = classifyVendorError(err);
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status: 502,
      body: { type: 'error', error: { type: 'api_error', message: expect.any(String) as string } },
      headers: {},
      summary: 'APIConnectionError',
    });
    expect(JSON.stringify(failure)).not.toContain('VENDOR-SECRET-TEXT');
  });

  it('APIConnectionError from APIError.generate without a status → model-error 502', () => {
    const failure = classifyVendorError(
      Anthropic.APIError.generate(undefined, new Error('socket hang up'), undefined, undefined),
    );
    expect(failure.category).toBe('model-error');
    expect(failure.status).toBe(502);
  });

  it('APIConnectionTimeoutError → model-error 504', () => {
    const failure = classifyVendorError(new Anthropic.APIConnectionTimeoutError({ message: VENDOR_TEXT }));
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status: 504,
      body: { type: 'error', error: { type: 'api_error', message: expect.any(String) as string } },
      headers: {},
      summary: 'APIConnectionTimeoutError',
    });
    expect(JSON.stringify(failure)).not.toContain('VENDOR-SECRET-TEXT');
  });

  it("APIUserAbortError (the gateway's own timeout aborting the call) → model-error 504", () => {
    const failure = classifyVendorError(new Anthropic.APIUserAbortError());
    expect(failure).toMatchObject({ category: 'model-error', status: 504, headers: {}, summary: 'APIUserAbortError' });
  });

  it('an APIError without a status (an SSE error event inside a 200 stream) → model-error 500, vendor body kept', () => {
    const body = vendorBody('overloaded_error');
    // As the SDK's Stream throws it for `event: error`.
    const err = new Anthropic.APIError(undefined, body, undefined, vendorHeaders(), 'overloaded_error');
    const failure = classifyVendorError(err);
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status: 500,
      body,
      headers: { 'request-id': 'req_011CV' },
      summary: 'APIError (stream error event)',
    });
    expectNoVendorText(failure);
  });

  it('a plain Error → model-error 500 with a generic body; the summary names only the class', () => {
    const failure = classifyVendorError(new TypeError(VENDOR_TEXT));
    expect(failure).toEqual<VendorFailure>({
      category: 'model-error',
      status: 500,
      body: { type: 'error', error: { type: 'api_error', message: expect.any(String) as string } },
      headers: {},
      summary: 'TypeError',
    });
    expect(JSON.stringify(failure)).not.toContain('VENDOR-SECRET-TEXT');
  });

  it('a thrown non-Error → model-error 500', () => {
    expect(classifyVendorError(VENDOR_TEXT)).toMatchObject({ category: 'model-error', status: 500, summary: 'string' });
    expect(classifyVendorError(undefined)).toMatchObject({
      category: 'model-error',
      status: 500,
      summary: 'undefined',
    });
  });

  it("every status ≥ 500 is a model error, 429 a throttle, 401/403 the gateway's credential, and any other 4xx a client error", () => {
    for (let status = 400; status < 600; status++) {
      const failure = classifyVendorError(
        Anthropic.APIError.generate(status, vendorBody('x'), undefined, new Headers()),
      );
      const credential = status === 401 || status === 403;
      const expected = credential
        ? 'credential'
        : status === 429
          ? 'throttle'
          : status >= 500
            ? 'model-error'
            : 'client-error';
      expect([status, failure.category]).toEqual([status, expected]);
      expect(failure.status).toBe(credential ? 502 : status);
      expectNoVendorText(failure);
    }
  });

  it("the request's deadline → deadline 504; the client leaving → client-gone", () => {
    expect(classifyVendorError(new DeadlineExceededError())).toMatchObject({
      category: 'deadline',
      status: 504,
      body: { type: 'error', error: { type: 'api_error' } },
      summary: 'DeadlineExceededError',
    });
    expect(classifyVendorError(new ClientGoneError())).toMatchObject({
      category: 'client-gone',
      summary: 'ClientGoneError',
    });
  });

  it('a stream that ended without message_stop → model-error', () => {
    expect(classifyVendorError(new IncompleteStreamError())).toMatchObject({
      category: 'model-error',
      status: 502,
      summary: 'IncompleteStreamError',
    });
  });
});
