/**
 * Runs streaming Lambda handlers in-process with the Node.js runtime's own response-streaming code
 * (aws-lambda-ric 4.0.2, vendored in ./aws-lambda-ric: its README says why and from where), against
 * a fake Runtime API, and answers with what the Function URL would send its client.
 *
 * A stub `awslambda` that records `HttpResponseStream.from(...)` metadata eagerly hides how the
 * runtime really behaves: `from` writes its prelude only on the first `write()`, so
 * `stream.end(body)` alone reaches the Function URL without status or headers, a 502.
 */
import type { Context, StreamifyHandler } from 'aws-lambda';
import { setupGlobals, UserFunctionLoader } from './aws-lambda-ric/globals';
import { LifecycleManager, RAPIDClient, StreamingInvokeProcessor } from './aws-lambda-ric/streaming-invoke';
import { startFakeRuntimeApi, type PostedResponse } from './fake-runtime-api';
import { decodeFunctionUrlResponse, type FunctionUrlResponse } from './function-url-response';

export interface Invocation {
  /** What the Function URL's client gets. */
  readonly response: FunctionUrlResponse;
  /** What the runtime POSTed to the Runtime API. */
  readonly posted: PostedResponse;
}

export interface LambdaRuntime {
  /** One invocation, as the runtime runs it: resolves once the response is fully posted. */
  invoke<TEvent>(handler: StreamifyHandler<TEvent, unknown>, event: TEvent): Promise<Invocation>;
  close(): Promise<void>;
}

/**
 * Installs the runtime's `globalThis.awslambda` (streamifyResponse, HttpResponseStream). The
 * runtime does this before it loads the function, so call it before importing a handler module
 * that calls `awslambda.streamifyResponse` at load time. startLambdaRuntime calls it too.
 */
export function installAwsLambdaGlobal(): void {
  setupGlobals();
}

/** Long enough for the fake vendor, short enough to fail well inside Jest's timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

export async function startLambdaRuntime(options: { timeoutMs?: number } = {}): Promise<LambdaRuntime> {
  installAwsLambdaGlobal();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const api = await startFakeRuntimeApi();
  // One client, one keep-alive connection, reused by every invocation: as in a warm environment.
  const client = new RAPIDClient(api.hostPort);
  const lifecycle = LifecycleManager.create(client);
  let invocations = 0;

  return {
    async invoke(handler, event) {
      const metadata = UserFunctionLoader.getHandlerMetadata(handler);
      // Without the marker the runtime would call the handler buffered, with no response stream.
      if (!metadata.streaming) throw new Error('handler is not wrapped in awslambda.streamifyResponse');
      invocations += 1;
      const requestId = `invocation-${invocations}`;
      const processor = new StreamingInvokeProcessor(handler, lifecycle, metadata);
      const posted = api.response(requestId);
      // Done when the runtime has read the Runtime API's answer and its one socket is free again,
      // which is when the real runtime asks for the next invocation. (processInvoke alone does not
      // wait for that answer when the handler failed.) Invocations therefore run one at a time.
      const released = new Promise<void>((resolve) => client.agent.once('free', () => resolve()));
      await withTimeout(
        Promise.all([processor.processInvoke(contextFor(requestId, timeoutMs), event), posted, released]),
        timeoutMs,
        requestId,
      );
      const received = await posted;
      return { response: decodeFunctionUrlResponse(received), posted: received };
    },
    async close() {
      client.agent.destroy();
      await api.close();
    },
  };
}

/** Lambda ends an invocation that outlives its timeout; here the test fails instead of hanging. */
async function withTimeout<T>(work: Promise<T>, ms: number, requestId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`${requestId} did not finish its response within ${ms} ms (the handler never ended the stream?)`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function contextFor(requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'model-gateway',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:model-gateway',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/model-gateway',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
