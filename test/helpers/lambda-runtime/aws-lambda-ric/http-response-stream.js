/**
 * Vendored from aws-lambda-ric@4.0.2 (npm), index.mjs, section "dist/stream/http-response-stream.js".
 * Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. Apache-2.0: see LICENSE and
 * NOTICE beside this file; README.md there says why this is vendored and what was changed.
 *
 * `from` sets the Content-Type at once but writes the prelude only from `_onBeforeFirstWrite`,
 * i.e. on the first `write()` (upstream issue aws/aws-lambda-nodejs-runtime-interface-client#97).
 *
 * Changes: `module.exports` added.
 */
"use strict";
var METADATA_PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
var DELIMITER_LEN = 8;
var HttpResponseStream = class {
  /**
   * Wraps the given writable response stream so that on the very first write,
   * it:
   * 1. Sets the Content-Type header to the special integration MIME.
   * 2. Writes a JSON‐stringified prelude.
   * 3. Writes exactly 8 null bytes as a delimiter.
   *
   * @param underlyingStream - your streaming response sink
   * @param prelude - any JSON‐serializable metadata object
   * @returns the same stream, now wired to prepend the metadata
   */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
};

module.exports = { HttpResponseStream };
