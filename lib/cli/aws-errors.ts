import { awsAnswerOf } from './aws-answer';
import { AwsServiceFailure, type AwsCallEffect } from './aws-service-failure';
import { CliError } from './cli-error';

/**
 * Turns an AWS SDK failure into words on-call can act on. Any other answer from AWS (its own
 * 5xx failures above all) becomes an AwsServiceFailure, whose advice depends on `effect`.
 * Errors that are not AWS's are returned unchanged (and end the CLI with their stack trace:
 * those are bugs).
 */
export function explainAwsError(err: unknown, action: string, region: string, effect: AwsCallEffect): unknown {
  if (!(err instanceof Error)) return err;
  const name = err.name;
  const code = (err as { code?: string }).code ?? '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message)) {
    return new CliError(
      `No AWS credentials found to ${action}: set AWS_PROFILE, run 'aws sso login', or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then run it again.`,
      { cause: err },
    );
  }
  if (
    [
      'UnrecognizedClientException',
      'InvalidClientTokenId',
      'ExpiredTokenException',
      'ExpiredToken',
      'InvalidSignatureException',
    ].includes(name)
  ) {
    return new CliError(
      `AWS refused the credentials while trying to ${action} (${name}): they are expired or invalid — refresh them and run it again.`,
      { cause: err },
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new CliError(
      `Access denied while trying to ${action}: your role needs AppConfig and CloudWatch permissions on the rollout's resources (${err.message}).`,
      { cause: err },
    );
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'Throttling') {
    return new CliError(`AWS throttled the calls to ${action}, even after retries: wait a minute and run it again.`, {
      cause: err,
    });
  }
  if (name === 'ConflictException') {
    return new CliError(
      `AppConfig refused to ${action}: another deployment is in progress in this environment. Wait for it (npx rollout status) or stop it (npx rollout rollback).`,
      { cause: err },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new CliError(
      `Not found while trying to ${action}: ${err.message}. Check the names in rollout.config.json and that your credentials point at the stack's account and region (${region}).`,
      { cause: err },
    );
  }
  if (name === 'BadRequestException' || name === 'ValidationException') {
    const service = awsAnswerOf(err)?.service ?? 'AWS';
    return new CliError(`${service} refused to ${action}: ${err.message}`, { cause: err });
  }
  if (['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code) || name === 'TimeoutError') {
    return new CliError(
      `Cannot reach AWS in ${region} to ${action} (${code || name}): check the network, the region, or AWS_ENDPOINT_URL_* if you set one.`,
      { cause: err },
    );
  }
  const answer = awsAnswerOf(err);
  if (answer) return new AwsServiceFailure(action, answer, effect, { cause: err });
  return err;
}

/**
 * Runs `fn`, explaining AWS failures. `effect` has no default on purpose: whether on-call is
 * told "safe to run again" or "check status first" must be decided at each call.
 */
export async function withAwsErrors<T>(
  action: string,
  region: string,
  effect: AwsCallEffect,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainAwsError(err, action, region, effect);
  }
}
