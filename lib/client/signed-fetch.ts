import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';

export interface SignedFetchOptions {
  /** The gateway's region (its Function URL host names it too). */
  readonly region: string;
  /** @default - the AWS SDK's default credential provider chain */
  readonly credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * A `fetch` that signs each request with SigV4 for a Lambda Function URL with AWS_IAM auth
 * (service `lambda`, payload hash included), for the Anthropic SDK:
 *
 * @example
 * import Anthropic from '@anthropic-ai/sdk';
 * const client = new Anthropic({
 *   baseURL: 'https://abc.lambda-url.us-east-1.on.aws',
 *   apiKey: 'unused', // the vendor key stays in the gateway
 *   fetch: createSignedFetch({ region: 'us-east-1' }),
 * });
 */
export function createSignedFetch(options: SignedFetchOptions): typeof fetch {
  const signer = new SignatureV4({
    service: 'lambda',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  const send = options.fetch ?? globalThis.fetch;

  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const body = await bodyText(init?.body ?? (input instanceof Request ? await input.text() : undefined));
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((value, name) => {
      // Sent by the SDK but meaningless to the gateway; not signing them keeps proxies free to add or drop them.
      if (name !== 'x-api-key' && name !== 'authorization' && name !== 'connection') headers[name] = value;
    });
    headers.host = url.host;
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    return send(url, { ...init, method, headers: signed.headers as Record<string, string>, body });
  };
}

async function bodyText(body: unknown): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (body instanceof Blob) return body.text();
  throw new TypeError('createSignedFetch can only sign string or byte bodies (SigV4 needs the payload hash up front).');
}
