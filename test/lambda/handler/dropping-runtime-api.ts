/**
 * A Runtime API that drops the runtime's response connection once the streamed body contains
 * `dropAfter`, the way the function sees a response whose reader went away: the runtime's
 * response stream (an http.ClientRequest) fails and closes before the handler ended it. Driven
 * with the vendored runtime code (aws-lambda-ric), as lambda-runtime.ts does.
 *
 * It answers before it drops the connection: the runtime keeps a promise for the answer's
 * headers that nothing awaits, and a connection lost before any answer rejects it unhandled
 * (which fails a Jest test, and would stop the real runtime), hiding what the gateway did.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Context, StreamifyHandler } from 'aws-lambda';
import { UserFunctionLoader } from '../../helpers/lambda-runtime/aws-lambda-ric/globals';
import {
  LifecycleManager,
  RAPIDClient,
  StreamingInvokeProcessor,
} from '../../helpers/lambda-runtime/aws-lambda-ric/streaming-invoke';

export interface DroppingRuntime {
  /**
   * Starts one invocation and resolves when the connection has been dropped. The invocation
   * itself is left to finish (or not) on its own: nobody is reading its answer.
   */
  invokeUntilDropped<TEvent>(handler: StreamifyHandler<TEvent, unknown>, event: TEvent): Promise<void>;
  close(): Promise<void>;
}

export async function startDroppingRuntime(dropAfter: string, timeoutMs: number): Promise<DroppingRuntime> {
  const sockets = new Set<Socket>();
  let onDropped: () => void = () => undefined;
  const server = http.createServer((req, res) => {
    let received = '';
    let answered = false;
    req.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (!answered && received.includes(dropAfter)) {
        answered = true;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"status":"OK"}', () => {
          req.socket.destroy();
          onDropped();
        });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const client = new RAPIDClient(`127.0.0.1:${port}`);
  const lifecycle = LifecycleManager.create(client);
  return {
    invokeUntilDropped(handler, event) {
      const dropped = new Promise<void>((resolve) => {
        onDropped = resolve;
      });
      const processor = new StreamingInvokeProcessor(
        handler,
        lifecycle,
        UserFunctionLoader.getHandlerMetadata(handler),
      );
      void processor.processInvoke(contextFor(timeoutMs), event);
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.agent.destroy();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function contextFor(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'model-gateway',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:model-gateway',
    memoryLimitInMB: '1024',
    awsRequestId: 'dropped-invocation',
    logGroupName: '/aws/lambda/model-gateway',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
