import { plan } from '../plan';
import { CONFIG_HELP, CONFIG_OPTION, type Command, loadConfig, str } from '../command';

/** `rollout plan` */
export const PLAN_COMMAND: Command = {
  summary: 'What the judge can detect in each phase at your traffic (no AWS calls)',
  usage: `Usage: rollout plan [--traffic N] [--json] [--config FILE]

Per phase: the new model's calls per hour, the smallest error-rate rise caught in 80% of
minimum watch windows, whether a 2x latency slowdown is caught, minutes to roll back a dead
model, the chance of rolling back a healthy model at vendor-wide error rates of 0.5, 1 and 2%,
and the hours needed where the minimum watch window is too short to catch 1% -> 3% errors.
Computed from the judge's own checks and the judge section of the config (docs/DETECTION.md).
  --traffic N     requests a day through the gateway (default: spend.traffic.requestsPerDay)
  --json          print {traffic, phases} as JSON
${CONFIG_HELP}`,
  options: { ...CONFIG_OPTION, traffic: { type: 'string' }, json: { type: 'boolean' } },
  run: (v, cli) =>
    Promise.resolve(plan(loadConfig(v, cli), { traffic: str(v.traffic), json: v.json === true }, cli.print)),
};
