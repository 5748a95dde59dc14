import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { RolloutConfigError } from '../domain/config-errors';
import type { RolloutConfig } from '../domain/config-schema';
import { loadRolloutConfig } from '../domain/load-config';
import { advance } from './advance';
import { awsAnswerOf } from './aws-answer';
import { AwsServiceFailure } from './aws-service-failure';
import { plan } from './plan';
import { preflight } from './preflight';
import { CliError } from './cli-error';
import { rollback } from './rollback';
import type { DeploymentsOptions } from '../ops/appconfig-deployments';
import { createAwsClients, RolloutReader, type AwsClients } from './rollout-reader';
import { serve } from './serve';
import { smoke } from './smoke';
import { status } from './status';
import { EXIT } from './exit-codes';

type Print = (line: string) => void;
type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** What a command runs with; tests replace the AWS clients and the clock. */
export interface CliEnvironment {
  readonly print: Print;
  readonly env: NodeJS.ProcessEnv;
  readonly awsClients: (config: RolloutConfig) => AwsClients;
  readonly now: () => Date;
  /** How deployments are polled (tests make it instant). */
  readonly deploymentOptions: DeploymentsOptions;
  /** Asks a yes/no question; answers yes when there is no terminal to ask on. */
  readonly confirm: (question: string) => Promise<boolean>;
}

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpec;
  run(values: Record<string, string | boolean | undefined>, cli: CliEnvironment): Promise<number>;
}

const CONFIG_OPTION = { config: { type: 'string' } } as const;
const CONFIG_HELP = '  --config FILE   rollout config (default: rollout.config.json, or ROLLOUT_CONFIG)';

const COMMANDS: Record<string, Command> = {
  status: {
    summary: 'Live phase, deployment in flight, watch window, alarms, and the next step',
    usage: `Usage: rollout status [--config FILE]

Shows the phase in effect and its share of users, the AppConfig deployment in flight (state,
percent of environments, bake remaining), how long the phase has been live against its watch
window, every rollout alarm's state, and what to do next.
${CONFIG_HELP}`,
    options: { ...CONFIG_OPTION },
    run: async (v, cli) => {
      const config = loadConfig(v, cli);
      return status(config, reader(config, cli), cli.print, cli.now());
    },
  },
  advance: {
    summary: 'Deploy the next phase, after its gates',
    usage: `Usage: rollout advance [--to PHASE] [--wait] [--yes] [--dry-run] [--config FILE]

Deploys the next phase's flag version with that phase's strategy, once the gates pass:
no deployment in flight; the live phase has been live for its minimum watch window; no
rollout alarm in ALARM now, and the rollback alarm has not fired during the window.
Otherwise it refuses, says why and when it could go (exit code 4). On a terminal it asks before
deploying (exit code 5 when the answer is no).
  --to PHASE      the phase to deploy (default: the next one; one phase at a time)
  --wait          follow the deployment until it completes; exit code 3 if it rolls back
  --yes           do not ask for confirmation (it is asked only on a terminal)
  --dry-run       only print what would be done
${CONFIG_HELP}`,
    options: { ...CONFIG_OPTION, to: { type: 'string' }, wait: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, 'dry-run': { type: 'boolean' } },
    run: async (v, cli) => {
      const config = loadConfig(v, cli);
      return advance(config, reader(config, cli), { to: str(v.to), wait: v.wait === true, dryRun: v['dry-run'] === true, confirm: confirmer(v, cli), now: cli.now() }, cli.print);
    },
  },
  rollback: {
    summary: 'The kill switch: stop the deployment in flight and turn the flag off',
    usage: `Usage: rollout rollback [--yes] [--dry-run] [--config FILE]

Stops the deployment in flight (AppConfig rolls it back), then deploys the version labelled
"off" to every environment at once, and prints when every gateway environment will have it
(the AppConfig Agent's poll interval). The flag stays off until a phase is advanced again:
no cdk deploy changes the live phase.
  --yes           do not ask for confirmation (it is asked only on a terminal)
  --dry-run       only print what would be done
${CONFIG_HELP}`,
    options: { ...CONFIG_OPTION, yes: { type: 'boolean', short: 'y' }, 'dry-run': { type: 'boolean' } },
    run: async (v, cli) => {
      const config = loadConfig(v, cli);
      return rollback(config, reader(config, cli), { dryRun: v['dry-run'] === true, confirm: confirmer(v, cli) }, cli.print);
    },
  },
  smoke: {
    summary: 'Smoke-test a deployed gateway (or a local serve): default path, new model, streaming, bad request',
    usage: `Usage: rollout smoke --url URL [--user ID] [--expect-new] [--sign | --no-sign] [--region REGION] [--config FILE]

Sends four requests through the gateway with the Anthropic SDK and reports each:
  1. default path   — no user key: answered by the default model (x-rollout-variant: default)
  2. new model path — a cohort user: answered by the new model without fallback
                      (skipped when the user is not in the cohort, e.g. the flag is off)
  3. streaming      — a complete server-sent-event stream
  4. bad request    — max_tokens 0 is refused with 400 invalid_request_error
Exit code 1 when a check failed.
  --url URL       the gateway: its Function URL (stack output GatewayUrl) or http://127.0.0.1:PORT
  --user ID       a user key in the cohort (default: the first allowlisted QA user)
  --expect-new    fail, rather than skip, when the new model path is not exercised
  --sign          SigV4-sign requests with your AWS credentials (default for https URLs)
  --no-sign       do not sign (default for http URLs)
  --region R      region for signing (default: from the URL, else the config's)
${CONFIG_HELP}`,
    options: { ...CONFIG_OPTION, url: { type: 'string' }, user: { type: 'string' }, 'expect-new': { type: 'boolean' }, sign: { type: 'boolean' }, 'no-sign': { type: 'boolean' }, region: { type: 'string' } },
    run: async (v, cli) => {
      const url = str(v.url);
      if (!url) throw new CliError(`--url URL is required.\n\n${COMMANDS.smoke!.usage}`, { exitCode: EXIT.usage });
      const sign = v['no-sign'] === true ? false : v.sign === true ? true : undefined;
      const result = await smoke({ url, config: loadConfig(v, cli), user: str(v.user), sign, region: str(v.region), expectNew: v['expect-new'] === true, print: cli.print });
      return result.exitCode;
    },
  },
  preflight: {
    summary: 'Check vendor access: both models exist and answer; rate limits',
    usage: `Usage: rollout preflight [--config FILE]

Before anything else, confirms the vendor account can use both models: the model is not
retired, models.retrieve finds it, and a one-token message succeeds. Prints the rate-limit
headers of each, and names a retired or unavailable model plainly. Exit code 1 on any failure.
${CONFIG_HELP}
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional).`,
    options: { ...CONFIG_OPTION },
    run: async (v, cli) => {
      const result = await preflight({ config: loadConfig(v, cli), apiKey: cli.env.ANTHROPIC_API_KEY ?? '', baseURL: cli.env.ANTHROPIC_BASE_URL, print: cli.print });
      return result.exitCode;
    },
  },
  plan: {
    summary: 'What the judge can detect in each phase at your traffic (no AWS calls)',
    usage: `Usage: rollout plan [--traffic N] [--json] [--config FILE]

Per phase: the new model's calls per hour, the smallest error-rate rise caught in 80% of
minimum watch windows, whether a 2x latency slowdown is caught, minutes to roll back a dead
model, the chance of rolling back a healthy model at vendor-wide error rates of 0.5, 1 and 2%,
and the hours needed where the minimum watch window is too short to catch 1% -> 3% errors.
Computed from the judge's own checks and the judge section of the config (docs/DETECTION.md).
  --traffic N     requests a day through the gateway (default: spend.traffic.requestsPerDay)
  --json          print {traffic, phases} as JSON
${CONFIG_HELP}`,
    options: { ...CONFIG_OPTION, traffic: { type: 'string' }, json: { type: 'boolean' } },
    run: async (v, cli) => plan(loadConfig(v, cli), { traffic: str(v.traffic), json: v.json === true }, cli.print),
  },
  serve: {
    summary: 'Run the gateway locally on 127.0.0.1 (flag from a file)',
    usage: `Usage: rollout serve --port PORT --flags FILE [--config FILE] [--host 127.0.0.1]

Serves POST /v1/messages with the same request handling as the Lambda gateway.
  --port PORT     port to listen on (0 picks a free one)
  --flags FILE    the flag in AppConfig's retrieved form, e.g.
                  {"enable_claude_haiku_4_5": {"enabled": true, "rolloutPercent": 1, "allowlist": [], "phase": "canary"}}
                  re-read when the file changes (seen within gateway.flagCacheMs, 1 s)
  --host HOST     address to bind (default 127.0.0.1)
${CONFIG_HELP}
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (vendor or a fake), ROLLOUT_HASH_KEY (HMAC key for ids in logs).
Prints "listening on http://HOST:PORT" when ready; logs and EMF metrics go to stdout.`,
    options: { ...CONFIG_OPTION, port: { type: 'string' }, flags: { type: 'string' }, host: { type: 'string' } },
    run: (v, cli) => runServe(v, cli),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`);
  return `Usage: rollout <command> [options]

Drives the canary rollout of the new model (see README.md and RUNBOOK.md).

Commands:
${lines.join('\n')}

Run rollout <command> --help for a command's options.`;
}

/** Runs the CLI; resolves with the process exit code (long-running commands keep running). */
export async function main(argv: readonly string[], overrides: Partial<CliEnvironment> = {}): Promise<number> {
  const cli: CliEnvironment = {
    print: overrides.print ?? ((line) => console.log(line)),
    env: overrides.env ?? process.env,
    awsClients: overrides.awsClients ?? createAwsClients,
    now: overrides.now ?? (() => new Date()),
    deploymentOptions: overrides.deploymentOptions ?? {},
    confirm: overrides.confirm ?? askOnTerminal,
  };
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    cli.print(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new CliError(`Unknown command '${name}'.\n\n${usage()}`, { exitCode: EXIT.usage });
    const values = parseCommandArgs(rest, { ...command.options, help: { type: 'boolean', short: 'h' } }, command.usage);
    if (values.help) {
      cli.print(command.usage);
      return EXIT.ok;
    }
    return await command.run(values, cli);
  } catch (err) {
    const shown = actionable(err, name);
    if (shown) {
      console.error(`rollout ${name}: ${shown.message}`);
      return shown instanceof CliError ? shown.exitCode : EXIT.failed;
    }
    throw err;
  }
}

/**
 * The failure as on-call should read it, or undefined for a bug (which keeps its stack).
 * AWS calls are explained where they are made (withAwsErrors); one that was not still must
 * not reach the terminal as an SDK dump. Not knowing whether it wrote, the advice is the
 * cautious one.
 */
function actionable(err: unknown, command: string): CliError | RolloutConfigError | undefined {
  if (err instanceof CliError || err instanceof RolloutConfigError) return err;
  const answer = awsAnswerOf(err);
  return answer ? new AwsServiceFailure(`complete rollout ${command}`, answer, 'write', { cause: err }) : undefined;
}

async function runServe(v: Record<string, string | boolean | undefined>, cli: CliEnvironment): Promise<number> {
  const port = str(v.port);
  const usageText = COMMANDS.serve!.usage;
  if (port === undefined || !/^\d+$/.test(port) || Number(port) > 65535) {
    throw new CliError(`--port must be a port number from 0 to 65535 (got ${port ?? 'nothing'}).\n\n${usageText}`, { exitCode: EXIT.usage });
  }
  const flagsFile = str(v.flags);
  if (!flagsFile) throw new CliError(`--flags FILE is required.\n\n${usageText}`, { exitCode: EXIT.usage });
  const server = await serve({ port: Number(port), flagsFile, configFile: configPath(v, cli), host: str(v.host), env: cli.env, print: cli.print });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => server.on('close', () => resolve(0)));
}

function confirmer(v: Record<string, string | boolean | undefined>, cli: CliEnvironment): (question: string) => Promise<boolean> {
  return v.yes === true ? async () => true : cli.confirm;
}

/** Asks on the terminal; without one (CI, pipes, the guard's runbooks) the command goes ahead. */
async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function reader(config: RolloutConfig, cli: CliEnvironment): RolloutReader {
  return new RolloutReader(config, cli.awsClients(config), cli.deploymentOptions);
}

function loadConfig(v: Record<string, string | boolean | undefined>, cli: CliEnvironment): RolloutConfig {
  return loadRolloutConfig(configPath(v, cli)).config;
}

function configPath(v: Record<string, string | boolean | undefined>, cli: CliEnvironment): string {
  return str(v.config) ?? cli.env.ROLLOUT_CONFIG ?? 'rollout.config.json';
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseCommandArgs(args: readonly string[], options: OptionSpec, usageText: string): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ options, args: [...args], allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}.\n\n${usageText}`, { exitCode: EXIT.usage, cause: err });
  }
}
