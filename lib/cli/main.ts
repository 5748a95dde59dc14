import { parseArgs } from 'node:util';
import { RolloutConfigError } from '../domain/config-errors';
import { CliError } from './cli-error';
import { serve } from './serve';

const USAGE = `Usage: rollout <command> [options]

Drives the canary rollout of the new model (see README and RUNBOOK).

Commands:
  serve     Run the gateway locally on 127.0.0.1 (flag from a file, vendor from ANTHROPIC_BASE_URL)

Global options:
  --config FILE   rollout config (default: rollout.config.json, or ROLLOUT_CONFIG)
  -h, --help      show help for a command: rollout <command> --help
`;

const SERVE_USAGE = `Usage: rollout serve --port PORT --flags FILE [--config FILE] [--host 127.0.0.1]

Serves POST /v1/messages with the same request handling as the Lambda gateway.
  --port PORT     port to listen on (0 picks a free one)
  --flags FILE    the flag in AppConfig's retrieved form, e.g.
                  {"enable_claude_haiku_4_5": {"enabled": true, "rolloutPercent": 1, "allowlist": [], "phase": "canary"}}
                  re-read whenever the file changes
  --host HOST     address to bind (default 127.0.0.1)
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (vendor or a fake), ROLLOUT_HASH_KEY (HMAC key for ids in logs).
Prints "listening on http://HOST:PORT" when ready; logs and EMF metrics go to stdout.
`;

/** Runs the CLI; resolves with the process exit code (long-running commands keep running). */
export async function main(argv: readonly string[], print: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    print(USAGE);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'serve':
        return await runServe(rest, print);
      default:
        throw new CliError(`Unknown command '${command}'.\n\n${USAGE}`, { exitCode: 2 });
    }
  } catch (err) {
    if (err instanceof CliError || err instanceof RolloutConfigError) {
      console.error(`rollout ${command}: ${err.message}`);
      return err instanceof CliError ? err.exitCode : 1;
    }
    throw err;
  }
}

async function runServe(args: readonly string[], print: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    port: { type: 'string' },
    flags: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    print(SERVE_USAGE);
    return 0;
  }
  if (values.port === undefined || !/^\d+$/.test(values.port) || Number(values.port) > 65535) {
    throw new CliError(`--port must be a port number from 0 to 65535 (got ${values.port ?? 'nothing'}).\n\n${SERVE_USAGE}`, { exitCode: 2 });
  }
  if (!values.flags) throw new CliError(`--flags FILE is required.\n\n${SERVE_USAGE}`, { exitCode: 2 });
  const server = await serve({
    port: Number(values.port),
    flagsFile: values.flags,
    configFile: configPath(values.config),
    host: values.host,
    print,
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => server.on('close', () => resolve(0)));
}

function configPath(flag: string | undefined): string {
  return flag ?? process.env.ROLLOUT_CONFIG ?? 'rollout.config.json';
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parseCommandArgs<T extends OptionSpec>(args: readonly string[], options: T): ReturnType<typeof parseArgs<{ options: T; args: string[]; allowPositionals: false }>> {
  try {
    return parseArgs({ options, args: [...args], allowPositionals: false });
  } catch (err) {
    throw new CliError(`${(err as Error).message}. Run with --help for usage.`, { exitCode: 2, cause: err });
  }
}
