/**
 * Vendored from aws-lambda-ric@4.0.2 (npm), index.mjs: how the runtime runs one invocation of a
 * streaming handler. Sections "dist/runtime/streaming-invoke-processor.js" (verbatim),
 * "dist/runtime/lifecycle-manager.js" and "dist/client/rapid-client.js" (excerpts: the parts a
 * streamed invocation uses), "dist/utils/network.js" (verbatim) and PlatformError from
 * "dist/utils/errors.js".
 * Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. Apache-2.0: see LICENSE and
 * NOTICE beside this file; README.md there says why this is vendored and what was changed.
 *
 * Changes: `cjsRequire(...)` -> `require(...)`; RAPIDClient keeps only its HTTP agent and
 * getStreamForInvocationResponse (no native client: a streamed response is plain HTTP), so its
 * constructor takes just the host:port; LifecycleManager keeps only create, the constructor,
 * failResponseStream and setupResponseStream; `structuredConsole` (dist/logging/log-patch.js) is
 * replaced by console.error; `module.exports` added.
 */
"use strict";
const { logger } = require("./verbose-log");
const { createResponseStream, tryCallFail } = require("./response-stream");

// Stands in for the runtime's patched console (dist/logging/log-patch.js), which this excerpt leaves out.
var structuredConsole = {
  logError: (message, error) => console.error(message, error)
};

// dist/utils/errors.js (excerpt)
var PlatformError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "Runtime.PlatformError";
  }
};

// dist/utils/network.js
function parseHostPort(hostnamePort) {
  const parts = hostnamePort.split(":");
  if (parts.length !== 2) {
    throw new PlatformError(`Invalid hostnamePort: ${hostnamePort}`);
  }
  const [hostname, portString] = parts;
  if (!hostname || hostname.trim().length === 0) {
    throw new PlatformError(`Invalid hostnamePort: ${hostnamePort}`);
  }
  if (!isValidPort(portString)) {
    throw new PlatformError(`Invalid hostnamePort: ${hostnamePort}`);
  }
  const port = Number(portString);
  return { hostname, port };
}
function isValidPort(portString) {
  const port = Number(portString);
  return Number.isFinite(port) && Number.isInteger(port) && port >= 0 && port <= 65535 && port.toString() === portString;
}

// dist/client/rapid-client.js (excerpt)
var { Agent, request } = require("node:http");
var RAPIDClient = class _RAPIDClient {
  hostname;
  port;
  agent;
  httpClient;
  // [create(), the native client and the /next, /response (buffered), /error and /init/error calls left out]
  constructor(hostnamePort, httpClient = { Agent, request }) {
    const { hostname, port } = parseHostPort(hostnamePort);
    this.hostname = hostname;
    this.port = port;
    this.httpClient = httpClient;
    this.agent = new this.httpClient.Agent({
      keepAlive: true,
      maxSockets: 1
    });
  }
  getStreamForInvocationResponse(id, options) {
    const { request: request2, responseDone } = createResponseStream({
      httpOptions: {
        agent: this.agent,
        http: this.httpClient,
        hostname: this.hostname,
        method: "POST",
        port: this.port,
        path: "/2018-06-01/runtime/invocation/" + encodeURIComponent(id) + "/response",
        highWaterMark: options?.highWaterMark
      }
    });
    return {
      request: request2,
      responseDone
    };
  }
};

// dist/runtime/lifecycle-manager.js (excerpt)
var log2 = logger("STREAM");
var LifecycleManager = class _LifecycleManager {
  client;
  static create(rapidClient) {
    return new _LifecycleManager(rapidClient);
  }
  constructor(client) {
    this.client = client;
  }
  // [fail(), succeed() and next() left out: buffered responses and the /next loop]
  async failResponseStream(responseStream, error) {
    await new Promise((resolve) => setImmediate(resolve));
    log2.verbose("Runtime::handleOnceStreaming::finally stream destroyed");
    structuredConsole.logError("Invoke Error", error);
    tryCallFail(responseStream, error);
  }
  setupResponseStream(requestId, options) {
    const { request: request2, responseDone } = this.client.getStreamForInvocationResponse(requestId, options);
    log2.vverbose("StreamingContextBuilder::createStream", "stream created");
    return {
      rapidResponse: responseDone,
      responseStream: request2
    };
  }
};

// dist/runtime/streaming-invoke-processor.js
var log3 = logger("RUNTIME");
var StreamingInvokeProcessor = class {
  handler;
  lifecycle;
  handlerMetadata;
  constructor(handler, lifecycle, handlerMetadata) {
    this.handler = handler;
    this.lifecycle = lifecycle;
    this.handlerMetadata = handlerMetadata;
  }
  async processInvoke(context, event) {
    const { rapidResponse, responseStream } = this.lifecycle.setupResponseStream(context.awsRequestId, {
      highWaterMark: this.handlerMetadata.highWaterMark
    });
    try {
      log3.verbose("StreamingInvokeProcessor::processInvoke", "invoking handler");
      const handlerResult = this.handler(event, responseStream, context);
      await this.waitForStreamClosure(handlerResult, rapidResponse, responseStream);
    } catch (err) {
      await this.lifecycle.failResponseStream(responseStream, err);
    }
  }
  async waitForStreamClosure(handlerResult, rapidResponse, responseStream) {
    log3.verbose("StreamingInvokeProcessor::waitForStreamClosure", "handler returned");
    if (!this.isPromise(handlerResult)) {
      log3.verbose("StreamingInvokeProcessor::waitForStreamClosure", "Runtime got non-promise response");
      throw new Error("Streaming does not support non-async handlers.");
    }
    const result = await handlerResult;
    if (typeof result !== "undefined") {
      console.warn("Streaming handlers ignore return values.");
    }
    log3.verbose("StreamingInvokeProcessor::waitForStreamClosure", "result is awaited.");
    const rapidRes = await rapidResponse;
    log3.vverbose("StreamingInvokeProcessor::waitForStreamClosure", "RAPID response", rapidRes);
    if (!responseStream.writableFinished) {
      throw new Error("Response stream is not finished.");
    }
  }
  isPromise(value) {
    return typeof value === "object" && value !== null && typeof value.then === "function";
  }
};

module.exports = { RAPIDClient, LifecycleManager, StreamingInvokeProcessor };
