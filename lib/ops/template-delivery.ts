import type { StackLocation } from './stack-arn';

/**
 * UpdateStack TemplateBody: "a minimum length of 1 byte and a maximum length of 51,200 bytes"
 * (CloudFormation API Reference, UpdateStack). A larger template must be in S3 (TemplateURL).
 */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

/** How the template reaches CloudFormation. */
export type TemplateDelivery =
  | { readonly kind: 'body'; readonly body: string; readonly bytes: number }
  | {
      readonly kind: 's3';
      readonly body: string;
      readonly bytes: number;
      readonly bucket: string;
      readonly key: string;
      readonly url: string;
    };

export interface DeliveryTarget {
  readonly stackName: string;
  readonly location: StackLocation;
  /** --bucket; default: the CDK bootstrap bucket of the stack's account and region. */
  readonly bucket?: string;
  readonly now: Date;
}

export function planDelivery(body: string, target: DeliveryTarget): TemplateDelivery {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= TEMPLATE_BODY_LIMIT_BYTES) return { kind: 'body', body, bytes };
  const { location } = target;
  const bucket = target.bucket ?? cdkAssetsBucket(location);
  const key = `rollout-upgrade/${target.stackName}-${compactTimestamp(target.now)}.json`;
  return { kind: 's3', body, bytes, bucket, key, url: templateUrl(bucket, key, location) };
}

/**
 * The bucket `cdk bootstrap` creates with the default qualifier (CDK Developer Guide,
 * "Bootstrapping"): cdk deploy already uploads this stack's templates there.
 */
export function cdkAssetsBucket(location: StackLocation): string {
  return `cdk-hnb659fds-assets-${location.account}-${location.region}`;
}

/**
 * The object's URL as CloudFormation reads it: path-style on the regional S3 endpoint, the form
 * cdk deploy itself passes as TemplateURL (and safe for bucket names with dots). The bucket
 * must be in the stack's region (UpdateStack: TemplateURL).
 */
export function templateUrl(bucket: string, key: string, location: StackLocation): string {
  const suffix = location.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `https://s3.${location.region}.${suffix}/${bucket}/${path}`;
}

/** 2026-12-01T08:00:14.123Z → 20261201T080014Z (sortable; no characters S3 keys make awkward). */
function compactTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}
