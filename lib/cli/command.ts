import type { RolloutConfig } from '../domain/config-schema';
import { loadRolloutConfig } from '../domain/load-config';
import type { DeploymentsOptions } from '../ops/appconfig-deployments';
import { RolloutReader, type AwsClients } from '../ops/rollout-reader';
import { withAwsErrors } from './aws-errors';

export type Print = (line: string) => void;
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
/** A command's parsed options (node's util.parseArgs values). */
export type ArgValues = Record<string, string | boolean | undefined>;

/** What a command runs with; tests replace the AWS clients and the clock. */
export interface CliEnvironment {
  readonly print: Print;
  /**
   * Progress while something runs (`advance --wait` polls): on a terminal only, on stderr, so
   * logs and pipes get the outcome lines and not a poll line every few seconds.
   */
  readonly progress: Print;
  readonly env: NodeJS.ProcessEnv;
  readonly awsClients: (config: RolloutConfig) => AwsClients;
  readonly now: () => Date;
  /** How deployments are polled (tests make it instant). */
  readonly deploymentOptions: DeploymentsOptions;
  /** Asks a yes/no question; answers yes when there is no terminal to ask on. */
  readonly confirm: (question: string) => Promise<boolean>;
}

/** One `rollout` command: every command file exports one of these (lib/cli/commands/). */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpec;
  /** Resolves with the exit code (lib/cli/exit-codes.ts). */
  run(values: ArgValues, cli: CliEnvironment): Promise<number>;
}

export const CONFIG_OPTION = { config: { type: 'string' } } as const;
export const CONFIG_HELP = '  --config FILE   rollout config (default: rollout.config.json, or ROLLOUT_CONFIG)';

export function loadConfig(v: ArgValues, cli: CliEnvironment): RolloutConfig {
  return loadRolloutConfig(configPath(v, cli)).config;
}

export function configPath(v: ArgValues, cli: CliEnvironment): string {
  return str(v.config) ?? cli.env.ROLLOUT_CONFIG ?? 'rollout.config.json';
}

export function reader(config: RolloutConfig, cli: CliEnvironment): RolloutReader {
  // Every read the reader makes is explained in on-call's words when AWS refuses it.
  return new RolloutReader(config, cli.awsClients(config), cli.deploymentOptions, (action, fn) =>
    withAwsErrors(action, config.aws.region, 'read', fn),
  );
}

/** `--yes` answers every question; otherwise the environment asks (on a terminal only). */
export function confirmer(v: ArgValues, cli: CliEnvironment): (question: string) => Promise<boolean> {
  return v.yes === true ? () => Promise.resolve(true) : cli.confirm;
}

export function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
