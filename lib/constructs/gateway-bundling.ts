import * as path from 'node:path';

/** The gateway handler's entry file. */
export const GATEWAY_ENTRY = path.join(__dirname, '../../lambda/gateway/handler.ts');

/**
 * How the gateway is bundled (by `NodejsFunction` at synth, and by `npm run bundle-size`).
 * The Lambda runtime ships AWS SDK v3; everything else (Anthropic SDK, Powertools, zod/mini)
 * is bundled and minified.
 */
export const GATEWAY_BUNDLING = {
  minify: true,
  sourceMap: true,
  target: 'node24',
  externalModules: ['@aws-sdk/*'],
} as const;
