import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createGateway } from '../gateway/create-gateway';
import { FileFlagSource } from '../gateway/flag-source';
import { StdoutJsonLogger } from '../gateway/stdout-logger';
import { createGatewayServer } from '../gateway/local-server';
import { MIN_HASH_KEY_LENGTH } from '../gateway/privacy';
import { gatewaySettingsFrom } from '../domain/gateway-settings';
import { loadRolloutConfig } from '../domain/load-config';
import { CliError } from './cli-error';

export interface ServeOptions {
  readonly port: number;
  /** File holding the flag in its retrieved form (docs/ARCHITECTURE.md, Flag); re-read when it changes. */
  readonly flagsFile: string;
  readonly configFile: string;
  readonly host?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly print?: (line: string) => void;
}

/**
 * `rollout serve`: the gateway's request handling on 127.0.0.1, reading the flag from a
 * file and the vendor from ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY. Logs and metrics go to stdout.
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => console.log(line));
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey)
    throw new CliError(
      'ANTHROPIC_API_KEY is not set: export the vendor API key (or any value when ANTHROPIC_BASE_URL points at a fake vendor).',
    );
  let hashKey = env.ROLLOUT_HASH_KEY;
  if (!hashKey) {
    hashKey = randomBytes(32).toString('hex');
    // stderr: stdout carries the ready line, logs and metrics only.
    console.error(
      'ROLLOUT_HASH_KEY is not set: hashing user ids with a random key for this run (hashes differ between runs).',
    );
  }
  if (hashKey.length < MIN_HASH_KEY_LENGTH) {
    throw new CliError(
      `ROLLOUT_HASH_KEY must be at least ${MIN_HASH_KEY_LENGTH} characters (got ${hashKey.length}); unset it to use a random key for this run.`,
    );
  }
  const settings = gatewaySettingsFrom(loadRolloutConfig(options.configFile).config);
  const gateway = createGateway({
    settings,
    flagSource: new FileFlagSource(options.flagsFile),
    apiKey: () => Promise.resolve(apiKey),
    hashKey: () => Promise.resolve(hashKey),
    baseURL: env.ANTHROPIC_BASE_URL,
    telemetryEnv: env,
    logger: new StdoutJsonLogger('model-gateway'),
  });
  const server = createGatewayServer(gateway, settings.gateway.maxRequestBytes);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot listen on ${host}:${options.port}: ${err.code ?? err.message}`, { cause: err })),
    );
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  print(`listening on http://${host}:${port}`);
  return server;
}
