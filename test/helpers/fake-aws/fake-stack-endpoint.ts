import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsErrorReply } from './error-replies';
import type { FakeCloudFormation } from './fake-cloudformation';
import { s3Error, type FakeS3 } from './fake-s3';
import { parseQuery, queryError } from './query-protocol';
import type { Reply } from './reply';

export interface StackEndpointRequest {
  readonly service: 'cloudformation' | 's3';
  readonly operation: string;
  /** CloudFormation: the decoded form fields. S3: the path and the headers that matter. */
  readonly input: Readonly<Record<string, string>>;
  readonly status: number;
  readonly requestId: string;
}

export interface FakeStackEndpoint {
  /** Point AWS_ENDPOINT_URL_CLOUDFORMATION and AWS_ENDPOINT_URL_S3 here. */
  readonly url: string;
  readonly requests: readonly StackEndpointRequest[];
  count(operation: string): number;
  /** The next `times` requests for `operation` (every one by default) answer `error`. */
  fail(operation: string, error: AwsErrorReply, times?: number): void;
  close(): Promise<void>;
}

export interface FakeStackEndpointOptions {
  readonly cloudformation: FakeCloudFormation;
  readonly s3: FakeS3;
  /** The fake's clock, for what it stamps (LastUpdatedTime). @default real time */
  readonly now?: () => Date;
  /** Called with each request before its answer is sent: lets a test change the world in between (someone else deploying). */
  readonly onAnswered?: (request: StackEndpointRequest) => void;
}

/**
 * CloudFormation (AWS Query: POST / with a form body) and S3 (REST, path-style) behind one local
 * endpoint. Unsigned requests are refused as AWS refuses them; every answer carries the request
 * id header the SDK reports as `$metadata.requestId` (x-amzn-RequestId for CloudFormation,
 * x-amz-request-id for S3).
 */
export function startFakeStackEndpoint(options: FakeStackEndpointOptions): Promise<FakeStackEndpoint> {
  const requests: StackEndpointRequest[] = [];
  const faults = new Map<string, { error: AwsErrorReply; remaining: number }>();
  const now = options.now ?? (() => new Date());

  const takeFault = (operation: string): AwsErrorReply | undefined => {
    const fault = faults.get(operation);
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining -= 1;
    return fault.error;
  };

  const answer = (
    req: IncomingMessage,
    body: Buffer,
    requestId: string,
  ): { record: Omit<StackEndpointRequest, 'status' | 'requestId'>; reply: Reply } => {
    const contentType = req.headers['content-type'] ?? '';
    if (req.method === 'POST' && req.url === '/' && contentType.startsWith('application/x-www-form-urlencoded')) {
      const input = parseQuery(body.toString('utf8'));
      const operation = input.get('Action') ?? '';
      const record = { service: 'cloudformation' as const, operation, input: Object.fromEntries(input) };
      if (!req.headers.authorization) return { record, reply: queryError(MISSING_AUTHENTICATION, requestId) };
      if (input.get('Version') !== '2010-05-15')
        return {
          record,
          reply: queryError(
            { status: 400, code: 'InvalidParameterValue', message: 'Version must be 2010-05-15', fault: 'Sender' },
            requestId,
          ),
        };
      const fault = takeFault(operation);
      return {
        record,
        reply: fault ? queryError(fault, requestId) : options.cloudformation.handle(operation, input, requestId, now()),
      };
    }
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    const headers = headersOf(req);
    const s3Request = { method: req.method ?? '', path, headers, body };
    const operation = options.s3.operationOf(s3Request);
    const record = {
      service: 's3' as const,
      operation,
      input: {
        path,
        'content-type': headers['content-type'] ?? '',
        'x-amz-expected-bucket-owner': headers['x-amz-expected-bucket-owner'] ?? '',
      },
    };
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(headers.host ?? '')) {
      // A virtual-hosted request (bucket.127.0.0.1) never resolves; say so if one gets here.
      return {
        record,
        reply: s3Error(
          {
            status: 400,
            code: 'InvalidRequest',
            message: `fake S3 answers path-style requests only (Host ${headers.host ?? ''})`,
            fault: 'Sender',
          },
          requestId,
        ),
      };
    }
    if (!headers.authorization)
      return {
        record,
        reply: s3Error(
          { ...MISSING_AUTHENTICATION, code: 'AccessDenied', message: 'Anonymous access is forbidden' },
          requestId,
        ),
      };
    const fault = takeFault(operation);
    return { record, reply: fault ? s3Error(fault, requestId) : options.s3.handle(s3Request, requestId) };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const requestId = randomUUID();
      const { record, reply } = answer(req, Buffer.concat(chunks), requestId);
      const recorded = { ...record, status: reply.status, requestId };
      requests.push(recorded);
      options.onAnswered?.(recorded);
      const idHeader = record.service === 's3' ? 'x-amz-request-id' : 'x-amzn-RequestId';
      res.writeHead(reply.status, { ...reply.headers, [idHeader]: requestId });
      res.end(reply.body);
    });
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        count: (operation) => requests.filter((r) => r.operation === operation).length,
        fail: (operation, error, times = Number.POSITIVE_INFINITY) => {
          faults.set(operation, { error, remaining: times });
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** AWS's answer to a request without a signature (CloudFormation API Reference, Common Errors). */
const MISSING_AUTHENTICATION: AwsErrorReply = {
  status: 403,
  code: 'MissingAuthenticationToken',
  message: 'Request is missing Authentication Token',
  fault: 'Sender',
};

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(',') : value;
  return out;
}
