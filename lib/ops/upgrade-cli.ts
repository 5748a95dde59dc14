import { parseArgs } from 'node:util';
import { CliError } from '../cli/cli-error';
import { retainLegacyDeployments, type UpgradeClients, type UpgradeRuntime } from './retain-legacy-deployment';
import { createUpgradeClients } from './upgrade-clients';

export const UPGRADE_USAGE = `Usage: npm run upgrade:retain-deployment -- --stack NAME [--region R] [--bucket B] [--dry-run]

Upgrading from the first release: updates the stack with its own deployed template plus
DeletionPolicy and UpdateReplacePolicy Retain on every AWS::AppConfig::Deployment plus one
placeholder resource, RolloutUpgradeRetainMarker (an AWS::CloudFormation::WaitConditionHandle:
without a real change CloudFormation may not apply the policies), and nothing else, so that the
next cdk deploy removes the deployment from the stack without touching the live phase (and
deletes the placeholder). Waits for UPDATE_COMPLETE, then reads the deployed template back to
check. Safe to run again: it says when there is nothing to do.
  --stack NAME    the stack (name or ARN), e.g. LlmModelRollout
  --region R      its region (default: AWS_REGION or your profile's)
  --bucket B      where a template over 51,200 bytes is uploaded
                  (default: the CDK bootstrap bucket cdk-hnb659fds-assets-ACCOUNT-REGION)
  --dry-run       only print what would change
Exit code 0 when the stack is upgraded or needs nothing, 1 on failure, 2 on a usage error.`;

export interface UpgradeCliEnvironment extends Partial<Omit<UpgradeRuntime, 'print'>> {
  readonly print?: (line: string) => void;
  readonly printError?: (line: string) => void;
  readonly clients?: (region: string | undefined) => UpgradeClients;
}

/** Runs the upgrade as on-call types it; resolves with the exit code. */
export async function runUpgradeRetainDeployment(
  argv: readonly string[],
  cli: UpgradeCliEnvironment = {},
): Promise<number> {
  const print = cli.print ?? ((line: string) => console.log(line));
  const printError = cli.printError ?? ((line: string) => console.error(line));
  try {
    const args = parse(argv);
    if (args.help) {
      print(UPGRADE_USAGE);
      return 0;
    }
    if (!args.stack) throw new CliError(`--stack NAME is required.\n\n${UPGRADE_USAGE}`, { exitCode: 2 });
    const clients = (cli.clients ?? createUpgradeClients)(args.region);
    const region = await regionOf(clients);
    await retainLegacyDeployments({ stack: args.stack, region, bucket: args.bucket, dryRun: args.dryRun }, clients, {
      print,
      now: cli.now ?? (() => new Date()),
      sleep: cli.sleep,
      pollIntervalMs: cli.pollIntervalMs,
      timeoutMs: cli.timeoutMs,
      clientRequestToken: cli.clientRequestToken,
    });
    return 0;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    printError(`upgrade:retain-deployment: ${err.message}`);
    return err.exitCode;
  }
}

interface UpgradeArgs {
  readonly stack?: string;
  readonly region?: string;
  readonly bucket?: string;
  readonly dryRun: boolean;
  readonly help: boolean;
}

function parse(argv: readonly string[]): UpgradeArgs {
  try {
    const { values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        stack: { type: 'string' },
        region: { type: 'string' },
        bucket: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    return {
      stack: values.stack,
      region: values.region,
      bucket: values.bucket,
      dryRun: values['dry-run'] === true,
      help: values.help === true,
    };
  } catch (err) {
    throw new CliError(`${(err as Error).message}.\n\n${UPGRADE_USAGE}`, { exitCode: 2, cause: err });
  }
}

/** The region the CloudFormation client resolved (--region, else the SDK's lookup). */
async function regionOf(clients: UpgradeClients): Promise<string> {
  try {
    return await clients.cloudformation.config.region();
  } catch (err) {
    throw new CliError("No AWS region: pass --region R (the stack's region) or set AWS_REGION.", {
      exitCode: 2,
      cause: err,
    });
  }
}
