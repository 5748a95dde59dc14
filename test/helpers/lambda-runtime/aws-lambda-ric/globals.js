/**
 * Vendored from aws-lambda-ric@4.0.2 (npm), index.mjs, sections "dist/utils/globals.js"
 * (verbatim: how the runtime installs `globalThis.awslambda` before it loads the function) and
 * "dist/function/user-function-loader.js" (excerpt: the streaming markers and the metadata the
 * runtime reads off a handler), with MalformedStreamingHandler from "dist/utils/errors.js".
 * Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. Apache-2.0: see LICENSE and
 * NOTICE beside this file; README.md there says why this is vendored and what was changed.
 *
 * Changes: HttpResponseStream is required from ./http-response-stream; UserFunctionLoader's
 * load() and validateHandlerString() are left out (the harness is handed the handler function,
 * not a handler string to import); `module.exports` added.
 */
"use strict";
const { HttpResponseStream } = require("./http-response-stream");

// dist/utils/errors.js (excerpt)
var MalformedStreamingHandler = class extends Error {
  constructor(message) {
    super(message);
    this.name = "Runtime.MalformedStreamingHandler";
  }
};

// dist/function/user-function-loader.js (excerpt)
var UserFunctionLoader = class {
  static HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
  static HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
  static STREAM_RESPONSE = "response";
  static RELATIVE_PATH_SUBSTRING = "..";
  // [load() and validateHandlerString() left out]
  static getHandlerMetadata(handler) {
    return {
      streaming: this.isHandlerStreaming(handler),
      highWaterMark: this.getHighWaterMark(handler),
      argsNum: handler.length
    };
  }
  static isHandlerStreaming(handler) {
    const streamingValue = handler[this.HANDLER_STREAMING];
    if (!streamingValue) {
      return false;
    }
    if (streamingValue === this.STREAM_RESPONSE) {
      return true;
    }
    throw new MalformedStreamingHandler("Only response streaming is supported.");
  }
  static getHighWaterMark(handler) {
    const waterMarkValue = handler[this.HANDLER_HIGHWATERMARK];
    if (!waterMarkValue) {
      return void 0;
    }
    const hwm = Number(waterMarkValue);
    return Number.isNaN(hwm) ? void 0 : hwm;
  }
};

// dist/utils/globals.js
function setupGlobals() {
  const NoGlobalAwsLambda = process.env["AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA"] === "1" || process.env["AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA"] === "true";
  if (!NoGlobalAwsLambda) {
    globalThis.awslambda = {
      ...globalThis.awslambda,
      streamifyResponse: (handler, options) => {
        const typedHandler = handler;
        typedHandler[UserFunctionLoader.HANDLER_STREAMING] = UserFunctionLoader.STREAM_RESPONSE;
        if (typeof options?.highWaterMark === "number") {
          typedHandler[UserFunctionLoader.HANDLER_HIGHWATERMARK] = parseInt(String(options.highWaterMark));
        }
        return handler;
      },
      HttpResponseStream
    };
  }
}

module.exports = { setupGlobals, UserFunctionLoader };
