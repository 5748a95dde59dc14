/**
 * Anthropic's error types (the `error.type` of an error body), so SDK clients raise the
 * right error class for errors the gateway returns itself.
 */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** An error the gateway answers itself, in Anthropic's wire format. */
export class GatewayError extends Error {
  /** Extra response headers (e.g. `Allow` on a 405). */
  public readonly headers: Readonly<Record<string, string>>;

  public constructor(
    public readonly status: number,
    public readonly type: AnthropicErrorType,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'GatewayError';
    this.headers = options?.headers ?? {};
  }

  /** `{"type":"error","error":{"type":...,"message":...}}` */
  public toBody(): AnthropicErrorBody {
    return anthropicErrorBody(this.type, this.message);
  }
}

export interface AnthropicErrorBody {
  readonly type: 'error';
  readonly error: { readonly type: string; readonly message: string };
}

export function anthropicErrorBody(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } };
}

export const badRequest = (message: string): GatewayError => new GatewayError(400, 'invalid_request_error', message);
