/**
 * Vendored from aws-lambda-ric@4.0.2 (npm), index.mjs, sections "dist/stream/constants.js" and
 * "dist/stream/response-stream.js" (verbatim), with the two helpers they use from
 * "dist/utils/errors.js" (InvalidStreamingOperation) and "dist/utils/error.js" (formatError).
 * Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. Apache-2.0: see LICENSE and
 * NOTICE beside this file; README.md there says why this is vendored and what was changed.
 *
 * This is the stream a streaming handler writes to: an http.ClientRequest POSTing, chunked, to the
 * Runtime API. Note `req.write` below: it is the ONLY place `_onBeforeFirstWrite` (the metadata
 * prelude of HttpResponseStream.from) is called; `end(chunk)` goes straight to the ClientRequest.
 *
 * Changes: `cjsRequire(...)` -> `require(...)`; the logger is required from ./verbose-log;
 * `module.exports` added.
 */
"use strict";
const { logger } = require("./verbose-log");

// dist/utils/errors.js (excerpt)
var InvalidStreamingOperation = class extends Error {
  constructor(message) {
    super(message);
    this.name = "Runtime.InvalidStreamingOperation";
  }
};

// dist/utils/error.js
function formatError(error) {
  try {
    if (error instanceof Error) {
      return {
        // Replace ASCII DEL character (\x7F) with %7F
        errorType: error.name?.replaceAll("\x7F", "%7F"),
        errorMessage: error.message?.replaceAll("\x7F", "%7F"),
        trace: error.stack?.replaceAll("\x7F", "%7F").split("\n") || []
      };
    }
    return {
      errorType: typeof error,
      errorMessage: String(error),
      trace: []
    };
  } catch {
    return {
      errorType: "handled",
      errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      trace: []
    };
  }
}

// dist/stream/constants.js
var HEADER_RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode";
var VALUE_STREAMING = "streaming";
var TRAILER_NAME_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";
var TRAILER_NAME_ERROR_BODY = "Lambda-Runtime-Function-Error-Body";
var HEADER_CONTENT_TYPE = "Content-Type";
var DEFAULT_CONTENT_TYPE = "application/octet-stream";
var HEADER_TRANSFER_ENCODING = "Transfer-Encoding";
var CHUNKED_TRANSFER_ENCODING = "chunked";
var STATUS_READY = "ready";
var STATUS_WRITE_CALLED = "write_called";

// dist/stream/response-stream.js
var { createConnection } = require("node:net");
var log = logger("STREAM");
var failProps = /* @__PURE__ */ new WeakMap();
function addFailWeakProp(req, fn) {
  failProps.set(req, fn);
}
async function tryCallFail(req, err) {
  const fn = failProps.get(req);
  if (typeof fn === "function") {
    await fn(err);
    return true;
  }
  return false;
}
var WRITABLE_METHODS = [
  "cork",
  "destroy",
  "end",
  "uncork",
  "write",
  "addListener",
  "on",
  "once",
  "prependListener",
  "prependOnceListener",
  "off",
  "removeListener",
  "removeAllListeners",
  "setMaxListeners",
  "getMaxListeners",
  "listeners",
  "rawListeners",
  "listenerCount",
  "eventNames",
  "emit",
  "setContentType"
];
var PROPS_READ_WRITE = ["destroyed", "_onBeforeFirstWrite"];
var PROPS_READ_ONLY = [
  "writableFinished",
  "writableObjectMode",
  "writableEnded",
  "writableNeedDrain",
  "writableHighWaterMark",
  "writableCorked",
  "writableLength",
  "writable"
];
function toWritableResponseStream(inner) {
  const stream = {};
  for (const method of WRITABLE_METHODS) {
    stream[method] = inner[method].bind(inner);
  }
  for (const p of PROPS_READ_WRITE) {
    Object.defineProperty(stream, p, {
      get: () => inner[p],
      set: (v) => {
        inner[p] = v;
      }
    });
  }
  for (const p of PROPS_READ_ONLY) {
    Object.defineProperty(stream, p, {
      get: () => inner[p]
    });
  }
  return stream;
}
function createResponseStream(options) {
  let status = STATUS_READY;
  const headers = makeResponseStreamHeaders(options);
  const headersDone = createDeferred();
  const responseDone = createDeferred();
  const agent = makePatchedAgent(options);
  const req = options.httpOptions.http.request({
    http: options.httpOptions.http,
    method: options.httpOptions.method,
    hostname: options.httpOptions.hostname,
    port: options.httpOptions.port,
    path: options.httpOptions.path,
    headers,
    agent
  }, (res) => {
    headersDone.resolve({
      statusCode: res.statusCode,
      statusMessage: res.statusMessage,
      headers: res.headers
    });
    hookResponseListners(res, responseDone, req);
  });
  req.on("error", (err) => {
    headersDone.reject(err);
    responseDone.reject(err);
    req.destroy(err);
  });
  req.setContentType = (contentType) => {
    if (status !== STATUS_READY) {
      throw new InvalidStreamingOperation("Cannot set content-type, too late.");
    }
    req.setHeader("Content-Type", contentType);
  };
  const origWrite = req.write.bind(req);
  req.write = (chunk, encoding, callback) => {
    log.vvverbose(
      "ResponseStream::write",
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      chunk.length,
      "callback:",
      typeof callback
    );
    let data = chunk;
    if (typeof chunk !== "string" && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) {
      data = JSON.stringify(chunk);
    }
    if (status === STATUS_READY && typeof req._onBeforeFirstWrite === "function") {
      req._onBeforeFirstWrite((ch) => origWrite(ch));
    }
    const ret = origWrite(data, encoding, callback);
    log.vvverbose("ResponseStream::origWrite", ret);
    if (status === STATUS_READY) {
      status = STATUS_WRITE_CALLED;
    }
    return ret;
  };
  const request2 = toWritableResponseStream(req);
  hookWeakFailProps(request2, req);
  return {
    request: request2,
    headersDone: headersDone.promise,
    responseDone: responseDone.promise
  };
}
function hookWeakFailProps(request2, req) {
  addFailWeakProp(request2, async (err) => {
    log.verbose("ResponseStream::fail err:", err);
    const error = formatError(err);
    req.addTrailers({
      [TRAILER_NAME_ERROR_TYPE]: error.errorType,
      [TRAILER_NAME_ERROR_BODY]: Buffer.from(JSON.stringify(error)).toString("base64")
    });
    await new Promise((resolve) => {
      req.end(resolve);
    });
  });
}
function hookResponseListners(res, responseDone, req) {
  let buf;
  res.on("data", (chunk) => {
    buf = buf === void 0 ? chunk : Buffer.concat([buf, chunk]);
  });
  res.on("aborted", (err) => {
    responseDone.reject(err);
    req.destroy(err);
  });
  res.on("end", () => {
    log.vvverbose("rapid response", buf ? buf.toString() : "buf undefined");
    responseDone.resolve(buf);
  });
  return buf;
}
function makePatchedAgent(options) {
  const agent = options.httpOptions.agent;
  agent.createConnection = (opts, connectionListener) => {
    return createConnection({
      ...opts,
      highWaterMark: options.httpOptions.highWaterMark
    }, connectionListener);
  };
  return agent;
}
function makeResponseStreamHeaders(options) {
  return {
    [HEADER_RESPONSE_MODE]: VALUE_STREAMING,
    Trailer: [TRAILER_NAME_ERROR_TYPE, TRAILER_NAME_ERROR_BODY],
    [HEADER_CONTENT_TYPE]: options.contentType ?? DEFAULT_CONTENT_TYPE,
    [HEADER_TRANSFER_ENCODING]: CHUNKED_TRANSFER_ENCODING
  };
}
function createDeferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

module.exports = { createResponseStream, tryCallFail, formatError };
