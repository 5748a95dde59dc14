/**
 * Prints the gateway Lambda bundle's minified and gzipped size, and what it is made of.
 * Same entry and options as the NodejsFunction in lib/constructs/model-gateway.ts.
 *
 *   npm run bundle-size
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { LAMBDA_BUNDLING, GATEWAY_ENTRY } from '../lib/constructs/lambda-bundling';

async function main(): Promise<void> {
  const result = await build({
    entryPoints: [GATEWAY_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    external: [...LAMBDA_BUNDLING.externalModules],
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    write: false,
    metafile: true,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`gateway bundle (minified): ${kb(output.contents.length)}`);
  console.log(`gateway bundle (gzipped):  ${kb(gzipSync(output.contents).length)}`);
  const byPackage = new Map<string, number>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(out.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  console.log('largest parts:');
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${name.padEnd(36)} ${kb(bytes)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
