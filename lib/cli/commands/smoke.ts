import { CliError } from '../cli-error';
import { CONFIG_HELP, CONFIG_OPTION, type Command, loadConfig, str } from '../command';
import { EXIT } from '../exit-codes';
import { smoke } from '../smoke';

const SMOKE_USAGE = `Usage: rollout smoke --url URL [--user ID] [--expect-new] [--sign | --no-sign] [--region REGION] [--config FILE]

Sends four requests through the gateway with the Anthropic SDK and reports each:
  1. default path   — no user key: answered by the default model (x-rollout-variant: default)
  2. new model path — a cohort user: answered by the new model without fallback
                      (skipped when the user is not in the cohort, e.g. the flag is off)
  3. streaming      — a complete server-sent-event stream
  4. bad request    — max_tokens 0 is refused with 400 invalid_request_error
Exit code 1 when a check failed.
  --url URL       the gateway: its Function URL (stack output GatewayUrl) or http://127.0.0.1:PORT
  --user ID       a user key in the cohort (default: the first allowlisted QA user)
  --expect-new    fail, rather than skip, when the new model path is not exercised
  --sign          SigV4-sign requests with your AWS credentials (default for https URLs)
  --no-sign       do not sign (default for http URLs)
  --region R      region for signing (default: from the URL, else the config's)
${CONFIG_HELP}`;

/** `rollout smoke` */
export const SMOKE_COMMAND: Command = {
  summary: 'Smoke-test a deployed gateway (or a local serve): default path, new model, streaming, bad request',
  usage: SMOKE_USAGE,
  options: {
    ...CONFIG_OPTION,
    url: { type: 'string' },
    user: { type: 'string' },
    'expect-new': { type: 'boolean' },
    sign: { type: 'boolean' },
    'no-sign': { type: 'boolean' },
    region: { type: 'string' },
  },
  run: async (v, cli) => {
    const url = str(v.url);
    if (!url) throw new CliError(`--url URL is required.\n\n${SMOKE_USAGE}`, { exitCode: EXIT.usage });
    const sign = v['no-sign'] === true ? false : v.sign === true ? true : undefined;
    const result = await smoke({
      url,
      config: loadConfig(v, cli),
      user: str(v.user),
      sign,
      region: str(v.region),
      expectNew: v['expect-new'] === true,
      print: cli.print,
    });
    return result.exitCode;
  },
};
