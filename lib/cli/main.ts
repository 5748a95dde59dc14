import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { RolloutConfigError } from '../domain/config-errors';
import { awsAnswerOf } from './aws-answer';
import { AwsServiceFailure } from './aws-service-failure';
import { RolloutResourcesError } from '../ops/rollout-resources';
import { CliError } from './cli-error';
import type { CliEnvironment, Command, OptionSpec } from './command';
import { ADVANCE_COMMAND } from './commands/advance';
import { JUDGE_RESET_COMMAND } from './commands/judge-reset';
import { PLAN_COMMAND } from './commands/plan';
import { PREFLIGHT_COMMAND } from './commands/preflight';
import { ROLLBACK_COMMAND } from './commands/rollback';
import { SERVE_COMMAND } from './commands/serve';
import { SMOKE_COMMAND } from './commands/smoke';
import { STATUS_COMMAND } from './commands/status';
import { EXIT } from './exit-codes';
import { createAwsClients } from '../ops/rollout-reader';

export type { CliEnvironment } from './command';
/** Every command, in the order `rollout --help` lists them. */
const COMMANDS: Readonly<Record<string, Command>> = {
  status: STATUS_COMMAND,
  advance: ADVANCE_COMMAND,
  rollback: ROLLBACK_COMMAND,
  'judge-reset': JUDGE_RESET_COMMAND,
  smoke: SMOKE_COMMAND,
  preflight: PREFLIGHT_COMMAND,
  plan: PLAN_COMMAND,
  serve: SERVE_COMMAND,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)}${c.summary}`);
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
    progress: overrides.progress ?? progressOnTerminal,
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
  if (err instanceof RolloutResourcesError) return new CliError(err.message, { cause: err });
  const answer = awsAnswerOf(err);
  return answer ? new AwsServiceFailure(`complete rollout ${command}`, answer, 'write', { cause: err }) : undefined;
}

/** Progress lines for a person watching; nothing when stderr is a file, a pipe or CI's log. */
function progressOnTerminal(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${line}\n`);
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

function parseCommandArgs(
  args: readonly string[],
  options: OptionSpec,
  usageText: string,
): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ options, args: [...args], allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}.\n\n${usageText}`, { exitCode: EXIT.usage, cause: err });
  }
}
