import { status } from '../status';
import { CONFIG_HELP, CONFIG_OPTION, type Command, loadConfig, reader } from '../command';

/** `rollout status` */
export const STATUS_COMMAND: Command = {
  summary: 'Live phase, deployment in flight, watch window, alarms, and the next step',
  usage: `Usage: rollout status [--json] [--config FILE]

Shows the phase in effect and its share of users, the AppConfig deployment in flight (state,
percent of environments, bake remaining), how long the phase has been live against its watch
window, every rollout alarm's state, the judge's verdict on the window so far (its own code on
the metrics read now, with each check's evidence), and what to do next.
  --json          print one JSON object: livePhase, deploymentInFlight, watchWindow, alarms, judge
${CONFIG_HELP}`,
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  run: async (v, cli) => {
    const config = loadConfig(v, cli);
    return status(config, reader(config, cli), cli.print, cli.now(), { json: v.json === true });
  },
};
