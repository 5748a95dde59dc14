/**
 * A fake AWS Secrets Manager on 127.0.0.1 (ephemeral port), for the tests and the cold-start
 * benchmark: the code under test reaches it through AWS_ENDPOINT_URL_SECRETS_MANAGER (or an SDK
 * client's `endpoint`). GetSecretValue only, in the service's JSON 1.1 protocol (POST /,
 * `x-amz-target: secretsmanager.GetSecretValue`, `content-type: application/x-amz-json-1.1`),
 * answered as the Secrets Manager API Reference documents it:
 * - every request's SigV4 signature is checked as received (fakes/sigv4-verify.ts) against the
 *   credentials the fake was given, for the region it was given and the service `secretsmanager`;
 * - a secret is found by its name or its ARN; a string secret answers `SecretString`, a binary
 *   one `SecretBinary` (base64) and no `SecretString`; an unknown id, stage or version answers
 *   ResourceNotFoundException (400);
 * - errors are `{"__type": "...", "message": "..."}` with the status the Common Errors and
 *   GetSecretValue pages give (client errors 400, InternalServiceError 500), and every answer
 *   carries an x-amzn-requestid.
 * Tests make the next calls fail (`fail`, `respond`), answer late (`delay`) or lose their
 * connection (`drop`). Node built-ins and the SDK's signer only.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifySigV4, type FakeCredentials } from './sigv4-verify';

export type { FakeCredentials } from './sigv4-verify';

const TARGET = 'secretsmanager.GetSecretValue';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '123456789012';

/** The credentials the fake accepts unless told otherwise. */
export const FAKE_SECRETS_MANAGER_CREDENTIALS: FakeCredentials = {
  accessKeyId: 'AKIDFAKESECRETSMANAGER',
  secretAccessKey: 'fake-secrets-manager-secret-access-key',
  sessionToken: 'fake-secrets-manager-session-token',
};

/**
 * Statuses from the Secrets Manager API Reference (Common Errors, GetSecretValue); a code not
 * listed answers 400, as client errors do.
 */
const DOCUMENTED_STATUS: Readonly<Record<string, number>> = {
  InternalServiceError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

export interface FakeSecretsManagerOptions {
  /** The access keys whose signatures it accepts. @default [FAKE_SECRETS_MANAGER_CREDENTIALS] */
  readonly credentials?: readonly FakeCredentials[];
  /** The region requests must be signed for, and the one in ARNs. @default us-east-1 */
  readonly region?: string;
  /** The clock the signature's date must be within 5 minutes of. @default real time */
  readonly now?: () => Date;
}

export interface SecretsManagerRequest {
  /** x-amz-target as received. */
  readonly target?: string;
  /** The SecretId asked for, when the body had one. */
  readonly secretId?: string;
  /** The body as received. */
  readonly body: string;
  /** Request headers, lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The Authorization header's SignedHeaders, as sent (empty when there was none). */
  readonly signedHeaders: readonly string[];
  /** The credential's scope, `YYYYMMDD/region/service/aws4_request`. */
  readonly credentialScope?: string;
  readonly accessKeyId?: string;
  /** The signature check passed. */
  readonly signatureValid: boolean;
  /** 0 when the fake closed the connection instead of answering (`drop`). */
  readonly status: number;
  /** The error code answered (`__type`, or x-amzn-errortype), when it was an error. */
  readonly errorCode?: string;
  readonly requestId: string;
}

export interface FailOptions {
  /** @default the documented status of `code` (400 for client errors) */
  readonly status?: number;
  /** How many GetSecretValue calls it answers. @default 1 */
  readonly times?: number;
  readonly message?: string;
  /** Only calls for this SecretId (name or ARN, as sent). @default any */
  readonly secretId?: string;
  /**
   * Put the code in the x-amzn-errortype header (with the `:http://internal.amazon.com/…` suffix
   * some AWS front ends add) and only `message` in the body, as some front ends answer.
   */
  readonly viaHeader?: boolean;
}

/** An answer given as is, e.g. a load balancer's plain-text 503. */
export interface RawReply {
  readonly status: number;
  /** A list is sent as that many header lines (a header repeated by a front end). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
}

export interface FakeSecretsManager {
  readonly url: string;
  /** Every request received, in order (refused ones and retries included). */
  readonly requests: readonly SecretsManagerRequest[];
  /** Secret ids of the GetSecretValue calls answered 200, in order. */
  readonly reads: readonly string[];
  /** TCP connections accepted so far (keep-alive reuses one). */
  connections(): number;
  /** GetSecretValue requests received (every attempt; for one SecretId as sent, when given). */
  count(secretId?: string): number;
  /** Stores a secret's current value (AWSCURRENT) under a name or an ARN: a string, or bytes for a binary secret. */
  set(secretId: string, value: string | Uint8Array): void;
  /** The next `times` GetSecretValue calls (that pass the signature check) answer error `code`. */
  fail(code: string, options?: FailOptions): void;
  /** The next `times` GetSecretValue calls (that pass the signature check) get `reply` as is. */
  respond(reply: RawReply, times?: number): void;
  /** The next `times` requests are answered `ms` late (a slow or hung service). */
  delay(ms: number, times?: number): void;
  /**
   * The next `times` requests get no answer: the connection is closed as they arrive, as a
   * kept-alive connection the service closed while the client was away (a frozen Lambda) fails.
   */
  drop(times?: number): void;
  /** Ends every pending `fail`, `respond`, `delay` and `drop`: the service is well again. */
  clearFaults(): void;
  /** Closes the server and every open connection, hung ones included. */
  close(): Promise<void>;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly value: string | Uint8Array;
  readonly versionId: string;
  readonly createdDate: number;
}

type Fault = { remaining: number; secretId?: string; reply: () => Reply };

interface Reply {
  readonly status: number;
  /** A list is sent as that many header lines. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
  readonly errorCode?: string;
}

export function startFakeSecretsManager(
  secrets: Readonly<Record<string, string | Uint8Array>> = {},
  options: FakeSecretsManagerOptions = {},
): Promise<FakeSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? [FAKE_SECRETS_MANAGER_CREDENTIALS];
  const now = options.now ?? (() => new Date());
  const requests: SecretsManagerRequest[] = [];
  const reads: string[] = [];
  const stored = new Map<string, Secret>();
  const faults: Fault[] = [];
  const delays: { ms: number; remaining: number }[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let drops = 0;

  const set = (secretId: string, value: string | Uint8Array): void => {
    const prior = stored.get(secretId);
    for (const key of [prior?.name, prior?.arn]) if (key) stored.delete(key);
    const isArn = secretId.startsWith('arn:');
    // An ARN ends in the name and a 6-character suffix Secrets Manager adds.
    const name = isArn ? secretId.slice(secretId.indexOf(':secret:') + 8).replace(/-[A-Za-z0-9]{6}$/, '') : secretId;
    const arn = isArn ? secretId : `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${randomSuffix()}`;
    const secret: Secret = { name, arn, value, versionId: randomUUID(), createdDate: Date.now() / 1000 };
    stored.set(name, secret);
    stored.set(arn, secret);
  };
  for (const [id, value] of Object.entries(secrets)) set(id, value);

  const takeFault = (secretId: string | undefined): Fault | undefined => {
    const fault = faults.find((f) => f.remaining > 0 && (f.secretId === undefined || f.secretId === secretId));
    if (fault) fault.remaining -= 1;
    return fault;
  };
  const takeDelay = (): number => {
    const d = delays.find((x) => x.remaining > 0);
    if (!d) return 0;
    d.remaining -= 1;
    return d.ms;
  };

  const answer = async (
    req: http.IncomingMessage,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ reply: Reply; record: Omit<SecretsManagerRequest, 'status' | 'errorCode' | 'requestId'> }> => {
    const text = body.toString('utf8');
    const input = parseObject(text);
    const secretId = typeof input?.SecretId === 'string' ? input.SecretId : undefined;
    const outcome = await verifySigV4(
      { method: req.method ?? '', target: req.url ?? '/', headers, body },
      { region, service: 'secretsmanager', credentials, now: now() },
    );
    const record = {
      target: headers['x-amz-target'],
      secretId,
      body: text,
      headers,
      signedHeaders: outcome.claim.signedHeaders,
      credentialScope: outcome.claim.credentialScope,
      accessKeyId: outcome.claim.accessKeyId,
      signatureValid: outcome.ok,
    };
    if (drops > 0) {
      drops -= 1;
      return { record, reply: DROPPED };
    }
    if (!outcome.ok) {
      const { status, code, message } = outcome.refusal;
      return { record, reply: jsonError(status, code, message) };
    }
    if (req.method !== 'POST' || headers['x-amz-target'] !== TARGET)
      return {
        record,
        reply: jsonError(400, 'UnknownOperationException', `Unknown operation ${headers['x-amz-target'] ?? '(none)'}`),
      };
    if (input === undefined) return { record, reply: jsonError(400, 'SerializationException', 'Malformed JSON body') };
    if (secretId === undefined || secretId.length < 1 || secretId.length > 2048)
      return {
        record,
        reply: jsonError(
          400,
          'ValidationException',
          "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length between 1 and 2048",
        ),
      };
    const fault = takeFault(secretId);
    if (fault) return { record, reply: fault.reply() };
    const secret = stored.get(secretId);
    if (!secret)
      return {
        record,
        reply: jsonError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      };
    const stage = input?.VersionStage;
    if (stage !== undefined && stage !== 'AWSCURRENT')
      return {
        record,
        reply: jsonError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${JSON.stringify(stage)}`,
        ),
      };
    const versionId = input?.VersionId;
    if (versionId !== undefined && versionId !== secret.versionId)
      return {
        record,
        reply: jsonError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${JSON.stringify(versionId)}`,
        ),
      };
    reads.push(secretId);
    return {
      record,
      reply: {
        status: 200,
        headers: { 'content-type': CONTENT_TYPE },
        body: JSON.stringify({
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          ...(typeof secret.value === 'string'
            ? { SecretString: secret.value }
            : { SecretBinary: Buffer.from(secret.value).toString('base64') }),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate,
        }),
      },
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const requestId = randomUUID();
      const headers = headersOf(req);
      void answer(req, headers, Buffer.concat(chunks)).then(({ reply, record }) => {
        requests.push({ ...record, status: reply.status, errorCode: reply.errorCode, requestId });
        if (reply === DROPPED) {
          req.socket.destroy();
          return;
        }
        const send = (): void => {
          if (res.destroyed) return;
          res.writeHead(reply.status, {
            ...reply.headers,
            'content-length': String(Buffer.byteLength(reply.body)),
            'x-amzn-requestid': requestId,
            // The service's clock: what an SDK corrects its own by when a signature is refused as skewed.
            date: now().toUTCString(),
          });
          res.end(reply.body);
        };
        const ms = takeDelay();
        if (ms > 0) setTimeout(send, ms).unref();
        else send();
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let closing: Promise<void> | undefined;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        reads,
        connections: () => connections,
        count: (secretId) =>
          requests.filter((r) => r.target === TARGET && (secretId === undefined || r.secretId === secretId)).length,
        set,
        fail: (code, o = {}) => {
          const status = o.status ?? DOCUMENTED_STATUS[code] ?? 400;
          const message = o.message ?? `${code} (fake Secrets Manager)`;
          faults.push({
            remaining: o.times ?? 1,
            secretId: o.secretId,
            reply: () =>
              o.viaHeader
                ? {
                    status,
                    headers: {
                      'content-type': CONTENT_TYPE,
                      'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/`,
                    },
                    body: JSON.stringify({ message }),
                    errorCode: code,
                  }
                : jsonError(status, code, message),
          });
        },
        respond: (reply, times = 1) => {
          faults.push({ remaining: times, reply: () => ({ headers: {}, ...reply }) });
        },
        delay: (ms, times = 1) => {
          delays.push({ ms, remaining: times });
        },
        drop: (times = 1) => {
          drops += times;
        },
        clearFaults: () => {
          faults.length = 0;
          delays.length = 0;
          drops = 0;
        },
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          })),
      });
    });
  });
}

/** Not an answer: the connection is closed instead. */
const DROPPED: Reply = { status: 0, headers: {}, body: '' };

function jsonError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE },
    body: JSON.stringify({ __type: code, message }),
    errorCode: code,
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 6 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}
