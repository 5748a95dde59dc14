import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, BadRequestError } from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { createSignedFetch } from '../client/signed-fetch';
import type { RolloutConfig } from '../domain/config-schema';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

export interface SmokeOptions {
  /** Gateway base URL: a Lambda Function URL (https://<id>.lambda-url.<region>.on.aws) or a local `rollout serve` (http://127.0.0.1:PORT). */
  readonly url: string;
  /** For the default/new model ids and the phases' allowlists. */
  readonly config: RolloutConfig;
  /** A user key expected in the cohort. @default the first allowlist entry of any phase, else none */
  readonly user?: string;
  /** SigV4-sign the requests. @default true for https URLs, false for http ones (local `rollout serve`) */
  readonly sign?: boolean;
  /** Region for signing. @default parsed from the lambda-url host, else config.aws.region */
  readonly region?: string;
  /** AWS credentials for signing. @default the AWS SDK's default provider chain */
  readonly credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** Treat "new model path not exercised" as a failure. */
  readonly expectNew?: boolean;
  readonly print?: (line: string) => void;
}

export interface SmokeCheck {
  readonly name: string;
  readonly outcome: 'pass' | 'fail' | 'skip';
  readonly detail: string;
  readonly ms: number;
}

/** The one prompt smoke sends (nothing else is ever printed as prompt text). */
export const SMOKE_PROMPT = 'Reply with the single word: pong';
const SMOKE_MAX_TOKENS = 16;
const REQUEST_TIMEOUT_MS = 60_000;
const LAMBDA_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.on\.aws$/;

export interface SmokeTarget {
  /** The base URL without a trailing slash. */
  readonly url: string;
  readonly sign: boolean;
  /** The signing region (also resolved when not signing). */
  readonly region: string;
}

/** Resolves the URL, whether to sign and the signing region (throws CliError on a URL that is not http(s)). */
export function smokeTarget(options: Pick<SmokeOptions, 'url' | 'config' | 'sign' | 'region'>): SmokeTarget {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch (cause) {
    throw new CliError(
      `--url must be the gateway's base URL, e.g. https://<id>.lambda-url.us-east-1.on.aws or http://127.0.0.1:8080 (got '${options.url}').`,
      { exitCode: EXIT.usage, cause },
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new CliError(`--url must be an http:// or https:// URL (got '${options.url}').`, { exitCode: EXIT.usage });
  }
  const url = options.url.replace(/\/+$/, '');
  const sign = options.sign ?? parsed.protocol === 'https:';
  const region = options.region ?? LAMBDA_URL_HOST.exec(parsed.hostname)?.[1] ?? options.config.aws.region;
  return { url, sign, region };
}

/** The user key smoke expects in the cohort: the first allowlist entry of any phase. */
export function defaultCohortUser(config: RolloutConfig): string | undefined {
  return config.rollout.phases.flatMap((p) => p.allowlist)[0];
}

/**
 * `rollout smoke --url URL`: four requests through the gateway with the Anthropic SDK (the
 * way applications call it) — the default path, the new-model path for a cohort user,
 * streaming, and a bad request — each reported on one line. Never throws for an
 * unreachable or misbehaving gateway: those are failed checks.
 */
export async function smoke(options: SmokeOptions): Promise<{ checks: SmokeCheck[]; exitCode: number }> {
  const print = options.print ?? ((line: string) => console.log(line));
  const target = smokeTarget(options);
  const { config } = options;
  const defaultAlias = config.llm.defaultModel;
  const defaultId = vendorId(config, defaultAlias);
  const newId = vendorId(config, config.llm.newModelAlias);
  const user = options.user ?? defaultCohortUser(config);

  const client = new Anthropic({
    baseURL: target.url,
    apiKey: 'unused', // the vendor key stays in the gateway
    maxRetries: 0,
    timeout: REQUEST_TIMEOUT_MS,
    fetch: target.sign ? createSignedFetch({ region: target.region, credentials: options.credentials }) : undefined,
  });
  const ctx: Context = {
    client,
    url: target.url,
    signed: target.sign,
    defaultAlias,
    defaultId,
    newId,
    user,
    expectNew: options.expectNew === true,
  };

  print(
    `smoke: ${target.url} (${target.sign ? `SigV4-signed for lambda in ${target.region}` : 'unsigned'}), default model ${defaultAlias}, new model ${config.llm.newModelAlias}, cohort user ${user ?? '(none)'}`,
  );
  print(row('check', 'outcome', 'ms', 'detail'));
  const checks: SmokeCheck[] = [];
  for (const [name, run] of CHECKS) {
    const started = performance.now();
    let result: Omit<SmokeCheck, 'name' | 'ms'>;
    try {
      result = await run(ctx);
    } catch (err) {
      result = fail(describeError(err, ctx));
    }
    const check: SmokeCheck = { name, ...result, ms: Math.round(performance.now() - started) };
    checks.push(check);
    print(row(check.name, check.outcome, String(check.ms), check.detail));
  }
  const count = (o: SmokeCheck['outcome']): number => checks.filter((c) => c.outcome === o).length;
  const failed = count('fail');
  print(`smoke: ${count('pass')} passed, ${failed} failed, ${count('skip')} skipped`);
  return { checks, exitCode: failed > 0 ? EXIT.failed : EXIT.ok };
}

interface Context {
  readonly client: Anthropic;
  readonly url: string;
  readonly signed: boolean;
  readonly defaultAlias: string;
  readonly defaultId: string;
  readonly newId: string;
  readonly user: string | undefined;
  readonly expectNew: boolean;
}

type Result = Omit<SmokeCheck, 'name' | 'ms'>;

const pass = (detail: string): Result => ({ outcome: 'pass', detail });
const fail = (detail: string): Result => ({ outcome: 'fail', detail });
const skip = (detail: string): Result => ({ outcome: 'skip', detail });

const CHECKS: ReadonlyArray<readonly [string, (ctx: Context) => Promise<Result>]> = [
  ['default path', defaultPath],
  ['new model path', newModelPath],
  ['streaming', streaming],
  ['bad request', badRequest],
];

function messages(): MessageParam[] {
  return [{ role: 'user', content: SMOKE_PROMPT }];
}

async function defaultPath(ctx: Context): Promise<Result> {
  const { data, response } = await ctx.client.messages
    .create({ model: ctx.defaultAlias, max_tokens: SMOKE_MAX_TOKENS, messages: messages() })
    .withResponse();
  const variant = response.headers.get('x-rollout-variant');
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (variant !== 'default') problems.push(variantProblem(variant, 'default', ctx));
  if (data.model !== ctx.defaultId) problems.push(`${data.model} answered, expected ${ctx.defaultId}`);
  if (problems.length) return fail(`request without a user key: ${problems.join('; ')}`);
  return pass(`${data.model} answered (x-rollout-variant: default)`);
}

async function newModelPath(ctx: Context): Promise<Result> {
  if (ctx.user === undefined) {
    const detail = 'no cohort user: pass --user or add a user key to a phase allowlist';
    return ctx.expectNew ? fail(detail) : skip(detail);
  }
  const { data, response } = await ctx.client.messages
    .create({
      model: ctx.defaultAlias,
      max_tokens: SMOKE_MAX_TOKENS,
      messages: messages(),
      metadata: { user_id: ctx.user },
    })
    .withResponse();
  const variant = response.headers.get('x-rollout-variant');
  const fallback = response.headers.get('x-rollout-fallback') === 'true';
  if (variant === 'new') {
    if (fallback)
      return fail(
        `new model failed; default answered (x-rollout-fallback: true, ${data.model} answered for user ${ctx.user}): see the gateway's logs and the new model's error metrics`,
      );
    if (data.model !== ctx.newId)
      return fail(`x-rollout-variant: new but ${data.model} answered, expected ${ctx.newId}`);
    return pass(`${data.model} answered for user ${ctx.user} (x-rollout-variant: new)`);
  }
  if (variant === 'default') {
    const detail = `user ${ctx.user} is not in the cohort (flag off or not allowlisted)`;
    return ctx.expectNew ? fail(detail) : skip(detail);
  }
  return fail(variantProblem(variant, 'new or default', ctx));
}

async function streaming(ctx: Context): Promise<Result> {
  const { data: stream, response } = await ctx.client.messages
    .create({ model: ctx.defaultAlias, max_tokens: SMOKE_MAX_TOKENS, messages: messages(), stream: true })
    .withResponse();
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('text/event-stream')) {
    stream.controller.abort();
    return fail(`expected a text/event-stream answer to stream: true, got ${contentType || 'no content-type'}`);
  }
  let events = 0;
  let textChars = 0;
  let model: string | undefined;
  let stopped = false;
  for await (const event of stream) {
    events += 1;
    if (event.type === 'message_start') model = event.message.model;
    else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
      textChars += event.delta.text.length;
    else if (event.type === 'message_stop') stopped = true;
  }
  if (!stopped) return fail(`stream ended without message_stop after ${events} events`);
  if (textChars === 0) return fail(`stream of ${events} events carried no text`);
  return pass(
    `${events} events, ${textChars} characters of text from ${model ?? 'an unnamed model'}, ended with message_stop`,
  );
}

async function badRequest(ctx: Context): Promise<Result> {
  try {
    const { response } = await ctx.client.messages
      .create({ model: ctx.defaultAlias, max_tokens: 0, messages: messages() })
      .withResponse();
    return fail(`${ctx.url} answered ${response.status} to max_tokens: 0; expected 400 invalid_request_error`);
  } catch (err) {
    if (err instanceof BadRequestError) {
      if (err.type === 'invalid_request_error')
        return pass(`400 invalid_request_error: ${err.apiMessage ?? err.message}`);
      return fail(
        `400 with error type ${err.type ?? '(none)'}; expected invalid_request_error (is the body Anthropic's error shape?)`,
      );
    }
    if (err instanceof APIError && !(err instanceof APIConnectionError) && err.status !== undefined) {
      return fail(`${describeError(err, ctx)}; expected 400 invalid_request_error for max_tokens: 0`);
    }
    throw err;
  }
}

function variantProblem(variant: string | null, expected: string, ctx: Context): string {
  if (variant === null) return `no x-rollout-variant header (expected ${expected}): is ${ctx.url} the model gateway?`;
  return `x-rollout-variant: ${variant}, expected ${expected}`;
}

function describeError(err: unknown, ctx: Context): string {
  if (err instanceof APIConnectionTimeoutError)
    return `no answer from ${ctx.url} within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (err instanceof APIConnectionError) return `cannot reach ${ctx.url}: ${rootCause(err)}`;
  if (err instanceof APIError) {
    if (err.status === undefined)
      return `${ctx.url} broke off the answer: ${err.type ?? 'error'}${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
    const what = `${ctx.url} answered ${err.status}${err.type ? ` ${err.type}` : ''}${err.apiMessage ? `: ${err.apiMessage}` : ''}`;
    if (err.status === 403 && ctx.signed)
      return `${what} (the Function URL refused the signature: check the AWS credentials, the region and gateway.callerArns)`;
    if (err.status === 403) return `${what} (unsigned request: a Function URL with AWS_IAM auth needs --sign)`;
    return what;
  }
  return `${ctx.url}: ${err instanceof Error ? err.message : String(err)}`;
}

/** The innermost cause's code or message (e.g. ECONNREFUSED, a credentials error). */
function rootCause(err: Error): string {
  let current: unknown = err;
  let last: string = err.message;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    last = typeof code === 'string' ? code : current.message;
    current = current.cause;
  }
  return last;
}

function vendorId(config: RolloutConfig, alias: string): string {
  const model = config.llm.models[alias];
  if (!model) throw new CliError(`model alias '${alias}' is not in llm.models of the config.`);
  return model.vendorModelId;
}

function row(name: string, outcome: string, ms: string, detail: string): string {
  return `  ${name.padEnd(15)} ${outcome.padEnd(7)} ${ms.padStart(6)}  ${detail}`;
}
