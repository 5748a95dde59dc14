/**
 * The holdback: a phase configured at 100% still keeps a small share of users on the default
 * model (config `judge.holdbackPercent`, default 1%). Without it the default model serves only
 * fallbacks in `full` — calls chosen by the new model's own failures — and the judge has no
 * baseline to compare with. The users held back are the highest buckets, so they are the same
 * users throughout `full`, and are the first to move when the holdback is set to 0.
 * Pure module: no AWS import.
 */

/** The share of users (0–100) the flag sends to the new model in a phase configured at `rolloutPercent`. */
export function servedPercent(rolloutPercent: number, holdbackPercent: number): number {
  return rolloutPercent >= 100 ? 100 - holdbackPercent : rolloutPercent;
}

/** How a phase's share reads in the CLI: "99% of users (1% held back on the default model)". */
export function servedPercentLabel(rolloutPercent: number, holdbackPercent: number): string {
  const served = servedPercent(rolloutPercent, holdbackPercent);
  return served === rolloutPercent
    ? `${served}% of users`
    : `${served}% of users (${holdbackPercent}% held back on the default model as the judge's baseline)`;
}
