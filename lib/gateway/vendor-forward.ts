import type Anthropic from '@anthropic-ai/sdk';
import type { Middleware } from '@anthropic-ai/sdk';
import type { RequestLifetime } from './request-lifetime';
import { classifyVendorError, type VendorFailure } from './vendor-failure';

/** One HTTP call the gateway makes to the vendor on a client's behalf (count_tokens, models, batches). */
export interface VendorForward {
  readonly method: 'get' | 'post' | 'delete';
  readonly path: string;
  /** The client's raw query string (without `?`), sent as is. */
  readonly query: string;
  /** The body to send, as bytes (the client's, or an adapted count_tokens body). */
  readonly body?: Buffer;
  /** Client headers forwarded unchanged (anthropic-beta, anthropic-version). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly lifetime: RequestLifetime;
}

export type ForwardResult =
  | { readonly kind: 'answered'; readonly response: Response }
  | { readonly kind: 'failed'; readonly failure: VendorFailure };

/**
 * Sends one call through the SDK client (its key, base URL and error classes) and returns the
 * vendor's raw answer, body unread: JSON is small and read by the caller, batch results
 * (JSONL, possibly large) are streamed on. No SDK retries: the client's own SDK retries on the
 * vendor's 429/5xx (their `retry-after` and `x-should-retry` headers are passed back), and
 * retrying here too would multiply them; a batch create is not idempotent either.
 */
export async function forwardToVendor(client: Anthropic, f: VendorForward): Promise<ForwardResult> {
  try {
    const response = await client
      .request({
        method: f.method,
        path: f.path,
        ...(f.body ? { body: f.body } : {}),
        headers: { ...f.headers, ...(f.body ? { 'content-type': 'application/json' } : {}) },
        maxRetries: 0,
        timeout: f.timeoutMs,
        signal: f.lifetime.signal,
        middleware: [exactQuery(f.query)],
        __binaryResponse: true,
      })
      .asResponse();
    return { kind: 'answered', response };
  } catch (err) {
    return { kind: 'failed', failure: classifyVendorError(f.lifetime.endedBy ?? err) };
  }
}

/**
 * The client's query string, byte for byte: the SDK would re-encode a query given as an object
 * (repeated keys such as `lifecycle` collapse), so the URL is set just before the fetch.
 */
function exactQuery(query: string): Middleware {
  return (request, next) => {
    const url = new URL(request.url);
    url.search = query;
    return next({ ...request, url: url.toString() });
  };
}
