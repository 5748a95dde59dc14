import type Anthropic from '@anthropic-ai/sdk';
import { decideCohort, type CohortDecision } from '../domain/cohort';
import type { GatewaySettings } from '../domain/gateway-settings';
import { ERROR_TYPE_DIMENSION, RULE_DIMENSION } from '../domain/metric-names';
import { applyRequestRules } from '../domain/request-rules';
import { CircuitBreaker } from './circuit-breaker';
import { countTokens, passThrough, type SurfaceContext } from './api-surface';
import { endpointOf } from './endpoints';
import { anthropicErrorBody, GatewayError } from './errors';
import type { FlagReader } from './flag-reader';
import {
  forwardedHeaders,
  parseCountTokensRequest,
  parseMessagesRequest,
  type GatewayHttpRequest,
  type MessagesRequest,
} from './messages-request';
import { RequestMetrics, type MetricsPublisher } from './metrics';
import { callModel, type CallResult } from './model-call';
import { OutputModerator } from './moderation';
import type { IdHasher } from './privacy';
import type { ResponseSink } from './response-sink';
import { DeadlineExceededError, RequestLifetime, type RequestLimits } from './request-lifetime';
import { namesDefaultModel, planRoute, type CallTarget } from './routing';
import { estimateCostUsd, totalInputTokens } from './usage';
import type { VendorClients } from './vendor-clients';
import type { AttemptLog, RequestLogLine } from './request-log';
import type { VendorFailure, VendorRefusal } from './vendor-failure';
import { forwardToVendor, type ForwardResult, type VendorForward } from './vendor-forward';

/** The logging the gateway needs; Powertools Logger fits it. */
export interface GatewayLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface GatewayDeps {
  readonly settings: GatewaySettings;
  readonly flags: FlagReader;
  /** The vendor client: its key is read on first use, and read again when the vendor refuses it. */
  readonly clients: VendorClients;
  /** Keyed hashing of user/client ids; resolved lazily like the client. */
  readonly hasher: () => Promise<IdHasher>;
  readonly metrics: MetricsPublisher;
  readonly logger: GatewayLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** How often one kind of flag failure is logged (it is counted every time). */
const FLAG_WARNING_INTERVAL_MS = 60_000;

/**
 * When the vendor refuses the gateway's key (401/403), the secret is read again and the call
 * retried this many times per request: once is enough to pick up a rotated key, and a revoked
 * one then fails fast instead of hammering Secrets Manager.
 */
const KEY_REREADS_PER_REQUEST = 1;

/**
 * The model selector: per request it decides whether the caller is in the rollout cohort,
 * then walks the route plan — new model, then the default model — in one loop, answering
 * from the first model that serves. Request handling is the same in Lambda and `rollout serve`.
 */
export class Gateway {
  private readonly breaker: CircuitBreaker;
  private readonly moderator: OutputModerator;
  private readonly now: () => number;
  private lastFlagWarning = 0;

  public constructor(private readonly deps: GatewayDeps) {
    const g = deps.settings.gateway;
    this.now = deps.now ?? Date.now;
    this.breaker = new CircuitBreaker({
      failureThreshold: g.circuitBreaker.failureThreshold,
      windowMs: g.circuitBreaker.windowSeconds * 1000,
      cooldownMs: g.circuitBreaker.cooldownSeconds * 1000,
      now: this.now,
    });
    this.moderator = new OutputModerator(g.moderation.outputChecks);
  }

  /**
   * Answers one HTTP request on `sink`. Never throws. `limits` say when to give up: the client
   * leaving stops the vendor call, and a deadline ends the answer with an error while there is
   * still time to log and meter it.
   */
  public async handle(req: GatewayHttpRequest, sink: ResponseSink, limits: RequestLimits = {}): Promise<void> {
    const started = this.now();
    const lifetime = new RequestLifetime(limits, this.now);
    const metrics = new RequestMetrics(this.deps.metrics);
    const log: RequestLogLine = {};
    const answered = new AnswerTracker(sink);
    try {
      const endpoint = endpointOf(req.method, req.path);
      const maxBytes = this.deps.settings.gateway.maxRequestBytes;
      if (endpoint.kind === 'messages') {
        const request = parseMessagesRequest(req, maxBytes);
        log.stream = request.stream;
        await this.route(request, answered, metrics, log, lifetime);
      } else if (endpoint.kind === 'count_tokens') {
        log.endpoint = 'count_tokens';
        const request = parseCountTokensRequest(req, maxBytes);
        const decision = await this.decide(request, metrics, log);
        // `isOpen`, not `allowsCall`: a count is no probe of the new model's health.
        const allowed = !decision.inCohort || !this.breaker.isOpen;
        await countTokens(this.surface(lifetime, log, metrics), request, decision, allowed, answered);
      } else {
        log.endpoint = endpoint.api;
        const ctx = this.surface(lifetime, log, metrics);
        const baseURL = (await this.deps.clients.get()).baseURL;
        await passThrough(ctx, req, endpoint.api, forwardedHeaders(req), answered, baseURL);
      }
    } catch (err) {
      this.answerError(err, answered, log);
    } finally {
      lifetime.stop();
      if (lifetime.endedBy) log.cut = lifetime.endedBy instanceof DeadlineExceededError ? 'deadline' : 'client-gone';
      metrics.flush((err) => this.deps.logger.error('metrics could not be written', { error: String(err) }));
      this.deps.logger.info('request', { ...log, durationMs: this.now() - started });
    }
  }

  private async route(
    request: MessagesRequest,
    sink: ResponseSink,
    metrics: RequestMetrics,
    log: RequestLogLine,
    lifetime: RequestLifetime,
  ): Promise<void> {
    const { settings } = this.deps;
    const decision = await this.decide(request, metrics, log);
    const plan = planRoute({
      settings,
      requestedModel: request.body.model,
      decision,
      newModelAllowed: !decision.inCohort || this.breaker.allowsCall(),
    });
    log.variant = plan.variant;
    metrics.setRoute(plan.rolloutApplies ? 'rollout' : 'direct');
    if (plan.circuitOpen) metrics.add(settings.newModel.alias, 'CircuitOpen', 1);

    let client = await this.deps.clients.get();
    const attempts: AttemptLog[] = [];
    log.attempts = attempts;
    let failure: VendorFailure | undefined;
    let headers: Record<string, string> = {};
    let keyRereads = KEY_REREADS_PER_REQUEST;
    let newModelRequest: MessagesRequest | undefined;
    // The new model refused this request (4xx): what that means waits for the default model's answer.
    let refused: RefusedCall | undefined;
    let i = 0;
    // `continue` retries the same target (after a fresh key read); `i += 1` moves to the next.
    for (let target = plan.targets[i]; target !== undefined; target = plan.targets[i]) {
      const fallback = plan.variant === 'new' && target.role === 'default';
      headers = { 'x-rollout-variant': plan.variant, ...(fallback ? { 'x-rollout-fallback': 'true' } : {}) };
      // Adapted once per request (a retry after a fresh key read sends the same body, counted once).
      const callRequest =
        target.role === 'new' ? (newModelRequest ??= this.adaptForNewModel(request, target, metrics, log)) : request;
      const result = await callModel({
        client,
        request: callRequest,
        target,
        sink,
        headers,
        // Every answer is checked, so the judge's refusal check compares the new model's
        // ModerationFlags with the default model's over the same minutes; only the new model's
        // flagged answers are ever blocked (the default's are the baseline users already get).
        moderator: this.moderator,
        blockFlagged: target.role === 'new' && settings.gateway.moderation.blockFlaggedOutputs,
        streamIdleTimeoutMs: settings.gateway.streamIdleTimeoutMs,
        lifetime,
        now: this.now,
      });
      attempts.push(attemptLog(target, result));
      if (result.kind === 'failed' && result.failure.category === 'credential') {
        // The gateway's own key, or the key's access to the new model. A rotated key is picked
        // up by one fresh read.
        if (keyRereads > 0) {
          keyRereads -= 1;
          const fresh = await this.rereadKey(client);
          if (fresh) {
            client = fresh;
            continue;
          }
        }
        if (target.role === 'new' && result.failure.refusal) {
          // Still refused: the default model shares the key, so its answer tells which it is.
          // Not a model metric until then.
          refused = { target, result, refusal: result.failure.refusal, recorded: false };
        } else {
          // Not a model metric, and not worth a fallback: every model shares the key.
          metrics.vendorAuthFailure();
          this.deps.logger.error('the model vendor refused the gateway API key, also after reading the secret again', {
            attempt: result.failure.summary,
          });
        }
      } else {
        this.record(metrics, target, result);
        if (target.role === 'new' && result.kind === 'failed' && result.failure.refusal)
          refused = { target, result, refusal: result.failure.refusal, recorded: true };
        if (target.role === 'default' && refused) this.judgeRefusal(refused, result, metrics, log);
      }
      if (result.kind === 'served') {
        // A fallback is the default model serving after the new model failed on this request;
        // skips while the breaker is open are counted as CircuitOpen instead.
        if (fallback && !plan.circuitOpen) metrics.add(settings.newModel.alias, 'Fallbacks', 1);
        log.servedBy = target.metricsModel;
        log.fallback = fallback;
        log.status = 200;
        return;
      }
      failure = result.failure;
      i += 1;
      if (!target.fallBackOn.includes(failure.category)) break;
    }
    if (!failure) throw new Error('route plan had no targets');
    log.status = failure.status;
    // A client that left has nobody to answer.
    if (failure.category !== 'client-gone')
      sink.sendJson(failure.status, { ...failure.headers, ...headers }, failure.body);
  }

  /** Whether the request's user is in the rollout cohort (only requests naming the default model can be). */
  private async decide(
    request: { readonly body: { readonly model: string }; readonly userKey?: string; readonly clientKey?: string },
    metrics: RequestMetrics,
    log: RequestLogLine,
  ): Promise<CohortDecision> {
    const { settings } = this.deps;
    const hasher = await this.deps.hasher();
    const userHash = hasher.hash(request.userKey);
    log.userHash = userHash;
    log.clientHash = hasher.hash(request.clientKey);
    if (!namesDefaultModel(settings, request.body.model)) return { inCohort: false, reason: 'flag-off' };
    const reading = await this.deps.flags.read(userHash);
    if (reading.error) {
      metrics.flagError();
      this.warnFlagError(reading.error);
    }
    const decision = decideCohort(settings.flagKey, reading.flag, request);
    log.phase = reading.flag.phase;
    log.cohort = decision.reason;
    return decision;
  }

  /** What count_tokens and the pass-through endpoints need of the gateway. */
  private surface(lifetime: RequestLifetime, log: RequestLogLine, metrics: RequestMetrics): SurfaceContext {
    return {
      settings: this.deps.settings,
      lifetime,
      log,
      now: this.now,
      forward: (call) => this.forward(call),
      keyRefused: () => {
        metrics.vendorAuthFailure();
        this.deps.logger.error('the model vendor refused the gateway API key, also after reading the secret again');
      },
    };
  }

  /** One forwarded call; a refused key is read again once, as for model calls. */
  private async forward(call: VendorForward): Promise<ForwardResult> {
    const client = await this.deps.clients.get();
    const result = await forwardToVendor(client, call);
    if (result.kind === 'answered' || result.failure.category !== 'credential') return result;
    const fresh = await this.rereadKey(client);
    return fresh ? forwardToVendor(fresh, call) : result;
  }

  /** The request as the new model gets it: its catalog request rules applied, each application counted. */
  private adaptForNewModel(
    request: MessagesRequest,
    target: CallTarget,
    metrics: RequestMetrics,
    log: RequestLogLine,
  ): MessagesRequest {
    const rules = target.model?.requestRules ?? [];
    if (rules.length === 0) return request;
    const { body, applied } = applyRequestRules(request.body, rules, {
      maxOutputTokens: target.model?.maxOutputTokens,
    });
    if (applied.length === 0) return request;
    for (const rule of applied)
      metrics.addWithDimension(target.metricsModel, 'AdaptedRequests', { name: RULE_DIMENSION, value: rule });
    log.adapted = applied;
    return { ...request, body };
  }

  /**
   * The new model refused a request with a 4xx and the default model has answered (not with
   * a refused key). Served: the request was one the new model cannot take — IncompatibleRequests
   * by the vendor's error type, and a model-wide refusal (unknown or retired id, a key without
   * access to it) counts towards the circuit breaker; a request-specific one (400, 413) does not,
   * since other requests may well pass. The default refusing too: the client's own mistake, and
   * nothing counts against the new model.
   */
  private judgeRefusal(
    refused: RefusedCall,
    defaultResult: CallResult,
    metrics: RequestMetrics,
    log: RequestLogLine,
  ): void {
    if (defaultResult.kind !== 'served') return;
    const { target, refusal } = refused;
    // A refused key the default model accepted: it was the new model's access, a model call after all.
    if (!refused.recorded) this.record(metrics, target, refused.result);
    metrics.addWithDimension(target.metricsModel, 'IncompatibleRequests', {
      name: ERROR_TYPE_DIMENSION,
      value: refusal.errorType,
    });
    log.incompatible = refusal.errorType;
    if (MODEL_WIDE_REFUSALS.includes(refusal.status)) {
      this.breaker.recordFailure();
      this.deps.logger.warn('the new model refused a request the default model answered: it may be unusable', {
        status: refusal.status,
        errorType: refusal.errorType,
      });
    }
  }

  /** Drops the client whose key was refused and reads the secret again; undefined if that read fails. */
  private async rereadKey(stale: Anthropic): Promise<Anthropic | undefined> {
    this.deps.logger.warn('the model vendor refused the gateway API key: reading the secret again');
    try {
      return await this.deps.clients.refresh(stale);
    } catch (err) {
      this.deps.logger.error('the vendor API key could not be read again', {
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return undefined;
    }
  }

  private record(metrics: RequestMetrics, target: CallTarget, result: CallResult): void {
    const m = target.metricsModel;
    const failure = result.kind === 'failed' ? result.failure : result.midStreamFailure;
    metrics.add(m, 'Requests', 1);
    metrics.add(m, 'Latency', result.latencyMs);
    metrics.add(m, 'ModelErrors', failure?.category === 'model-error' ? 1 : 0);
    metrics.add(m, 'Throttles', failure?.category === 'throttle' ? 1 : 0);
    if (result.verdict) metrics.add(m, 'ModerationFlags', result.verdict.flagged ? 1 : 0);
    if (target.role === 'new') {
      if (failure?.category === 'model-error' || failure?.category === 'throttle') this.breaker.recordFailure();
      else if (result.kind === 'served') this.breaker.recordSuccess();
      if (result.kind === 'served') metrics.add(m, 'Fallbacks', 0);
      // The zero of the refusal share; a refusal is counted 1 in its own `[Model, ErrorType]` blob.
      metrics.add(m, 'IncompatibleRequests', 0);
    }
    if (result.kind !== 'served') return;
    metrics.add(m, 'InputTokens', totalInputTokens(result.usage));
    metrics.add(m, 'OutputTokens', result.usage.outputTokens);
    if (target.model) metrics.add(m, 'EstimatedCostUsd', estimateCostUsd(result.usage, target.model));
    if (result.timeToFirstTokenMs !== undefined) metrics.add(m, 'TimeToFirstToken', result.timeToFirstTokenMs);
  }

  private answerError(err: unknown, answered: AnswerTracker, log: RequestLogLine): void {
    const known = err instanceof GatewayError;
    const status = known ? err.status : 500;
    log.status = status;
    if (!known)
      this.deps.logger.error('gateway failure', {
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    else log.rejected = err.message;
    if (answered.started) {
      if (answered.streaming) answered.end();
      return;
    }
    const body = known ? err.toBody() : anthropicErrorBody('api_error', 'The gateway failed to handle the request.');
    answered.sendJson(status, known ? err.headers : {}, body);
  }

  private warnFlagError(error: Error): void {
    const now = this.now();
    if (now - this.lastFlagWarning < FLAG_WARNING_INTERVAL_MS) return;
    this.lastFlagWarning = now;
    this.deps.logger.warn('flag unavailable: using the last good flag, or the default model for everyone', {
      error: error.message,
    });
  }
}

/**
 * Refusals that say the new model cannot be used at all, whatever the request: 401/403 (a key
 * without access to it, once the default model accepted the same key) and 404 (a wrong or
 * retired model id). They count towards the circuit breaker, and the alarm pages.
 */
const MODEL_WIDE_REFUSALS: readonly number[] = [401, 403, 404];

/** A new-model call the vendor refused with a 4xx, kept until the default model has answered. */
interface RefusedCall {
  readonly target: CallTarget;
  readonly result: CallResult;
  readonly refusal: VendorRefusal;
  /** Whether its model metrics were recorded already (a refused key's wait for the default's answer). */
  readonly recorded: boolean;
}

/**
 * Wraps the sink to know whether an answer has begun, so a late error is not answered twice.
 * A class, not an object of closures: one is made per request.
 */
class AnswerTracker implements ResponseSink {
  private begun = false;
  private events = false;
  private ended = false;

  public constructor(private readonly inner: ResponseSink) {}

  public get started(): boolean {
    return this.begun;
  }

  /** An event stream has begun and not ended. */
  public get streaming(): boolean {
    return this.events && !this.ended;
  }

  public sendJson(status: number, headers: Readonly<Record<string, string>>, body: unknown): void {
    this.begun = true;
    this.ended = true;
    this.inner.sendJson(status, headers, body);
  }

  public startEvents(headers: Readonly<Record<string, string>>): void {
    this.begun = true;
    this.events = true;
    this.inner.startEvents(headers);
  }

  public writeEvent(type: string, data: unknown): void {
    this.inner.writeEvent(type, data);
  }

  public writeEvents(text: string): void {
    this.inner.writeEvents(text);
  }

  public end(): void {
    if (this.ended) return;
    this.ended = true;
    this.inner.end();
  }

  /** Ended either way: a body cut off mid-way cannot be followed by an error answer. */
  public pipeBody(
    status: number,
    headers: Readonly<Record<string, string>>,
    body: ReadableStream<Uint8Array>,
  ): Promise<void> {
    this.begun = true;
    this.ended = true;
    return this.inner.pipeBody(status, headers, body);
  }
}

function attemptLog(target: CallTarget, result: CallResult): AttemptLog {
  const moderation = result.verdict?.flagged ? { moderation: result.verdict.reasons } : {};
  if (result.kind === 'served') {
    const outcome = result.midStreamFailure ? `served, then ${result.midStreamFailure.summary}` : 'served';
    return { model: target.metricsModel, outcome, latencyMs: result.latencyMs, ...moderation };
  }
  return {
    model: target.metricsModel,
    outcome: `${result.failure.category}: ${result.failure.summary}`,
    status: result.failure.status,
    latencyMs: result.latencyMs,
    ...moderation,
  };
}
