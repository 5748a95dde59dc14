import { status } from '../status';
import { CONFIG_HELP, CONFIG_OPTION, type Command, loadConfig, reader } from '../command';

/** `rollout status` */
export const STATUS_COMMAND: Command = {
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
};
