import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json10QueryCompatibleError, restJsonError, type AwsErrorReply } from './error-replies';
import type { FakeAppConfig } from './fake-appconfig';
import type { FakeCloudWatch } from './fake-cloudwatch';
import { SSM_TARGET, ssmError, type FakeSsm } from './fake-ssm';
import { parseInput, type Input, type Reply } from './reply';

/** CloudWatch's JSON 1.0 operations arrive as POST / with `x-amz-target: <this>.<Operation>`. */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801';

export interface RecordedRequest {
  readonly service: 'cloudwatch' | 'appconfig' | 'ssm';
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly input: Input;
  /** Request headers, lower-case (AllowRevert travels as Allow-Revert). */
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  /** The x-amzn-requestid the fake answered with (the SDK reports it as `$metadata.requestId`). */
  readonly requestId: string;
}

export interface FakeAws {
  /** Point AWS_ENDPOINT_URL_APPCONFIG, AWS_ENDPOINT_URL_CLOUDWATCH (and AWS_ENDPOINT_URL_SSM, with `ssm`) here. */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Requests made for one operation (retries included: every attempt is a request). */
  count(operation: string): number;
  /** The next `times` requests for `operation` (every one by default) answer `error`. */
  fail(operation: string, error: AwsErrorReply, times?: number): void;
  /**
   * Runs `hook` as the next `times` requests for `operation` arrive (once by default), before the
   * fake answers them: how a test makes something else happen between two calls of the code
   * under test (AppConfig's monitor acting, another on-call's kill switch).
   */
  onRequest(operation: string, hook: () => void, times?: number): void;
  /** The next `times` requests for `operation` (every one by default) are answered `ms` late: a slow or hung service. */
  delay(operation: string, ms: number, times?: number): void;
  close(): Promise<void>;
}

export interface FakeAwsOptions {
  readonly appconfig: FakeAppConfig;
  readonly cloudwatch: FakeCloudWatch;
  /** SSM Parameter Store (JSON 1.1, `x-amz-target: AmazonSSM.<Operation>`), when the code under test reads it. */
  readonly ssm?: FakeSsm;
  /** The fake's clock: what it stamps, and what deployments progress on. @default real time */
  readonly now?: () => Date;
}

/**
 * AppConfig and CloudWatch (and SSM, when given) behind one local HTTP endpoint. Every answer
 * carries an x-amzn-requestid, as AWS's do; errors are encoded the way each service's protocol encodes
 * them, so the SDK parses them into the same exceptions (name, $fault, $metadata) as real ones.
 */
export function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, { error: AwsErrorReply; remaining: number }>();
  const hooks = new Map<string, { hook: () => void; remaining: number }>();
  const delays = new Map<string, { ms: number; remaining: number }>();
  const delayOf = (operation: string): number => {
    const d = delays.get(operation);
    if (!d || d.remaining <= 0) return 0;
    d.remaining -= 1;
    return d.ms;
  };
  const runHook = (operation: string): void => {
    const h = hooks.get(operation);
    if (!h || h.remaining <= 0) return;
    h.remaining -= 1;
    h.hook();
  };
  const now = options.now ?? (() => new Date());

  const answer = (
    req: IncomingMessage,
    body: string,
  ): { record: Omit<RecordedRequest, 'status' | 'requestId'>; reply: Reply } => {
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0] ?? '';
    const input = parseInput(body);
    const target = headerOf(req, 'x-amz-target');
    const route = options.appconfig.route(method, path);
    const ssmOperation = target?.startsWith(`${SSM_TARGET}.`) ? target.slice(SSM_TARGET.length + 1) : undefined;
    runHook(
      target?.startsWith(`${CLOUDWATCH_TARGET}.`)
        ? target.slice(CLOUDWATCH_TARGET.length + 1)
        : (ssmOperation ?? route?.operation ?? `${method} ${path}`),
    );
    const at = now();
    // Deployments move on before anything else is answered: a change to an alarm's actions
    // must not reach back to a deployment the monitor had already rolled back.
    options.appconfig.advance(at);
    if (ssmOperation !== undefined) {
      const fault = takeFault(ssmOperation);
      const reply = fault
        ? ssmError(fault)
        : options.ssm
          ? options.ssm.handle(ssmOperation, input, at)
          : ssmError({
              status: 400,
              code: 'UnknownOperationException',
              message: 'fake AWS has no SSM',
              fault: 'Sender',
            });
      return {
        record: { service: 'ssm', operation: ssmOperation, method, path, input, headers: headersOf(req) },
        reply,
      };
    }
    if (target?.startsWith(`${CLOUDWATCH_TARGET}.`)) {
      const operation = target.slice(CLOUDWATCH_TARGET.length + 1);
      const fault = takeFault(operation);
      const reply = fault ? json10QueryCompatibleError(fault) : options.cloudwatch.handle(operation, input, at);
      return { record: { service: 'cloudwatch', operation, method, path, input, headers: headersOf(req) }, reply };
    }
    const operation = route?.operation ?? `${method} ${path}`;
    const fault = takeFault(operation);
    const reply = fault
      ? restJsonError(fault)
      : route
        ? options.appconfig.handle(route, input, at, headersOf(req))
        : restJsonError({
            status: 404,
            code: 'UnknownOperationException',
            message: `fake AWS has no ${method} ${path}`,
            fault: 'Sender',
          });
    return { record: { service: 'appconfig', operation, method, path, input, headers: headersOf(req) }, reply };
  };

  const takeFault = (operation: string): AwsErrorReply | undefined => {
    const fault = faults.get(operation);
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining -= 1;
    return fault.error;
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const requestId = randomUUID();
      const { record, reply } = answer(req, body);
      requests.push({ ...record, status: reply.status, requestId });
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { ...reply.headers, 'x-amzn-requestid': requestId });
        res.end(reply.body);
      };
      const ms = delayOf(record.operation);
      if (ms > 0) setTimeout(send, ms).unref();
      else send();
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
        onRequest: (operation, hook, times = 1) => {
          hooks.set(operation, { hook, remaining: times });
        },
        delay: (operation, ms, times = Number.POSITIVE_INFINITY) => {
          delays.set(operation, { ms, remaining: times });
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

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first;
  }
  return out;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
