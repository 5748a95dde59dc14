/**
 * A small evaluator of IAM policy documents, as IAM documents its logic ("Policy evaluation
 * logic" in the IAM User Guide): an explicit Deny wins, otherwise an Allow is needed, and a
 * statement applies only when its principal, action, resource and every condition match.
 * It covers what the rollout's templates use — Principal Service/AWS/'*', Action/NotAction
 * with wildcards, Resource, and the String/Arn/Bool condition operators (with IfExists) — and
 * throws on anything else, so a policy it cannot read fails the audit instead of passing it.
 */

export interface PolicyRequest {
  /** A service principal (`cloudwatch.amazonaws.com`) or an IAM principal ARN. */
  readonly principal: { readonly service: string } | { readonly arn: string };
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. `aws:SourceArn`, `aws:SourceAccount`, `aws:SecureTransport`. */
  readonly context: Readonly<Record<string, string>>;
}

export type Decision = 'allow' | 'deny' | 'no-allow';

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocumentJson {
  readonly Statement: readonly PolicyStatementJson[];
}

/** The decision of one policy document for `request`. */
export function evaluatePolicy(doc: PolicyDocumentJson, request: PolicyRequest): Decision {
  let allowed = false;
  for (const s of doc.Statement) {
    if (!statementApplies(s, request)) continue;
    if (s.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'no-allow';
}

/** Whether statement `s` applies to `request`: principal, action, resource and every condition match. */
export function statementApplies(s: PolicyStatementJson, request: PolicyRequest): boolean {
  if (s.NotPrincipal !== undefined || s.NotResource !== undefined)
    throw new Error(`policy evaluator: NotPrincipal/NotResource not supported (statement ${s.Sid ?? '?'})`);
  if (s.Principal !== undefined && !principalMatches(s.Principal, request.principal)) return false;
  if (s.Action !== undefined && !list(s.Action).some((a) => wildcard(a, request.action, true))) return false;
  if (s.NotAction !== undefined && list(s.NotAction).some((a) => wildcard(a, request.action, true))) return false;
  if (s.Resource !== undefined && !list(s.Resource).some((r) => wildcard(r, request.resource, false))) return false;
  return conditionsMatch(s.Condition ?? {}, request.context);
}

function principalMatches(p: unknown, who: PolicyRequest['principal']): boolean {
  if (p === '*') return true;
  if (typeof p !== 'object' || p === null)
    throw new Error(`policy evaluator: unreadable Principal ${JSON.stringify(p)}`);
  const entries = p as Record<string, unknown>;
  for (const [kind, value] of Object.entries(entries)) {
    const values = list(value as string | string[]);
    if (kind === 'Service' && 'service' in who && values.includes(who.service)) return true;
    if (
      kind === 'AWS' &&
      'arn' in who &&
      values.some((v) => v === '*' || v === who.arn || rootOf(v) === accountOf(who.arn))
    )
      return true;
    if (kind !== 'Service' && kind !== 'AWS') throw new Error(`policy evaluator: Principal kind ${kind} not supported`);
  }
  return false;
}

/** `arn:aws:iam::123456789012:root` (or a bare account id) names the whole account. */
function rootOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  const m = /^arn:[^:]+:iam::(\d{12}|[^:]+):root$/.exec(principal);
  return m?.[1];
}

function accountOf(arn: string): string | undefined {
  return arn.split(':')[4];
}

const OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (p, v) => p === v,
  StringNotEquals: (p, v) => p !== v,
  StringLike: (p, v) => wildcard(p, v, false),
  ArnEquals: (p, v) => p === v,
  ArnLike: (p, v) => arnLike(p, v),
  Bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};

function conditionsMatch(
  conditions: NonNullable<PolicyStatementJson['Condition']>,
  context: PolicyRequest['context'],
): boolean {
  for (const [rawOperator, keys] of Object.entries(conditions)) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    const test = OPERATORS[operator];
    if (!test) throw new Error(`policy evaluator: condition operator ${rawOperator} not supported`);
    for (const [key, patterns] of Object.entries(keys)) {
      const value = context[key];
      if (value === undefined) {
        if (ifExists) continue;
        return false; // a missing key never matches a (non-negated) condition
      }
      const values = list(patterns);
      const negated = operator.includes('Not');
      const ok = negated ? values.every((p) => test(p, value)) : values.some((p) => test(p, value));
      if (!ok) return false;
    }
  }
  return true;
}

/** ARN matching: each of the six colon-separated parts compared with wildcards on its own. */
function arnLike(pattern: string, arn: string): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return false;
  const head = (parts: string[]): string[] => [...parts.slice(0, 5), parts.slice(5).join(':')];
  return head(p).every((part, i) => wildcard(part, head(a)[i]!, false));
}

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.split('?').map(escape).join('.'))
      .join('.*')}$`,
    caseInsensitive ? 'i' : '',
  );
  return re.test(value);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
