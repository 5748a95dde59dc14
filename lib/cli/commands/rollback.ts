import { rollback } from '../rollback';
import { CONFIG_HELP, CONFIG_OPTION, type Command, confirmer, loadConfig, reader } from '../command';

/** `rollout rollback` */
export const ROLLBACK_COMMAND: Command = {
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
    return rollback(
      config,
      reader(config, cli),
      { dryRun: v['dry-run'] === true, confirm: confirmer(v, cli) },
      cli.print,
    );
  },
};
