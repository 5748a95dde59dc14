/**
 * Cold start of the gateway's Lambda bundle beside a bare handler that only imports the
 * Anthropic SDK and answers one call with it, both built with the project's esbuild options.
 * Each sample is a fresh Node.js process (bench/cold-start-probe.ts): module initialisation,
 * then the first invocation, against local fakes only — the vendor, the AppConfig agent
 * (fakes/fake-agent.ts) and Secrets Manager (fakes/fake-secrets-manager.ts, reached by the
 * gateway's SecretsManagerReader through AWS_ENDPOINT_URL_SECRETS_MANAGER). The AWS SDK is not bundled
 * (the runtime provides it): it loads from node_modules, as from the runtime's.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLING, GATEWAY_ENTRY } from '../lib/constructs/lambda-bundling';
import type { GatewaySettings } from '../lib/domain/gateway-settings';
import { startFakeAgent } from '../fakes/fake-agent';
import { startFakeVendor } from '../fakes/fake-vendor';
import { FAKE_SECRETS_MANAGER_CREDENTIALS, startFakeSecretsManager } from '../fakes/fake-secrets-manager';
import { summarize } from './lib';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');

export interface ColdStartRow {
  readonly name: string;
  readonly bytes: number;
  readonly gzip: number;
  /** The source map beside the bundle (not read at start unless NODE_OPTIONS asks for it). */
  readonly mapBytes?: number;
  readonly initMs: number;
  readonly firstRequestMs: number;
  readonly totalMs: number;
  /** Each sample's total divided by the bare handler's sample taken next to it. */
  readonly ratioToBare?: number;
}

const BARE_HANDLER = `import Anthropic from '@anthropic-ai/sdk';
declare const awslambda: any;
const client = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY });
export const handler = awslambda.streamifyResponse(async (event: { body: string }, responseStream: unknown) => {
  const message = await client.messages.create(JSON.parse(event.body));
  const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 200, headers: { 'content-type': 'application/json' } });
  out.write(JSON.stringify(message));
  out.end();
});
`;

/**
 * Builds the gateway with bench/sdk-secrets-reader.ts in place of its secret reader: the
 * handler as it was when it read its secrets with the AWS SDK's client, for comparison.
 */
const SDK_SECRETS_CLIENT: Plugin = {
  name: 'sdk-secrets-client',
  setup(b) {
    b.onResolve({ filter: /\/secrets-manager-reader$/ }, () => ({
      path: path.join(__dirname, 'sdk-secrets-reader.ts'),
    }));
  },
};

export async function benchColdStart(
  work: string,
  settings: GatewaySettings,
  samples: number,
): Promise<ColdStartRow[]> {
  const bareEntry = path.join(work, 'bare-handler.ts');
  writeFileSync(bareEntry, BARE_HANDLER);
  const bundle = async (entry: string, name: string, plugins: Plugin[] = []): Promise<string> => {
    const outfile = path.join(work, `${name}.js`);
    await build({
      plugins,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: LAMBDA_BUNDLING.target,
      minify: LAMBDA_BUNDLING.minify,
      sourcemap: LAMBDA_BUNDLING.sourceMap,
      external: [...LAMBDA_BUNDLING.externalModules],
      mainFields: [...LAMBDA_BUNDLING.mainFields],
      outfile,
      nodePaths: [path.join(ROOT, 'node_modules')],
      logLevel: 'silent',
    });
    return outfile;
  };
  const gatewayBundle = await bundle(GATEWAY_ENTRY, 'gateway-handler');
  const sdkSecretsBundle = await bundle(GATEWAY_ENTRY, 'gateway-handler-sdk-secrets', [SDK_SECRETS_CLIENT]);
  const bareBundle = await bundle(bareEntry, 'bare-handler');
  const probe = path.join(work, 'cold-start-probe.cjs');
  await build({
    entryPoints: [path.join(__dirname, 'cold-start-probe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: probe,
    logLevel: 'silent',
  });

  const vendor = await startFakeVendor();
  const app = settings.appConfig;
  const agent = await startFakeAgent({
    application: app.application,
    environment: app.environment,
    profile: app.profile,
  });
  agent.serve({
    json: { [settings.flagKey]: { enabled: true, rolloutPercent: 100, allowlist: [], phase: 'full' } },
  });
  const vendorKeySecret = 'llm-model-rollout/anthropic-api-key';
  const hashKeySecret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash';
  const secrets = await startFakeSecretsManager({
    [vendorKeySecret]: '{"apiKey":"bench"}',
    [hashKeySecret]: 'h'.repeat(64),
  });
  // What Lambda gives a function: region, the role's credentials, the function's own settings.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_PATH: path.join(ROOT, 'node_modules'),
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    // the credentials the fake Secrets Manager checks signatures against
    AWS_ACCESS_KEY_ID: FAKE_SECRETS_MANAGER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_SECRETS_MANAGER_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: FAKE_SECRETS_MANAGER_CREDENTIALS.sessionToken,
    AWS_LAMBDA_FUNCTION_NAME: 'model-gateway',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(agent.port),
    ANTHROPIC_BASE_URL: vendor.url,
    ANTHROPIC_API_KEY: 'bench',
    ROLLOUT_GATEWAY_SETTINGS: JSON.stringify(settings),
    VENDOR_API_KEY_SECRET_ID: vendorKeySecret,
    ID_HASH_KEY_SECRET_ID: hashKeySecret,
    POWERTOOLS_SERVICE_NAME: 'model-gateway',
  };
  const variants = [
    { name: 'bare handler importing @anthropic-ai/sdk', file: bareBundle, nodeOptions: '' },
    { name: 'gateway (lambda/gateway/handler.ts), as deployed', file: gatewayBundle, nodeOptions: '' },
    {
      name: "gateway reading its secrets with the AWS SDK's SecretsManagerClient (before)",
      file: sdkSecretsBundle,
      nodeOptions: '',
    },
    {
      name: 'gateway with NODE_OPTIONS=--enable-source-maps',
      file: gatewayBundle,
      nodeOptions: '--enable-source-maps',
    },
  ];
  const results = variants.map(() => ({ init: [] as number[], first: [] as number[], total: [] as number[] }));
  const ratios = variants.map(() => [] as number[]);
  try {
    for (let i = 0; i < samples + 1; i++) {
      const totals: number[] = [];
      for (const [k, v] of variants.entries()) {
        const { stdout } = await run(process.execPath, [probe, v.file], {
          env: { ...env, ...(v.nodeOptions ? { NODE_OPTIONS: v.nodeOptions } : {}) },
          maxBuffer: 16 * 2 ** 20,
        });
        const line = stdout
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('{"initMs"'));
        if (!line) throw new Error(`${v.name}: the probe printed no timing:\n${stdout.slice(-2000)}`);
        const r = JSON.parse(line) as { initMs: number; firstRequestMs: number; status: number };
        if (r.status !== 200)
          throw new Error(`${v.name}: the first request answered ${r.status}:\n${stdout.slice(-2000)}`);
        totals.push(r.initMs + r.firstRequestMs);
        if (i === 0) continue; // the first round warms the disk cache
        results[k]!.init.push(r.initMs);
        results[k]!.first.push(r.firstRequestMs);
        results[k]!.total.push(r.initMs + r.firstRequestMs);
      }
      if (i > 0) for (const k of variants.keys()) ratios[k]!.push(totals[k]! / totals[0]!);
    }
  } finally {
    await Promise.all([vendor.close(), agent.close(), secrets.close()]);
  }
  return variants.map((v, k) => {
    const bytes = readFileSync(v.file);
    const r = results[k]!;
    return {
      name: v.name,
      bytes: bytes.length,
      gzip: gzipSync(bytes).length,
      mapBytes: statSync(`${v.file}.map`, { throwIfNoEntry: false })?.size,
      initMs: summarize(r.init).p50,
      firstRequestMs: summarize(r.first).p50,
      totalMs: summarize(r.total).p50,
      ratioToBare: k === 0 ? undefined : summarize(ratios[k]!).p50,
    };
  });
}
