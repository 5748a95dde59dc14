/**
 * Checks an AWS Signature Version 4 `Authorization` header the way an AWS service does on
 * receipt, for the fakes that stand in for one: the signature is recomputed by the AWS SDK's own
 * signer (`@smithy/signature-v4`) from the request as it arrived — method, path, query, the
 * headers named in SignedHeaders with their received values, the body — with the secret key of
 * the access key id the credential names, and compared with the one sent.
 *
 * A refusal carries the error an AWS JSON-protocol service answers (name, status, message):
 * - no Authorization header: MissingAuthenticationTokenException, 403 (Common Errors:
 *   MissingAuthenticationToken, 403);
 * - an Authorization header that is not a whole SigV4 one, no X-Amz-Date, or host / x-amz-date
 *   not signed: IncompleteSignatureException, 400 (Common Errors: IncompleteSignature, 400);
 * - an access key id the fake does not know, or a session token that is missing, extra or not
 *   the one issued with the key: UnrecognizedClientException, 400 (what Secrets Manager and the
 *   other JSON services send for the Common Errors' InvalidClientTokenId);
 * - a wrong credential scope (date, region, service), a date more than 5 minutes off the fake's
 *   clock, an x-amz-content-sha256 that is not the body's, or a signature that does not match:
 *   InvalidSignatureException, 400, with the messages AWS uses (IAM User Guide, "Troubleshoot
 *   Signature Version 4 signing for AWS API requests").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** An access key the fake accepts: the secret key it signs with, and the session token issued with it (if any). */
export interface FakeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request as it arrived: header names lower-case (as node:http gives them). */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as received: path and query string, still percent-encoded. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SigV4Expectation {
  readonly region: string;
  readonly service: string;
  readonly credentials: readonly FakeCredentials[];
  readonly now: Date;
}

/** What the Authorization header said, as far as it could be read. */
export interface SigV4Claim {
  readonly accessKeyId?: string;
  /** `date/region/service/aws4_request` */
  readonly credentialScope?: string;
  /** SignedHeaders, in the order sent. */
  readonly signedHeaders: readonly string[];
}

export interface SigV4Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type SigV4Outcome =
  | { readonly ok: true; readonly claim: SigV4Claim }
  | { readonly ok: false; readonly claim: SigV4Claim; readonly refusal: SigV4Refusal };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const CLOCK_WINDOW_MS = 5 * 60_000;

export async function verifySigV4(request: ReceivedRequest, expect: SigV4Expectation): Promise<SigV4Outcome> {
  const authorization = request.headers.authorization;
  if (authorization === undefined)
    return refuse({ signedHeaders: [] }, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parsed = parseAuthorization(authorization);
  const claim: SigV4Claim = {
    accessKeyId: parsed.credential?.split('/')[0],
    credentialScope: parsed.credential?.split('/').slice(1).join('/'),
    signedHeaders: parsed.signedHeaders ?? [],
  };
  const amzDate = request.headers['x-amz-date'];
  const incomplete = [
    parsed.algorithm === ALGORITHM ? '' : `Unsupported AWS 'algorithm': '${parsed.algorithm}'.`,
    parsed.credential ? '' : "Authorization header requires 'Credential' parameter.",
    parsed.signature ? '' : "Authorization header requires 'Signature' parameter.",
    parsed.signedHeaders ? '' : "Authorization header requires 'SignedHeaders' parameter.",
    amzDate ? '' : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter(Boolean);
  if (incomplete.length > 0)
    return refuse(claim, 400, 'IncompleteSignatureException', `${incomplete.join(' ')} Authorization=${authorization}`);
  const scope = parsed.credential!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request')
    return refuse(
      claim,
      400,
      'IncompleteSignatureException',
      `Credential should have the form 'KEY/YYYYMMDD/region/service/aws4_request', not '${parsed.credential}'.`,
    );
  if (!claim.signedHeaders.includes('host'))
    return refuse(
      claim,
      400,
      'IncompleteSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  if (!claim.signedHeaders.includes('x-amz-date'))
    return refuse(
      claim,
      400,
      'IncompleteSignatureException',
      "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
    );
  const signingDate = parseAmzDate(amzDate!);
  if (!signingDate)
    return refuse(
      claim,
      400,
      'IncompleteSignatureException',
      `X-Amz-Date '${amzDate}' is not in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.`,
    );

  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  const known = expect.credentials.find((c) => c.accessKeyId === accessKeyId);
  const token = request.headers['x-amz-security-token'];
  if (!known || token !== known.sessionToken)
    return refuse(claim, 400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (date !== amzDate!.slice(0, 8))
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate!.slice(0, 8)}', from '${amzDate}'.`,
    );
  if (region !== expect.region)
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${region}'.`,
    );
  if (service !== expect.service)
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${expect.service}'.`,
    );
  const skew = signingDate.getTime() - expect.now.getTime();
  if (Math.abs(skew) > CLOCK_WINDOW_MS) {
    const now = basicIso(expect.now);
    const limit = basicIso(new Date(expect.now.getTime() + Math.sign(skew) * CLOCK_WINDOW_MS));
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      skew < 0
        ? `Signature expired: ${amzDate} is now earlier than ${limit} (${now} - 5 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${limit} (${now} + 5 min.)`,
    );
  }
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex'))
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );

  const expected = await recompute(request, claim.signedHeaders, signingDate, known, region, service);
  if (
    !expected.signedHeaders.every((h, i) => h === claim.signedHeaders[i]) ||
    !sameHex(expected.signature, parsed.signature!)
  )
    return refuse(
      claim,
      400,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  return { ok: true, claim };
}

/** The signature the sender should have computed, by the SDK's signer, over what was received. */
async function recompute(
  request: ReceivedRequest,
  signedHeaders: readonly string[],
  signingDate: Date,
  credentials: FakeCredentials,
  region: string,
  service: string,
): Promise<{ signature: string; signedHeaders: string[] }> {
  const url = new URL(request.target, 'http://fake.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const prior = query[key];
    query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  // Only the headers the sender signed, with the values they arrived with. The token travels
  // as a header already, so the signer is not given it (it would add it, signed or not).
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    // The sender's x-amz-content-sha256, if it sent one, is among the headers already.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: decodeURIComponent(url.pathname),
      query,
      headers,
      body: request.body,
    },
    // Signed by the sender means signed here, even a header the SDK itself never signs (user-agent).
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const parsed = parseAuthorization(String(signed.headers.authorization));
  return { signature: parsed.signature ?? '', signedHeaders: parsed.signedHeaders ?? [] };
}

function parseAuthorization(header: string): {
  algorithm: string;
  credential?: string;
  signedHeaders?: string[];
  signature?: string;
} {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of (space < 0 ? '' : header.slice(space + 1)).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const signedHeaders = fields.get('SignedHeaders');
  return {
    algorithm,
    credential: fields.get('Credential') || undefined,
    signedHeaders: signedHeaders ? signedHeaders.split(';') : undefined,
    signature: fields.get('Signature') || undefined,
  };
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function basicIso(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function refuse(claim: SigV4Claim, status: number, code: string, message: string): SigV4Outcome {
  return { ok: false, claim, refusal: { status, code, message } };
}
