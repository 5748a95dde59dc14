// Types for the vendored streaming-invoke.js (this project's, not aws-lambda-ric's).
import type { Agent } from 'node:http';
import type { Context, StreamifyHandler } from 'aws-lambda';
import type { HandlerMetadata } from './globals';

/** The runtime's client of the Runtime API, reduced to what a streamed response needs. */
export declare class RAPIDClient {
  /** `host:port`, as in AWS_LAMBDA_RUNTIME_API. */
  public constructor(hostnamePort: string);
  public readonly hostname: string;
  public readonly port: number;
  /** Keep-alive, one socket: the runtime's connection to the Runtime API. */
  public readonly agent: Agent;
}

export declare class LifecycleManager {
  public static create(rapidClient: RAPIDClient): LifecycleManager;
  private constructor();
}

/** Runs one invocation of a streaming handler and finishes (or fails) its response stream. */
export declare class StreamingInvokeProcessor<TEvent> {
  public constructor(handler: StreamifyHandler<TEvent, unknown>, lifecycle: LifecycleManager, handlerMetadata: HandlerMetadata);
  /** Never rejects: a failure ends the response with the runtime's error trailers. */
  public processInvoke(context: Context, event: TEvent): Promise<void>;
}
