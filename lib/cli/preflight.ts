import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { RolloutConfig } from '../domain/config-schema';
import { findRetirement } from '../domain/retired-models';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

export interface PreflightOptions {
  readonly config: RolloutConfig;
  /** The vendor key (main.ts reads ANTHROPIC_API_KEY). */
  readonly apiKey: string;
  /** The vendor's base URL (ANTHROPIC_BASE_URL; a fake vendor in tests). @default the SDK's (https://api.anthropic.com) */
  readonly baseURL?: string;
  readonly print?: (line: string) => void;
  /** YYYY-MM-DD, for the retired-model list. @default today (UTC) */
  readonly today?: string;
}

/** The `anthropic-ratelimit-*` headers of one answer by (lower-case) name, plus `retry-after` when a 429 carried one. */
export type RateLimitHeaders = Readonly<Record<string, string>>;

export interface PreflightResult {
  readonly role: 'default' | 'new';
  readonly alias: string;
  readonly vendorModelId: string;
  readonly outcome: 'pass' | 'fail';
  readonly detail: string;
  /** From the one-token message (or the 429 that refused it). */
  readonly rateLimits?: RateLimitHeaders;
}

const TIMEOUT_MS = 30_000;
const RATE_LIMIT_PREFIX = 'anthropic-ratelimit-';
const RATE_LIMIT_KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;
const RATE_LIMIT_FIELDS = ['limit', 'remaining', 'reset'] as const;

/**
 * `rollout preflight`: confirms vendor access for the default (fallback) model and the new
 * model before anything else — not on Anthropic's retirement list, known to the API for this
 * key, and answering a one-token message — and prints the rate limits the key has.
 */
export async function preflight(options: PreflightOptions): Promise<{ exitCode: number; results: PreflightResult[] }> {
  const print = options.print ?? ((line: string) => console.log(line));
  if (!options.apiKey) {
    throw new CliError(
      'ANTHROPIC_API_KEY is not set: export the vendor API key the gateway will use (its secret in Secrets Manager holds the same key).',
    );
  }
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
  });
  const baseURL = client.baseURL;
  print(`preflight: checking the Anthropic API at ${baseURL}`);

  const { config } = options;
  const targets: Array<{ role: PreflightResult['role']; alias: string }> = [
    { role: 'default', alias: config.llm.defaultModel },
    { role: 'new', alias: config.llm.newModelAlias },
  ];
  const results: PreflightResult[] = [];
  for (const { role, alias } of targets) {
    const model = config.llm.models[alias];
    const result: PreflightResult = model
      ? await checkModel(client, baseURL, role, alias, model.vendorModelId, today)
      : {
          role,
          alias,
          vendorModelId: '',
          outcome: 'fail',
          detail: `model alias '${alias}' is not in llm.models of the config`,
        };
    results.push(result);
    const label = `${role === 'default' ? 'default model' : 'new model'} ${alias}${result.vendorModelId && result.vendorModelId !== alias ? ` (${result.vendorModelId})` : ''}`;
    print(`${result.outcome === 'pass' ? 'ok  ' : 'FAIL'} ${label}: ${result.detail}`);
    if (result.rateLimits) for (const line of rateLimitTable(result.rateLimits)) print(`       ${line}`);
  }
  const failed = results.filter((r) => r.outcome === 'fail').length;
  print(`preflight: ${results.length - failed} passed, ${failed} failed`);
  return { exitCode: failed > 0 ? EXIT.failed : EXIT.ok, results };
}

async function checkModel(
  client: Anthropic,
  baseURL: string,
  role: PreflightResult['role'],
  alias: string,
  id: string,
  today: string,
): Promise<PreflightResult> {
  const base = { role, alias, vendorModelId: id };
  const fail = (detail: string, rateLimits?: RateLimitHeaders): PreflightResult => ({
    ...base,
    outcome: 'fail',
    detail,
    ...(rateLimits ? { rateLimits } : {}),
  });

  // (a) the known retirement list: no call needed to know it fails
  const retired = findRetirement(id, today);
  if (retired) {
    return fail(
      `${id} was retired by Anthropic on ${retired.retiredOn}: calls to it fail; use ${retired.replacement} (or another live model) as llm.models.${alias}.vendorModelId`,
    );
  }

  // (b) the model as the API knows it, for this key
  const notes: string[] = [];
  try {
    const info = await client.models.retrieve(id);
    if (info.lifecycle === 'retired')
      return fail(
        `${id} is retired (the models API says so): calls to it fail; choose a live model in llm.models.${alias}.vendorModelId`,
      );
    if (info.lifecycle === 'deprecated') {
      notes.push(
        `deprecated${info.retires_at ? `, retires ${info.retires_at.slice(0, 10)}` : ''}: plan its replacement`,
      );
    }
  } catch (err) {
    return fail(describeError(err, id, baseURL, 'models.retrieve'));
  }

  // (c) a one-token message, for access and the key's rate limits
  try {
    const { response, request_id: requestId } = await client.messages
      .create({ model: id, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] })
      .withResponse();
    const rateLimits = rateLimitHeaders(response.headers);
    const detail = [
      `known to the API and answered a 1-token message${requestId ? ` (request-id ${requestId})` : ''}`,
      ...notes,
    ];
    if (Object.keys(rateLimits).length === 0) detail.push('no anthropic-ratelimit-* headers returned');
    return { ...base, outcome: 'pass', detail: detail.join('; '), rateLimits };
  } catch (err) {
    const headers = headersOf(err);
    const rateLimits = headers ? rateLimitHeaders(headers) : undefined;
    return fail(
      describeError(err, id, baseURL, 'messages.create'),
      rateLimits && Object.keys(rateLimits).length ? rateLimits : undefined,
    );
  }
}

/** The answer's headers; `instanceof` alone narrows a generic class to `APIError<any, any, any>`. */
function headersOf(err: unknown): Headers | undefined {
  const apiError: APIError | undefined = err instanceof APIError ? err : undefined;
  return apiError?.headers;
}

function describeError(err: unknown, id: string, baseURL: string, call: string): string {
  if (err instanceof APIConnectionTimeoutError)
    return `no answer from the Anthropic API at ${baseURL} within ${TIMEOUT_MS / 1000} s (${call})`;
  if (err instanceof APIConnectionError)
    return `cannot reach the Anthropic API at ${baseURL}: ${rootCause(err)} (check ANTHROPIC_BASE_URL, proxy and network)`;
  if (err instanceof APIError && err.status !== undefined) {
    const said = `${err.type ? ` ${err.type}` : ''}${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
    switch (err.status) {
      case 401:
      case 403:
        return `the API key was refused (${err.status}): check ANTHROPIC_API_KEY${said ? ` (${said.trim()})` : ''}`;
      case 404:
        return `model ${id} does not exist or this key cannot use it (404 from ${call})`;
      case 429: {
        const retryAfter = headersOf(err)?.get('retry-after');
        const wait = retryAfter
          ? `retry after ${retryAfter} s`
          : 'no retry-after header: a spend or usage limit may be exhausted (see the Anthropic console)';
        return `rate limited (429${said}): ${wait}`;
      }
      default:
        return `${call} for ${id} answered ${err.status}${said}${err.requestID ? ` (request-id ${err.requestID})` : ''}`;
    }
  }
  if (err instanceof APIError) return `${call} for ${id} failed: ${err.message}`;
  return `${call} for ${id} failed: ${err instanceof Error ? err.message : String(err)}`;
}

/** The innermost cause's code or message (e.g. ECONNREFUSED, ENOTFOUND). */
function rootCause(err: Error): string {
  let current: unknown = err;
  let last = err.message;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    last = typeof code === 'string' ? code : current.message;
    current = current.cause;
  }
  return last;
}

function rateLimitHeaders(headers: Headers): RateLimitHeaders {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith(RATE_LIMIT_PREFIX)) out[name.toLowerCase()] = value;
  });
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && Object.keys(out).length > 0) out['retry-after'] = retryAfter;
  return out;
}

/** A small table: one row per limit kind the answer named (requests, tokens, ...). */
export function rateLimitTable(headers: RateLimitHeaders): string[] {
  const rows = RATE_LIMIT_KINDS.filter((kind) =>
    RATE_LIMIT_FIELDS.some((f) => headers[`${RATE_LIMIT_PREFIX}${kind}-${f}`] !== undefined),
  ).map((kind) => [kind, ...RATE_LIMIT_FIELDS.map((f) => headers[`${RATE_LIMIT_PREFIX}${kind}-${f}`] ?? '-')]);
  if (rows.length === 0) return [];
  const table = [['rate limit', ...RATE_LIMIT_FIELDS], ...rows];
  const widths = table
    .map((r) => r.map((cell) => cell.length))
    .reduce((a, b) => a.map((w, i) => Math.max(w, b[i] ?? 0)));
  const lines = table.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
  if (headers['retry-after'] !== undefined) lines.push(`retry-after: ${headers['retry-after']} s`);
  return lines;
}
