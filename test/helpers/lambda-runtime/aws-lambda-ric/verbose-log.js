/**
 * Vendored from aws-lambda-ric@4.0.2 (npm), index.mjs, section "dist/logging/verbose-log.js".
 * Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. Apache-2.0: see LICENSE and
 * NOTICE beside this file; README.md there says why this is vendored and what was changed.
 *
 * Changes: `module.exports` added.
 */
"use strict";
var EnvVarName = "AWS_LAMBDA_RUNTIME_VERBOSE";
var Tag = "RUNTIME";
var Verbosity = (() => {
  if (!process.env[EnvVarName]) {
    return 0;
  }
  try {
    const verbosity = parseInt(process.env[EnvVarName]);
    return verbosity < 0 ? 0 : verbosity > 3 ? 3 : verbosity;
  } catch {
    return 0;
  }
})();
function logger(category) {
  return {
    verbose(...args) {
      if (Verbosity >= 1) {
        const resolvedArgs = args.map((arg) => typeof arg === "function" ? arg() : arg);
        console.log.apply(null, [Tag, category, ...resolvedArgs]);
      }
    },
    vverbose(...args) {
      if (Verbosity >= 2) {
        const resolvedArgs = args.map((arg) => typeof arg === "function" ? arg() : arg);
        console.log.apply(null, [Tag, category, ...resolvedArgs]);
      }
    },
    vvverbose(...args) {
      if (Verbosity >= 3) {
        const resolvedArgs = args.map((arg) => typeof arg === "function" ? arg() : arg);
        console.log.apply(null, [Tag, category, ...resolvedArgs]);
      }
    }
  };
}

module.exports = { logger };
