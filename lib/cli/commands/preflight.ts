import { preflight } from '../preflight';
import { CONFIG_HELP, CONFIG_OPTION, type Command, loadConfig } from '../command';

/** `rollout preflight` */
export const PREFLIGHT_COMMAND: Command = {
  summary: 'Check vendor access: both models exist and answer; rate limits',
  usage: `Usage: rollout preflight [--config FILE]

Before anything else, confirms the vendor account can use both models: the model is not
retired, models.retrieve finds it, and a one-token message succeeds. Prints the rate-limit
headers of each, and names a retired or unavailable model plainly. Exit code 1 on any failure.
${CONFIG_HELP}
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional).`,
  options: { ...CONFIG_OPTION },
  run: async (v, cli) => {
    const result = await preflight({
      config: loadConfig(v, cli),
      apiKey: cli.env.ANTHROPIC_API_KEY ?? '',
      baseURL: cli.env.ANTHROPIC_BASE_URL,
      print: cli.print,
    });
    return result.exitCode;
  },
};
