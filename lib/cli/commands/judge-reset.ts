import { judgeReset } from '../judge-reset';
import { CONFIG_HELP, CONFIG_OPTION, type Command, confirmer, loadConfig, str } from '../command';

/** `rollout judge-reset` */
export const JUDGE_RESET_COMMAND: Command = {
  summary: "Clear a false fail: restart the judge's window now, with a recorded reason",
  usage: `Usage: rollout judge-reset --reason TEXT [--by NAME] [--yes] [--config FILE]

Restarts the judge's window at this moment: it forgets the minutes so far (the evidence of a
failing check included) and judges only what comes after. A fail verdict keeps the rollback
alarm in ALARM, so until then AppConfig would roll back every redeploy of the phase. Use it
when the fail was not the new model's doing (RUNBOOK.md: judge-reset), never to push past a
real regression. The reset is written to the SSM parameter /<stackName>/judge/window-reset;
its history keeps every reset, with the IAM identity that made it.
  --reason TEXT   why the minutes so far should not count (required; recorded)
  --by NAME       who resets (default: ROLLOUT_OPERATOR, else USER)
  --yes           do not ask for confirmation (it is asked only on a terminal)
${CONFIG_HELP}`,
  options: {
    ...CONFIG_OPTION,
    reason: { type: 'string' },
    by: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
  },
  run: async (v, cli) => {
    const config = loadConfig(v, cli);
    return judgeReset(
      config,
      cli.awsClients(config).ssm,
      {
        reason: str(v.reason),
        by: str(v.by) ?? cli.env.ROLLOUT_OPERATOR ?? cli.env.USER ?? 'unknown',
        at: cli.now(),
        confirm: confirmer(v, cli),
      },
      cli.print,
    );
  },
};
