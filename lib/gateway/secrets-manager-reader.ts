import * as http from 'node:http';
import * as https from 'node:https';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Reads secret values from AWS Secrets Manager with one call, GetSecretValue, in the service's
 * JSON 1.1 protocol, signed by the AWS SDK's own SigV4 signer (`@smithy/signature-v4`), over
 * node:https.
 *
 * Why not `SecretsManagerClient`: loading the client and making its first call was about half
 * of the gateway's cold start (module load ~100 ms, first call ~45 ms beside a bare handler's
 * ~160 ms in all, `npm run bench`); this reader costs a few milliseconds. It keeps what the
 * SDK's standard retry mode does for this one call: up to 3 attempts, full-jitter exponential
 * backoff (its 2026 defaults: 50 ms base, 1 s for throttling, 20 s cap), retrying throttling,
 * 5xx and network errors; and it adds what the SDK leaves unset, a time limit per attempt. Left
 * out, deliberately: the SDK's retry quota (a token bucket that matters for many calls, not two
 * per execution environment), clock-skew correction (Lambda keeps its clock in sync), and the
 * `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` variables.
 */

/** The role's credentials, as Lambda puts them in the function's environment. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SecretsManagerReaderOptions {
  /** The region the secrets are in (the signature's scope). */
  readonly region: string;
  /** The service endpoint, e.g. `https://secretsmanager.us-east-1.amazonaws.com`. */
  readonly endpoint: string;
  /** Called for each attempt (a rotated credential is picked up at the next call). */
  readonly credentials: () => AwsCredentials;
  /** @default 3 (the AWS SDK's standard retry mode) */
  readonly maxAttempts?: number;
  /** Time limit for one attempt, from connecting to the last byte of the answer. @default 3000 */
  readonly attemptTimeoutMs?: number;
  /** Backoff base before the second attempt, doubled after each. @default 50 */
  readonly backoffBaseMs?: number;
  /** The same after a throttling answer. @default 1000 */
  readonly throttlingBackoffBaseMs?: number;
}

/**
 * Secrets Manager refused the call or could not be reached. `code` is the service's error code
 * (`ResourceNotFoundException`, `AccessDeniedException`, `ThrottlingException`, …) or, when
 * there was no answer, `TimeoutError` or the socket's code (`ECONNREFUSED`, …).
 */
export class SecretsManagerError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
    /** The answer's HTTP status; undefined when there was none. */
    public readonly status?: number,
    options?: ErrorOptions,
    /** The call failed on a reused kept-alive socket the other end had closed. */
    public readonly staleSocket = false,
  ) {
    super(message, options);
    this.name = 'SecretsManagerError';
  }
}

/** The AWS SDK's throttling error codes (its standard retry mode retries them with a longer backoff). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
/** Answers and socket failures the AWS SDK's standard retry mode treats as transient. */
const TRANSIENT_CODES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const MAX_BACKOFF_MS = 20_000;

type Retry = 'no' | 'transient' | 'throttling';

function retryKind(err: SecretsManagerError): Retry {
  if (err.status === 429 || THROTTLING_CODES.has(err.code)) return 'throttling';
  if (TRANSIENT_CODES.has(err.code) || (err.status !== undefined && TRANSIENT_STATUSES.has(err.status)))
    return 'transient';
  return 'no';
}

export class SecretsManagerReader {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly agent: http.Agent;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly throttlingBackoffBaseMs: number;

  public constructor(options: SecretsManagerReaderOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:')
      throw new TypeError(`Secrets Manager endpoint ${options.endpoint} is not an http(s) URL.`);
    const credentials = options.credentials;
    this.signer = new SignatureV4({
      service: 'secretsmanager',
      region: options.region,
      credentials: () => Promise.resolve(credentials()),
      sha256: Hash.bind(null, 'sha256'),
    });
    // Kept alive: the gateway reads its two secrets one after the other at its first request.
    this.agent =
      this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.maxAttempts = options.maxAttempts ?? 3;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 3000;
    this.backoffBaseMs = options.backoffBaseMs ?? 50;
    this.throttlingBackoffBaseMs = options.throttlingBackoffBaseMs ?? 1000;
  }

  /** The secret's `SecretString`; undefined for a binary secret. */
  public async getSecretString(secretId: string): Promise<string | undefined> {
    const body = JSON.stringify({ SecretId: secretId });
    let staleRetried = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body).then(
        (answer) => ({ answer }),
        (err: unknown) => ({ err: toSecretsManagerError(err) }),
      );
      if ('answer' in outcome) return outcome.answer.SecretString;
      // A kept-alive socket the service closed while Lambda had the environment frozen fails
      // when reused: tried again at once on a new one, without spending an attempt (once).
      if (outcome.err.staleSocket && !staleRetried) {
        staleRetried = true;
        attempt--;
        continue;
      }
      const retry = retryKind(outcome.err);
      if (retry === 'no' || attempt >= this.maxAttempts) throw outcome.err;
      const base = retry === 'throttling' ? this.throttlingBackoffBaseMs : this.backoffBaseMs;
      await sleep(Math.floor(Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1))));
    }
  }

  /** Closes the kept-alive connection (tests). */
  public destroy(): void {
    this.agent.destroy();
  }

  private async attempt(body: string): Promise<{ SecretString?: string }> {
    const url = this.url;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body,
    });
    const transport = url.protocol === 'https:' ? https : http;
    const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>(
      (resolve, reject) => {
        const request = transport.request(
          {
            method: 'POST',
            hostname: url.hostname,
            port: url.port || undefined,
            path: url.pathname,
            headers: signed.headers,
            agent: this.agent,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        const timer = setTimeout(
          () =>
            request.destroy(
              new SecretsManagerError(
                'TimeoutError',
                `No answer from Secrets Manager within ${this.attemptTimeoutMs} ms`,
              ),
            ),
          this.attemptTimeoutMs,
        );
        request.on('close', () => clearTimeout(timer));
        request.on('error', (err: NodeJS.ErrnoException) => {
          const stale = request.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
          reject(stale ? toSecretsManagerError(err, true) : err);
        });
        request.end(body);
      },
    );
    const parsed = parseJson(answer.text);
    if (answer.status === 200 && parsed)
      return { SecretString: typeof parsed.SecretString === 'string' ? parsed.SecretString : undefined };
    throw errorOfAnswer(answer.status, answer.headers, parsed);
  }
}

/**
 * Reads the reader's settings from a Lambda function's environment: `AWS_REGION` and the role's
 * credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), all set by
 * Lambda, and the endpoint from `AWS_ENDPOINT_URL_SECRETS_MANAGER` (the AWS SDKs' own variable
 * for it; ModelGateway sets it to the region's endpoint).
 */
export function secretsManagerReaderFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  options: Pick<
    SecretsManagerReaderOptions,
    'maxAttempts' | 'attemptTimeoutMs' | 'backoffBaseMs' | 'throttlingBackoffBaseMs'
  > = {},
): SecretsManagerReader {
  const region = env.AWS_REGION;
  if (!region) throw new TypeError('AWS_REGION is not set; Lambda sets it to the function’s region.');
  const endpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  if (!endpoint)
    throw new TypeError(
      'AWS_ENDPOINT_URL_SECRETS_MANAGER is not set; set it to the Secrets Manager endpoint (https://secretsmanager.REGION.amazonaws.com).',
    );
  // The SDK's FIPS switch cannot apply to an endpoint given outright (the SDK refuses the pair
  // too); rather than read secrets off a non-FIPS endpoint unnoticed, refuse to start.
  if (
    env.AWS_USE_FIPS_ENDPOINT?.toLowerCase() === 'true' &&
    !new URL(endpoint).hostname.startsWith('secretsmanager-fips.')
  )
    throw new TypeError(
      `AWS_USE_FIPS_ENDPOINT is true but AWS_ENDPOINT_URL_SECRETS_MANAGER is ${endpoint}; set it to the FIPS endpoint (https://secretsmanager-fips.${region}.amazonaws.com).`,
    );
  return new SecretsManagerReader({
    ...options,
    region,
    endpoint,
    credentials: () => {
      const accessKeyId = env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey)
        throw new SecretsManagerError(
          'CredentialsNotFound',
          'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; Lambda sets them to the execution role’s credentials.',
        );
      return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
    },
  });
}

/**
 * The error code and message of a JSON 1.1 error answer, as the AWS SDK reads them. Only the
 * answer's own `message` field is copied, never its body: a 200 cut short would carry the
 * secret itself into an error message, and from there perhaps into a log.
 */
function errorOfAnswer(
  status: number,
  headers: http.IncomingHttpHeaders,
  body: Record<string, unknown> | undefined,
): SecretsManagerError {
  // The SDK's JSON RPC order (loadJsonRpcErrorCode): the body's __type, then `code`, then the header.
  const header = headers['x-amzn-errortype'];
  const raw =
    stringField(body, '__type') ??
    stringField(body, 'code') ??
    (typeof header === 'string' ? header : undefined) ??
    (status === 200 ? 'InvalidResponse' : `HTTP ${status}`);
  // "A, A" (a repeated header) → "A"; "aws.protocoltests#ThrottlingException:http://…" → "ThrottlingException"
  const code = raw.split(',')[0]!.split(':')[0]!.split('#').pop()!;
  const message =
    status === 200
      ? 'the answer is not a JSON object'
      : (stringField(body, 'message') ?? stringField(body, 'Message') ?? `HTTP ${status}`);
  return new SecretsManagerError(code, `${code}: ${message}`, status);
}

function toSecretsManagerError(err: unknown, staleSocket = false): SecretsManagerError {
  if (err instanceof SecretsManagerError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'NetworkError';
  return new SecretsManagerError(
    code,
    `Secrets Manager could not be reached: ${(err as Error).message}`,
    undefined,
    { cause: err },
    staleSocket,
  );
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  return typeof value === 'string' && value ? value : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
