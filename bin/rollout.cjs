#!/usr/bin/env node
// `npx rollout` entry: runs the TypeScript CLI through tsx, so no build step is needed.
require('tsx/cjs');
require('./rollout.ts');
