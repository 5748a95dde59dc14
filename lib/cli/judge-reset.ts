import type { SSMClient } from '@aws-sdk/client-ssm';
import type { RolloutConfig } from '../domain/config-schema';
import { renderWindowReset } from '../domain/judge/window-reset';
import { windowResetParameterName } from '../domain/judge/window-reset-parameter';
import { recordWindowReset } from '../ops/judge-window-start';
import { withAwsErrors } from './aws-errors';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** SSM's standard tier holds 4 KB (bytes, not characters); the record also carries the time and who. */
export const MAX_RECORD_BYTES = 4_096;

export interface JudgeResetOptions {
  readonly reason: string | undefined;
  /** Who is resetting, as the record names them (SSM's history also keeps the IAM identity). */
  readonly by: string;
  readonly at: Date;
  readonly confirm: (question: string) => Promise<boolean>;
}

/**
 * `rollout judge-reset --reason TEXT`: the judge forgets the minutes so far and counts only
 * minutes from now on. For a false fail: a verdict keeps the rollback alarm in ALARM, so every
 * redeploy of the phase would be rolled back again until the window the verdict came from is
 * left behind. The reason is required and recorded; each reset is a new version of the SSM
 * parameter, so its history is the audit trail.
 */
export async function judgeReset(
  config: RolloutConfig,
  ssm: SSMClient,
  options: JudgeResetOptions,
  print: (line: string) => void,
): Promise<number> {
  const reason = options.reason?.trim() ?? '';
  if (!reason)
    throw new CliError(
      'judge-reset needs --reason TEXT: say why the minutes so far should not count (it is recorded with the reset).',
      { exitCode: EXIT.usage },
    );
  const bytes = Buffer.byteLength(renderWindowReset({ resetAt: options.at, reason, by: options.by }), 'utf8');
  if (bytes > MAX_RECORD_BYTES)
    throw new CliError(
      `--reason and --by make a record of ${bytes} bytes; SSM holds ${MAX_RECORD_BYTES}: shorten the reason.`,
      { exitCode: EXIT.usage },
    );
  const parameter = windowResetParameterName(config);
  const question = `Reset the judge's window to ${options.at.toISOString()}? It forgets every minute before it, including the evidence of a failing check.`;
  if (!(await options.confirm(question))) {
    print('Not confirmed: nothing done.');
    return EXIT.notConfirmed;
  }
  const reset = await withAwsErrors(`record the judge window reset in ${parameter}`, config.aws.region, 'write', () =>
    recordWindowReset(ssm, parameter, { reason, by: options.by, at: options.at }),
  );
  const interval = config.judge.intervalMinutes;
  print(`Judge window reset at ${reset.resetAt.toISOString()} by ${reset.by}: ${reset.reason}`);
  print(
    `The judge counts only minutes from now on. Its next runs (every ${interval} min) publish verdicts on the new window; a judge alarm clears once two of its periods hold no fail (about ${2 * interval} min), then the rollback alarm with it.`,
  );
  print(`Every reset is kept: aws ssm get-parameter-history --name ${parameter}`);
  return EXIT.ok;
}
