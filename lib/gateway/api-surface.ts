import type { CohortDecision } from '../domain/cohort';
import type { GatewaySettings } from '../domain/gateway-settings';
import { applyRequestRules, type RequestRuleName } from '../domain/request-rules';
import type { PassThroughApi } from './endpoints';
import { checkSize, COUNT_TOKENS_PATH, type CountTokensRequest, type GatewayHttpRequest } from './messages-request';
import type { RequestLifetime } from './request-lifetime';
import type { AttemptLog, RequestLogLine } from './request-log';
import type { ResponseSink } from './response-sink';
import { planRoute, type CallTarget } from './routing';
import type { ForwardResult, VendorForward } from './vendor-forward';
import type { VendorFailure } from './vendor-failure';

/**
 * The rest of the API surface a drop-in endpoint needs, beside POST /v1/messages:
 * count_tokens (routed like a message: same cohort, same request rules, since token counts
 * differ between models) and the pass-through endpoints (models, batches). None of these is a
 * model call, so none writes model metrics (Requests, Latency, …); each gets its request log line.
 */
export interface SurfaceContext {
  readonly settings: GatewaySettings;
  readonly lifetime: RequestLifetime;
  readonly log: RequestLogLine;
  /** One vendor call with the gateway's key (read again once if the vendor refuses it). */
  forward(call: VendorForward): Promise<ForwardResult>;
  /** The vendor refused the gateway's key on the call that answers the client. */
  keyRefused(): void;
  readonly now: () => number;
}

/** Headers of the vendor's answer the client gets back (the body's own type and the vendor's request id). */
const ANSWER_HEADERS = ['content-type', 'request-id'];

/**
 * POST /v1/messages/count_tokens: counted by the model the user's messages go to. In the
 * cohort that is the new model with its request rules applied (rules that touch max_tokens are
 * skipped: a count has no output); when the new model fails or refuses, the default model
 * counts, marked `x-rollout-fallback: true` as a message would be.
 */
export async function countTokens(
  ctx: SurfaceContext,
  request: CountTokensRequest,
  decision: CohortDecision,
  newModelAllowed: boolean,
  sink: ResponseSink,
): Promise<void> {
  const plan = planRoute({ settings: ctx.settings, requestedModel: request.body.model, decision, newModelAllowed });
  ctx.log.variant = plan.variant;
  const attempts: AttemptLog[] = [];
  ctx.log.attempts = attempts;
  let failure: VendorFailure | undefined;
  let headers: Record<string, string> = {};
  for (const target of plan.targets) {
    const fallback = plan.variant === 'new' && target.role === 'default';
    headers = { 'x-rollout-variant': plan.variant, ...(fallback ? { 'x-rollout-fallback': 'true' } : {}) };
    const started = ctx.now();
    const result = await ctx.forward({
      method: 'post',
      path: COUNT_TOKENS_PATH,
      query: '',
      body: Buffer.from(JSON.stringify(countTokensBody(request, target, ctx.log))),
      headers: request.forwardHeaders,
      timeoutMs: target.timeoutMs,
      lifetime: ctx.lifetime,
    });
    const latencyMs = ctx.now() - started;
    if (result.kind === 'answered') {
      attempts.push({ model: target.metricsModel, outcome: 'served', latencyMs });
      ctx.log.servedBy = target.metricsModel;
      ctx.log.fallback = fallback;
      await answerJson(result.response, sink, headers, (body) => body);
      ctx.log.status = result.response.status;
      return;
    }
    failure = result.failure;
    attempts.push({
      model: target.metricsModel,
      outcome: `${failure.category}: ${failure.summary}`,
      status: failure.status,
      latencyMs,
    });
    if (!target.fallBackOn.includes(failure.category)) break;
  }
  if (!failure) throw new Error('route plan had no targets');
  answerFailure(ctx, failure, sink, headers);
}

/** The body a target counts: the new model's copy adapted by its rules, every copy naming the vendor id. */
function countTokensBody(request: CountTokensRequest, target: CallTarget, log: RequestLogLine): object {
  const body = { ...request.body, model: target.vendorModelId };
  if (target.role !== 'new') return body;
  // The rules read max_tokens; a count has none, and clamping would add one the endpoint refuses.
  const rules = (target.model?.requestRules ?? []).filter((r: RequestRuleName) => r !== 'clampMaxTokens');
  const { body: adapted, applied } = applyRequestRules({ ...body, max_tokens: 1 }, rules, {
    maxOutputTokens: target.model?.maxOutputTokens,
  });
  if (applied.length > 0) log.adapted = applied;
  const { max_tokens: _none, ...out } = adapted;
  return out;
}

/**
 * GET /v1/models[/{id}] and /v1/messages/batches…: sent to the vendor as the client sent them
 * (method, path, query, body, anthropic-* headers), the rollout not applied. A batch's
 * `results_url` points at the vendor, which the client cannot call with the gateway's
 * credentials: it is rewritten to the same path on the gateway, which passes the JSONL through.
 */
export async function passThrough(
  ctx: SurfaceContext,
  req: GatewayHttpRequest,
  api: PassThroughApi,
  forwardHeaders: Readonly<Record<string, string>>,
  sink: ResponseSink,
  vendorBaseURL: string,
): Promise<void> {
  const hasBody = req.method === 'POST';
  if (hasBody) checkSize(req, ctx.settings.gateway.maxRequestBytes);
  const started = ctx.now();
  const result = await ctx.forward({
    method: req.method.toLowerCase() as VendorForward['method'],
    path: req.path,
    query: req.query ?? '',
    ...(hasBody ? { body: req.body } : {}),
    headers: forwardHeaders,
    timeoutMs: ctx.settings.gateway.defaultModelTimeoutMs,
    lifetime: ctx.lifetime,
  });
  const latencyMs = ctx.now() - started;
  if (result.kind === 'failed') {
    ctx.log.attempts = [
      {
        model: api,
        outcome: `${result.failure.category}: ${result.failure.summary}`,
        status: result.failure.status,
        latencyMs,
      },
    ];
    answerFailure(ctx, result.failure, sink, {});
    return;
  }
  ctx.log.attempts = [{ model: api, outcome: 'served', latencyMs }];
  const { response } = result;
  ctx.log.status = response.status;
  if (isJson(response) || response.body === null) {
    const gateway = gatewayOrigin(req);
    await answerJson(response, sink, {}, (body) =>
      api === 'batches' && gateway ? rewriteResultsUrls(body, vendorBaseURL, gateway) : body,
    );
    return;
  }
  try {
    await sink.pipeBody(response.status, pickHeaders(response.headers), response.body);
  } catch (err) {
    // The vendor or the client dropped mid-body: the answer is cut off, nothing more can be sent.
    ctx.log.attempts = [
      { model: api, outcome: `served, then cut off: ${err instanceof Error ? err.name : 'error'}`, latencyMs },
    ];
  }
}

function answerFailure(
  ctx: SurfaceContext,
  failure: VendorFailure,
  sink: ResponseSink,
  headers: Readonly<Record<string, string>>,
): void {
  ctx.log.status = failure.status;
  if (failure.category === 'credential') ctx.keyRefused();
  if (failure.category !== 'client-gone')
    sink.sendJson(failure.status, { ...failure.headers, ...headers }, failure.body);
}

async function answerJson(
  response: Response,
  sink: ResponseSink,
  headers: Readonly<Record<string, string>>,
  transform: (body: unknown) => unknown,
): Promise<void> {
  const text = await response.text();
  const body: unknown = text === '' ? {} : JSON.parse(text);
  sink.sendJson(response.status, { ...pickHeaders(response.headers, ['request-id']), ...headers }, transform(body));
}

function isJson(response: Response): boolean {
  return /^application\/(.+\+)?json\b/i.test(response.headers.get('content-type') ?? '');
}

function pickHeaders(headers: Headers, names: readonly string[] = ANSWER_HEADERS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value) out[name] = value;
  }
  return out;
}

/**
 * Where the client reached the gateway: a Function URL sends `host` and `x-forwarded-proto`;
 * `rollout serve` has only `host` (plain HTTP). Undefined without a host header.
 */
export function gatewayOrigin(req: GatewayHttpRequest): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  const proto = req.headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'http';
  return `${proto}://${host}`;
}

/**
 * Points `results_url` (of a batch, or of each batch in a list) at the gateway when it points at
 * the vendor the gateway calls; any other URL is left alone.
 */
export function rewriteResultsUrls(body: unknown, vendorBaseURL: string, gateway: string): unknown {
  const vendor = vendorBaseURL.replace(/\/+$/, '');
  const rewrite = (batch: unknown): unknown => {
    if (typeof batch !== 'object' || batch === null) return batch;
    const url = (batch as { results_url?: unknown }).results_url;
    if (typeof url !== 'string' || !url.startsWith(`${vendor}/`)) return batch;
    return { ...batch, results_url: `${gateway}${url.slice(vendor.length)}` };
  };
  if (typeof body !== 'object' || body === null) return body;
  const data = (body as { data?: unknown }).data;
  if (Array.isArray(data)) return { ...body, data: data.map(rewrite) };
  return rewrite(body);
}
