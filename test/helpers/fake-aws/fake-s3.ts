import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { AwsErrorReply } from './error-replies';
import { el } from './query-protocol';
import type { Reply } from './reply';

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType?: string;
}

/** One request as the fake S3 sees it. */
export interface S3Request {
  readonly method: string;
  /** The path, decoded: /bucket/key (path-style). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/**
 * S3 buckets and objects, answering PutObject path-style (PUT /bucket/key) with S3's REST XML
 * errors (Amazon S3 API Reference, "Error responses"). It checks what S3 checks on the way in:
 * the bucket exists, x-amz-expected-bucket-owner names its owner (else 403 AccessDenied), the
 * payload matches x-amz-content-sha256 and x-amz-checksum-crc32 (else 400). CloudFormation
 * reads a TemplateURL's object from here (`object`).
 */
export class FakeS3 {
  private readonly buckets = new Map<string, { owner: string; objects: Map<string, StoredObject> }>();

  public createBucket(name: string, owner: string): this {
    this.buckets.set(name, { owner, objects: new Map() });
    return this;
  }

  public object(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  public keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.objects.keys() ?? [])];
  }

  /** The operation a request is (for recording and fault injection). */
  public operationOf(req: S3Request): string {
    return req.method === 'PUT' && req.path.split('/').length > 2 ? 'PutObject' : `${req.method} ${req.path}`;
  }

  public handle(req: S3Request, requestId: string): Reply {
    const [, bucketName = '', ...keyParts] = req.path.split('/');
    const key = keyParts.join('/');
    if (this.operationOf(req) !== 'PutObject')
      return s3Error(
        { status: 501, code: 'NotImplemented', message: `fake S3 has no ${req.method} ${req.path}`, fault: 'Sender' },
        requestId,
      );
    if ((req.headers['content-encoding'] ?? '').includes('aws-chunked')) {
      return s3Error(
        {
          status: 501,
          code: 'NotImplemented',
          message: 'fake S3 does not decode aws-chunked uploads',
          fault: 'Sender',
        },
        requestId,
      );
    }
    const bucket = this.buckets.get(bucketName);
    if (!bucket)
      return s3Error(
        { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist', fault: 'Sender' },
        requestId,
      );
    const expectedOwner = req.headers['x-amz-expected-bucket-owner'];
    if (expectedOwner !== undefined && expectedOwner !== bucket.owner) {
      return s3Error({ status: 403, code: 'AccessDenied', message: 'Access Denied', fault: 'Sender' }, requestId);
    }
    const sha = req.headers['x-amz-content-sha256'];
    if (
      sha !== undefined &&
      /^[0-9a-f]{64}$/.test(sha) &&
      sha !== createHash('sha256').update(req.body).digest('hex')
    ) {
      return s3Error(
        {
          status: 400,
          code: 'XAmzContentSHA256Mismatch',
          message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
          fault: 'Sender',
        },
        requestId,
      );
    }
    const checksum = req.headers['x-amz-checksum-crc32'];
    const actual = crc32Base64(req.body);
    if (checksum !== undefined && checksum !== actual) {
      return s3Error(
        {
          status: 400,
          code: 'BadDigest',
          message: 'The CRC32 you specified did not match the calculated checksum.',
          fault: 'Sender',
        },
        requestId,
      );
    }
    bucket.objects.set(key, { body: req.body, contentType: req.headers['content-type'] });
    return {
      status: 200,
      headers: { etag: `"${createHash('md5').update(req.body).digest('hex')}"`, 'x-amz-checksum-crc32': actual },
      body: '',
    };
  }
}

/** S3's REST XML error, with the request id both in the body and in x-amz-request-id. */
export function s3Error(error: AwsErrorReply, requestId: string): Reply {
  return {
    status: error.status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': 'fake' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${el('Error', [el('Code', error.code), el('Message', error.message), el('RequestId', requestId), el('HostId', 'fake')])}`,
  };
}

function crc32Base64(body: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(body) >>> 0);
  return out.toString('base64');
}
