import { alarmName } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import { describe } from '../domain/rollback-plan';
import { pausedNote } from '../../lambda/guard/rollback-guard';
import { EXIT_NOT_CONFIRMED } from './advance';
import { withAwsErrors } from './aws-errors';
import type { RolloutReader } from './rollout-reader';

export interface RollbackOptions {
  /** Only say what would be done. */
  readonly dryRun: boolean;
  /** Asks on a terminal; `--yes` (or no terminal) answers yes. */
  readonly confirm: (question: string) => Promise<boolean>;
}

/**
 * `rollout rollback`, the kill switch: stops the deployment in flight (AppConfig rolls it
 * back), then deploys the "off" version to every environment at once, and says when every
 * gateway environment will have picked it up.
 */
export async function rollback(config: RolloutConfig, reader: RolloutReader, options: RollbackOptions, print: (line: string) => void): Promise<number> {
  const region = config.aws.region;
  const s = await reader.snapshot();
  const offVersion = s.resources.versions.get('off');
  const latest = s.deployments[0];
  if (latest && latest.version === offVersion && latest.state === 'COMPLETE') {
    print(`The flag is already off (${describe(latest)}). Nobody is on ${config.llm.newModelAlias}.`);
    return 0;
  }
  const steps = [
    ...(s.inFlight ? [`stop ${describe(s.inFlight)} (AppConfig rolls it back)`] : []),
    `deploy the off version all at once with strategy ${config.appConfig.applicationName}-off`,
  ];
  if (options.dryRun) {
    print(`Would ${steps.join(', then ')} (dry run: nothing done).`);
    return 0;
  }
  if (!(await options.confirm(`Kill switch: ${steps.join(', then ')}. Go ahead?`))) {
    print('Not confirmed: nothing done.');
    return EXIT_NOT_CONFIRMED;
  }
  const deployments = reader.deploymentsFor(s.resources);
  if (s.inFlight) {
    const inFlight = s.inFlight;
    await withAwsErrors(`stop deployment #${inFlight.number}`, region, 'write', () => deployments.stop(inFlight.number));
    const stopped = await withAwsErrors('wait for the rollback', region, 'read', () => deployments.waitForEnd(inFlight.number));
    print(`Stopped ${describe(inFlight)}: now ${stopped.state}.`);
  }
  const off = await withAwsErrors('deploy the off version', region, 'write', () => deployments.deployOff('rollout rollback (kill switch)'));
  const poll = config.appConfig.agentPollIntervalSeconds;
  print(`Deployed the off version as ${describe(off)}: ${off.state}.`);
  if (off.alarmActionsPaused) print(pausedNote(alarmName(config, 'rollback')));
  print(`Every gateway environment picks it up within ${poll} s (the AppConfig Agent's poll interval); until then, cohort users may still reach ${config.llm.newModelAlias}.`);
  print(`To make ${config.llm.defaultModel} the default again for good, also set rollout.currentPhase to "off" in rollout.config.json and run npx cdk deploy.`);
  return 0;
}
