import { preflight } from '../preflight';
import { replay } from '../replay/replay';
import { CliError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { CONFIG_HELP, CONFIG_OPTION, type ArgValues, type Command, confirmer, loadConfig, str } from '../command';

const DEFAULTS = { maxRequests: 100, maxTokens: 1024, concurrency: 4 } as const;

/** `rollout preflight` */
export const PREFLIGHT_COMMAND: Command = {
  summary: 'Check vendor access: both models exist and answer; rate limits; --replay a sample',
  usage: `Usage: rollout preflight [--config FILE]
       rollout preflight --replay FILE.jsonl [--max-requests N] [--max-tokens N] [--concurrency N]
                         [--json] [--yes] [--show-bodies] [--config FILE]

Before anything else, confirms the vendor account can use both models: the model is not
retired, models.retrieve finds it, and a one-token message succeeds. Prints the rate-limit
headers of each, and names a retired or unavailable model plainly. Exit code 1 on any failure.

--replay FILE.jsonl sends each request of a sample (one Messages API body per line, exported
from your own tests or traffic) to the default model as sent and to the new model with the
request rules the gateway applies; when a rule changes a body it is also sent to the new
model as sent, to tell which requests the rules repair. Reports refusals (by line number and
error type, never prompt text), answer-shape differences (content block types and order,
stop_reason) and latency and token ratios new/default. Streams are replayed non-streaming.
The worst-case cost is shown and confirmed on a terminal first. Exit 0 when the new model
accepts every request (after the rules), 1 when it refuses or fails any, 2 on bad input.
  --max-requests N   replay the first N requests (default ${DEFAULTS.maxRequests})
  --max-tokens N     lower each request's max_tokens to N for the replay (default ${DEFAULTS.maxTokens})
  --concurrency N    requests in flight at once (default ${DEFAULTS.concurrency})
  --json             the report as JSON on stdout
  --yes              do not ask before sending
  --show-bodies      include request bodies and the vendor's error messages (prompt text!)
${CONFIG_HELP}
Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional).`,
  options: {
    ...CONFIG_OPTION,
    replay: { type: 'string' },
    'max-requests': { type: 'string' },
    'max-tokens': { type: 'string' },
    concurrency: { type: 'string' },
    json: { type: 'boolean' },
    yes: { type: 'boolean' },
    'show-bodies': { type: 'boolean' },
  },
  run: async (v, cli) => {
    const file = str(v.replay);
    if (file === undefined) {
      for (const name of ['max-requests', 'max-tokens', 'concurrency', 'json', 'show-bodies'])
        if (v[name] !== undefined) throw new CliError(`--${name} needs --replay FILE.jsonl`, { exitCode: EXIT.usage });
      const result = await preflight({
        config: loadConfig(v, cli),
        apiKey: cli.env.ANTHROPIC_API_KEY ?? '',
        baseURL: cli.env.ANTHROPIC_BASE_URL,
        print: cli.print,
      });
      return result.exitCode;
    }
    const result = await replay({
      config: loadConfig(v, cli),
      file,
      apiKey: cli.env.ANTHROPIC_API_KEY ?? '',
      baseURL: cli.env.ANTHROPIC_BASE_URL,
      maxRequests: positiveInt(v, 'max-requests', DEFAULTS.maxRequests),
      maxTokens: positiveInt(v, 'max-tokens', DEFAULTS.maxTokens),
      concurrency: positiveInt(v, 'concurrency', DEFAULTS.concurrency),
      json: v.json === true,
      showBodies: v['show-bodies'] === true,
      print: cli.print,
      progress: cli.progress,
      confirm: confirmer(v, cli),
    });
    return result.exitCode;
  },
};

function positiveInt(v: ArgValues, name: string, fallback: number): number {
  const raw = str(v[name]);
  if (raw === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(raw))
    throw new CliError(`--${name} must be a positive whole number (got ${JSON.stringify(raw)})`, {
      exitCode: EXIT.usage,
    });
  return Number(raw);
}
