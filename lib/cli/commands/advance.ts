import { advance } from '../advance';
import { CliError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { CONFIG_HELP, CONFIG_OPTION, type Command, confirmer, loadConfig, reader, str } from '../command';

/** `rollout advance` */
export const ADVANCE_COMMAND: Command = {
  summary: 'Deploy the next phase, after its gates',
  usage: `Usage: rollout advance [--to PHASE] [--wait] [--yes] [--dry-run] [--force --reason TEXT] [--config FILE]

Deploys the next phase's flag version with that phase's strategy, once the gates pass:
no deployment in flight; the live phase has been live for its minimum watch window; no
rollout alarm in ALARM now, and the rollback alarm has not fired during the window; the judge
(its own code on the metrics read now) fails no check, and its window holds the new-model
calls rollout plan counted on for the phase.
Otherwise it refuses, says why and when it could go (exit code 4). On a terminal it asks before
deploying (exit code 5 when the answer is no).
  --to PHASE      the phase to deploy (default: the next one; one phase at a time)
  --wait          follow the deployment until it completes; exit code 3 if it rolls back,
                  6 if the wait ends while it is still in progress
  --yes           do not ask for confirmation (it is asked only on a terminal)
  --dry-run       only print what would be done
  --force         go ahead past the judge's objections (never past an alarm, a deployment in
                  flight or the watch window); needs --reason
  --reason TEXT   why, recorded in the deployment's description
${CONFIG_HELP}`,
  options: {
    ...CONFIG_OPTION,
    to: { type: 'string' },
    wait: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    reason: { type: 'string' },
  },
  run: async (v, cli) => {
    const config = loadConfig(v, cli);
    const reason = str(v.reason)?.trim();
    if (v.force === true && !reason)
      throw new CliError('--force needs --reason TEXT: say why you go ahead past the judge (it is recorded).', {
        exitCode: EXIT.usage,
      });
    if (reason && v.force !== true)
      throw new CliError('--reason goes with --force (it records why the judge was overruled).', {
        exitCode: EXIT.usage,
      });
    return advance(
      config,
      reader(config, cli),
      {
        to: str(v.to),
        wait: v.wait === true,
        dryRun: v['dry-run'] === true,
        confirm: confirmer(v, cli),
        now: cli.now(),
        ...(v.force === true && reason ? { force: { reason } } : {}),
      },
      cli.print,
      cli.progress,
    );
  },
};
