import { AppConfigServiceException } from '@aws-sdk/client-appconfig';
import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import { SSMServiceException } from '@aws-sdk/client-ssm';

/** What AWS answered when a call failed, as the SDK records it on the error. */
export interface AwsAnswer {
  /** The AWS error name, e.g. InternalServerException, InternalFailure, ServiceUnavailable. */
  readonly name: string;
  readonly message: string;
  /** The service that answered, when the error says (AppConfig, CloudWatch, SSM). */
  readonly service: string;
  readonly httpStatusCode: number;
  /** From the x-amzn-requestid header: what AWS Support asks for. */
  readonly requestId?: string;
  /** How many times the SDK sent the request (its retries included). */
  readonly attempts?: number;
  /** server: AWS failed (5xx); client: AWS refused the request (4xx). */
  readonly fault: 'server' | 'client';
}

interface SdkMetadata {
  readonly httpStatusCode?: unknown;
  readonly requestId?: unknown;
  readonly attempts?: unknown;
}

/**
 * The answer behind an SDK error, or undefined when AWS never answered (no HTTP status: a
 * network failure, missing credentials) or the error is not the SDK's at all. The SDK also
 * puts `$metadata` on errors that never reached AWS, so the status code is what tells.
 */
export function awsAnswerOf(err: unknown): AwsAnswer | undefined {
  if (!(err instanceof Error)) return undefined;
  const metadata = (err as { $metadata?: SdkMetadata }).$metadata;
  const status = metadata?.httpStatusCode;
  if (typeof status !== 'number') return undefined;
  const declared = (err as { $fault?: unknown }).$fault;
  return {
    name: err.name,
    message: err.message,
    service: serviceOf(err),
    httpStatusCode: status,
    requestId: typeof metadata?.requestId === 'string' ? metadata.requestId : undefined,
    attempts: typeof metadata?.attempts === 'number' ? metadata.attempts : undefined,
    fault: declared === 'server' || status >= 500 ? 'server' : 'client',
  };
}

function serviceOf(err: Error): string {
  if (err instanceof AppConfigServiceException) return 'AppConfig';
  if (err instanceof CloudWatchServiceException) return 'CloudWatch';
  if (err instanceof SSMServiceException) return 'SSM';
  return 'AWS';
}
