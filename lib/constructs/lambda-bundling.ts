import * as path from 'node:path';

/** The gateway handler's entry file. */
export const GATEWAY_ENTRY = path.join(__dirname, '../../lambda/gateway/handler.ts');

/**
 * How the project's Lambdas are bundled (the gateway and the guard by `NodejsFunction` at
 * synth, the gateway also by `npm run bundle-size`).
 * The Lambda runtime ships AWS SDK v3; everything else (Anthropic SDK, Powertools, zod/mini)
 * is bundled and minified.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  sourceMap: true,
  target: 'node24',
  externalModules: ['@aws-sdk/*'],
  // ES modules first: esbuild can drop what is not used from them (the SigV4 signer the gateway
  // reads its secrets with is 15 KB from its ES build, 140 KB from its CommonJS one).
  mainFields: ['module', 'main'],
} as const;

/** `LAMBDA_BUNDLING` in the mutable shape `NodejsFunction` takes. */
export function lambdaBundling(): {
  minify: boolean;
  sourceMap: boolean;
  target: string;
  externalModules: string[];
  mainFields: string[];
} {
  return {
    ...LAMBDA_BUNDLING,
    externalModules: [...LAMBDA_BUNDLING.externalModules],
    mainFields: [...LAMBDA_BUNDLING.mainFields],
  };
}
