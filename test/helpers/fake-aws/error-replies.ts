import type { Reply } from './reply';

/**
 * An error AWS answers, by the name its API reference gives it. `fault` is the AWS Query
 * "Type": Receiver for the service's own failures (5xx), Sender for the caller's (4xx).
 */
export interface AwsErrorReply {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly fault: 'Sender' | 'Receiver';
}

/** AWS AppConfig API Reference, ListDeployments (and every action): InternalServerException — HTTP 500. */
export const APPCONFIG_INTERNAL_SERVER_EXCEPTION: AwsErrorReply = {
  status: 500,
  code: 'InternalServerException',
  message: 'Internal failure in the AppConfig service.',
  fault: 'Receiver',
};

/** AWS AppConfig API Reference, Common Errors: ThrottlingException — HTTP 400 (the SDK retries it). */
export const APPCONFIG_THROTTLING_EXCEPTION: AwsErrorReply = {
  status: 400,
  code: 'ThrottlingException',
  message: 'Rate exceeded',
  fault: 'Sender',
};

/** Amazon CloudWatch API Reference, Common Errors: InternalFailure — HTTP 500. */
export const CLOUDWATCH_INTERNAL_FAILURE: AwsErrorReply = {
  status: 500,
  code: 'InternalFailure',
  message: 'The request failed because of an unknown error in the service.',
  fault: 'Receiver',
};

/** Amazon CloudWatch API Reference, Common Errors: ServiceUnavailable — HTTP 503. */
export const CLOUDWATCH_SERVICE_UNAVAILABLE: AwsErrorReply = {
  status: 503,
  code: 'ServiceUnavailable',
  message: 'The request failed because of a temporary failure of the server.',
  fault: 'Receiver',
};

/**
 * AppConfig speaks REST JSON: the error name travels in the x-amzn-errortype header and the
 * body carries `Message`.
 */
export function restJsonError(error: AwsErrorReply): Reply {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': `${error.code}:http://internal.amazon.com/coral/com.amazonaws.appconfig/`,
    },
    body: JSON.stringify({ Message: error.message }),
  };
}

/**
 * CloudWatch speaks JSON 1.0 in its AWS-Query-compatible flavour: `__type` in the body, and the
 * Query error code and fault in x-amzn-query-error ("Code;Type"), which is where the SDK takes
 * the error name from when the client sent x-amzn-query-mode.
 */
export function json10QueryCompatibleError(error: AwsErrorReply, namespace = 'com.amazon.coral.service'): Reply {
  return {
    status: error.status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${error.code};${error.fault}` },
    body: JSON.stringify({ __type: `${namespace}#${error.code}`, message: error.message }),
  };
}
