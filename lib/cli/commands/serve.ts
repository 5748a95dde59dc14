import { CliError } from '../cli-error';
import {
  type ArgValues,
  type CliEnvironment,
  CONFIG_HELP,
  CONFIG_OPTION,
  type Command,
  configPath,
  str,
} from '../command';
import { EXIT } from '../exit-codes';
import { serve } from '../serve';

const SERVE_USAGE = `Usage: rollout serve --port PORT --flags FILE [--config FILE] [--host 127.0.0.1]

Serves POST /v1/messages with the same request handling as the Lambda gateway.
  --port PORT     port to listen on (0 picks a free one)
  --flags FILE    the flag in AppConfig's retrieved form, e.g.
                  {"enable_claude_haiku_4_5": {"enabled": true, "rolloutPercent": 1, "allowlist": [], "phase": "canary"}}
                  re-read when the file changes (seen within gateway.flagCacheMs, 1 s)
  --host HOST     address to bind (default 127.0.0.1)
${CONFIG_HELP}
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (vendor or a fake), ROLLOUT_HASH_KEY (HMAC key for ids in logs).
Prints "listening on http://HOST:PORT" when ready; logs and EMF metrics go to stdout.`;

/** `rollout serve` */
export const SERVE_COMMAND: Command = {
  summary: 'Run the gateway locally on 127.0.0.1 (flag from a file)',
  usage: SERVE_USAGE,
  options: { ...CONFIG_OPTION, port: { type: 'string' }, flags: { type: 'string' }, host: { type: 'string' } },
  run: (v, cli) => runServe(v, cli),
};

async function runServe(v: ArgValues, cli: CliEnvironment): Promise<number> {
  const port = str(v.port);
  const usageText = SERVE_USAGE;
  if (port === undefined || !/^\d+$/.test(port) || Number(port) > 65535) {
    throw new CliError(`--port must be a port number from 0 to 65535 (got ${port ?? 'nothing'}).\n\n${usageText}`, {
      exitCode: EXIT.usage,
    });
  }
  const flagsFile = str(v.flags);
  if (!flagsFile) throw new CliError(`--flags FILE is required.\n\n${usageText}`, { exitCode: EXIT.usage });
  const server = await serve({
    port: Number(port),
    flagsFile,
    configFile: configPath(v, cli),
    host: str(v.host),
    env: cli.env,
    print: cli.print,
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => server.on('close', () => resolve(EXIT.ok)));
}
