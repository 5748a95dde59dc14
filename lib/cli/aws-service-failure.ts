import type { AwsAnswer } from './aws-answer';
import { CliError } from './cli-error';

/**
 * Whether a call only reads rollout state or may change it. It decides the advice: a failed
 * read changed nothing, but AWS can fail a write after applying it (a deployment started or
 * stopped, alarm actions paused), so running the command again blindly could do it twice.
 */
export type AwsCallEffect = 'read' | 'write';

/**
 * AWS answered a call with an error no other explanation covers — typically its own failure
 * (HTTP 5xx: InternalServerException, InternalFailure, ServiceUnavailable) that outlasted the
 * SDK's retries. One paragraph: what failed, the AWS error, the request id AWS Support asks for,
 * and whether running it again is safe. The SDK error stays as `cause`.
 */
export class AwsServiceFailure extends CliError {
  public constructor(
    public readonly action: string,
    public readonly answer: AwsAnswer,
    public readonly effect: AwsCallEffect,
    options: { cause: unknown },
  ) {
    super(paragraph(action, answer, effect), options);
    this.name = 'AwsServiceFailure';
  }
}

function paragraph(action: string, a: AwsAnswer, effect: AwsCallEffect): string {
  const attempts = a.attempts && a.attempts > 1 ? ` after ${a.attempts} attempts` : '';
  const what = `${a.name} (HTTP ${a.httpStatusCode}, request id ${a.requestId ?? 'not given'})`;
  const support = 'If it keeps failing, check the AWS Health Dashboard and quote the request id to AWS Support.';
  if (a.fault === 'client') {
    // A refused request did not take effect, but sending it again unchanged fails the same way.
    return `Could not ${action}: ${a.service} refused it with ${what}: ${a.message}. Nothing was changed; running it again unchanged will fail the same way. Quote the request id to AWS Support if the cause is unclear.`;
  }
  const advice =
    effect === 'read'
      ? 'This only reads, so nothing was changed and it is safe to run it again in a few minutes.'
      : 'The request may still have taken effect: run npx rollout status before running it again, so nothing is deployed or stopped twice.';
  return `Could not ${action}: ${a.service} answered ${what}${attempts}, a failure on the AWS side. ${advice} ${support}`;
}
