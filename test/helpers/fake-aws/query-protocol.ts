import type { AwsErrorReply } from './error-replies';
import type { Reply } from './reply';

/**
 * The AWS Query protocol as CloudFormation speaks it (and @aws-sdk/client-cloudformation 3.1164.0
 * sends it: AwsQueryProtocol in @aws-sdk/core): POST / with a form-encoded body
 * `Action=UpdateStack&Version=2010-05-15&StackName=…`, lists as `Name.member.N`, structures in
 * lists as `Name.member.N.Field`; answers in XML, `<ActionResponse><ActionResult>…`, errors as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 */
export const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** A decoded form body: every field as the SDK sent it. */
export type QueryInput = ReadonlyMap<string, string>;

export function parseQuery(body: string): QueryInput {
  return new Map(new URLSearchParams(body));
}

/** `Name.member.1`, `Name.member.2`, … in order (an empty list arrives as `Name=`). */
export function memberList(input: QueryInput, name: string): string[] {
  return indexes(input, `${name}.member.`, /^(\d+)$/).map((n) => input.get(`${name}.member.${n}`) ?? '');
}

/** `Name.member.N.Field` structures, in order. */
export function memberStructs(input: QueryInput, name: string): Array<ReadonlyMap<string, string>> {
  const prefix = `${name}.member.`;
  return indexes(input, prefix, /^(\d+)\./).map((n) => {
    const fields = new Map<string, string>();
    for (const [key, value] of input) {
      if (key.startsWith(`${prefix}${n}.`)) fields.set(key.slice(`${prefix}${n}.`.length), value);
    }
    return fields;
  });
}

function indexes(input: QueryInput, prefix: string, rest: RegExp): number[] {
  const found = new Set<number>();
  for (const key of input.keys()) {
    if (!key.startsWith(prefix)) continue;
    const match = rest.exec(key.slice(prefix.length));
    if (match) found.add(Number(match[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/** An XML element: text is escaped, children are already XML. */
export type XmlNode = string;

export function el(name: string, content: string | number | boolean | XmlNode[] | undefined): XmlNode {
  if (content === undefined) return '';
  const inner = Array.isArray(content) ? content.join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

/** `<Name><member>…</member>…</Name>`. */
export function members(name: string, items: readonly XmlNode[]): XmlNode {
  return el(
    name,
    items.map((item) => `<member>${item}</member>`),
  );
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A successful answer to `action`. */
export function queryResult(action: string, result: readonly XmlNode[], requestId: string): Reply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${CLOUDFORMATION_XMLNS}">${el(`${action}Result`, [...result])}${el('ResponseMetadata', [el('RequestId', requestId)])}</${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

export function queryError(error: AwsErrorReply, requestId: string): Reply {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${CLOUDFORMATION_XMLNS}">${el('Error', [el('Type', error.fault), el('Code', error.code), el('Message', error.message)])}${el('RequestId', requestId)}</ErrorResponse>`;
  return { status: error.status, headers: { 'content-type': 'text/xml' }, body };
}

/** CloudFormation API Reference, Common Errors and each action's Errors: ValidationError — HTTP 400. */
export function validationError(message: string): AwsErrorReply {
  return { status: 400, code: 'ValidationError', message, fault: 'Sender' };
}
