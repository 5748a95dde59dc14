import { awsAnswerOf, type AwsAnswer } from '../cli/aws-answer';
import { explainAwsError } from '../cli/aws-errors';
import { CliError } from '../cli/cli-error';

/** One AWS call of the upgrade, described for on-call: what it does and what a failure means. */
export interface UpgradeCall {
  /** "read the deployed template of stack X" — completes "Could not …". */
  readonly action: string;
  readonly service: 'CloudFormation' | 'S3';
  /** The IAM permission the call needs, for access-denied advice. */
  readonly permission: string;
  /** After an AWS-side (5xx) failure: what may have happened and whether to run it again. */
  readonly afterServerFault: string;
}

const CREDENTIALS_REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'TokenRefreshRequired',
]);

/**
 * An AWS answer to an upgrade call, as one paragraph: what failed, the AWS error, the request id
 * AWS Support asks for, and what to do. The SDK error stays as `cause`.
 */
export class UpgradeAwsFailure extends CliError {
  public constructor(
    public readonly call: UpgradeCall,
    public readonly answer: AwsAnswer,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'UpgradeAwsFailure';
  }
}

/**
 * Explains an SDK failure of an upgrade call. The rollout CLI's explanations (lib/cli/aws-errors)
 * speak of AppConfig and CloudWatch, so AWS's answers are worded here; failures that never
 * reached AWS (no credentials, no network) keep the CLI's words. Other errors come back
 * unchanged: those are bugs.
 */
export function explainUpgradeAwsError(err: unknown, call: UpgradeCall, region: string): unknown {
  const answer = awsAnswerOf(err);
  if (!answer) return explainAwsError(err, call.action, region, 'read');
  return new UpgradeAwsFailure(call, answer, paragraph(call, answer, region), { cause: err });
}

export async function withUpgradeAwsErrors<T>(call: UpgradeCall, region: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainUpgradeAwsError(err, call, region);
  }
}

function paragraph(call: UpgradeCall, a: AwsAnswer, region: string): string {
  const what = `${a.name} (HTTP ${a.httpStatusCode}, request id ${a.requestId ?? 'not given'})`;
  const nothingChanged = 'Nothing was changed.';
  if (CREDENTIALS_REFUSED.has(a.name)) {
    return `Could not ${call.action}: AWS refused the credentials with ${what}: they are expired or invalid. ${nothingChanged} Refresh them (aws sso login, or new keys) and run it again.`;
  }
  if (a.name === 'AccessDenied' || a.name === 'AccessDeniedException') {
    return `Could not ${call.action}: access denied, ${what}: ${a.message}. Your role needs ${call.permission}. ${nothingChanged} The CDK deploy role of the account (cdk-hnb659fds-deploy-role-ACCOUNT-${region}) has these permissions.`;
  }
  if (a.name === 'Throttling' || a.name === 'ThrottlingException' || a.name === 'SlowDown') {
    return `Could not ${call.action}: AWS throttled the calls even after retries, ${what}. ${nothingChanged} Wait a minute and run it again.`;
  }
  if (a.name === 'ValidationError' && /does not exist/i.test(a.message)) {
    return `Could not ${call.action}: ${a.message} in ${region}. Check --stack and --region, and that your credentials are for the stack's account. ${nothingChanged}`;
  }
  if (a.name === 'NoSuchBucket') {
    return `Could not ${call.action}: the bucket does not exist, ${what}. The stack was not changed. Bootstrap the account and region (npx cdk bootstrap) or pass --bucket with a bucket of the stack's account in ${region}.`;
  }
  if (a.fault === 'client') {
    return `Could not ${call.action}: ${call.service} refused it with ${what}: ${a.message}. ${nothingChanged} Running it again unchanged will fail the same way; quote the request id to AWS Support if the cause is unclear.`;
  }
  const attempts = a.attempts && a.attempts > 1 ? ` after ${a.attempts} attempts` : '';
  return `Could not ${call.action}: ${call.service} answered ${what}${attempts}, a failure on the AWS side. ${call.afterServerFault} If it keeps failing, check the AWS Health Dashboard and quote the request id to AWS Support.`;
}
