#!/usr/bin/env node
// `npx rollout` entry: runs the TypeScript CLI through tsx, so no build step is needed.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point loads with require */
require('tsx/cjs');
require('./rollout.ts');
