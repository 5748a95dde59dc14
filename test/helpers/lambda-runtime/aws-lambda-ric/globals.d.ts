// Types for the vendored globals.js (this project's, not aws-lambda-ric's).

/** What the runtime reads off a handler before it invokes it. */
export interface HandlerMetadata {
  readonly streaming: boolean;
  readonly highWaterMark: number | undefined;
  readonly argsNum: number;
}

/** Installs `globalThis.awslambda` (streamifyResponse, HttpResponseStream) as the runtime does before loading the function. */
export declare function setupGlobals(): void;

export declare const UserFunctionLoader: {
  getHandlerMetadata(handler: (...args: never[]) => unknown): HandlerMetadata;
};
