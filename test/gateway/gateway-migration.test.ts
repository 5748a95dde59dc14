/**
 * The migration guard: a request written for the default model, sent to the new model in the
 * cohort. Before that call the gateway applies the new model's catalog request rules; a 4xx the
 * new model still answers is tried once on the default model. The fake vendor refuses requests
 * the way the real Messages API does (ModelRules), driven through the real SDK.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { BOTH_SAMPLING_PARAMETERS_MESSAGE, type ModelRules } from '../../fakes/fake-vendor';
import type { GatewaySettings } from '../../lib/domain/gateway-settings';
import {
  callsFor,
  caught,
  DEFAULT_ALIAS,
  DEFAULT_VENDOR_ID,
  emfBlobs,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  parseSse,
  postRaw,
  type GatewayHarness,
  type GatewayOverrides,
  useFlagFileWorld,
} from './harness';

const USER = 'migration-user';

/** What the real models refuse (the vendor's documented behaviour for each). */
const HAIKU_4_5: ModelRules = { oneSamplingParameter: true, noAdaptiveThinking: true, maxOutputTokens: 64_000 };
const SONNET_4_6: ModelRules = { oneSamplingParameter: true, maxOutputTokens: 128_000 };

/** The SDK's request type no longer declares the sampling parameters; clients still send them. */
type LegacyParams = MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number; top_k?: number };

function params(extra: Partial<LegacyParams> = {}): LegacyParams {
  return { ...messageParams({ user: USER }), ...extra };
}

const world = useFlagFileWorld();

/** An explicit timeout: the SDK refuses a non-streaming call with a large max_tokens without one. */
const LONG = { timeout: 30_000 };

function gateway(
  o: {
    overrides?: GatewayOverrides;
    telemetry?: 'real';
    settings?: (s: GatewaySettings) => GatewaySettings;
  } = {},
): Promise<GatewayHarness> {
  world.vendor.setModelRules(NEW_VENDOR_ID, HAIKU_4_5);
  world.vendor.setModelRules(DEFAULT_VENDOR_ID, SONNET_4_6);
  return world.start({ gateway: o.overrides, telemetry: o.telemetry, settings: o.settings });
}

/** The shipped settings with the new model's request rules removed. */
const withoutRules = (s: GatewaySettings): GatewaySettings => ({
  ...s,
  newModel: { ...s.newModel, requestRules: [] },
});

const bodiesFor = (model: string): Record<string, unknown>[] => callsFor(world.vendor, model).map((c) => c.body);

describe('request rules: applied to the new model’s call only', () => {
  test('temperature + top_p and max_tokens above 64K → the new model gets temperature alone and max_tokens 64000, and answers', async () => {
    const h = await gateway();
    const { data, response } = await h.client.messages
      .create(params({ temperature: 0.4, top_p: 0.9, top_k: 20, max_tokens: 100_000 }), LONG)
      .withResponse();
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(response.headers.get('x-rollout-fallback')).toBeNull();
    const [sent] = bodiesFor(NEW_VENDOR_ID);
    expect(sent).toMatchObject({ temperature: 0.4, top_k: 20, max_tokens: 64_000 });
    expect(sent).not.toHaveProperty('top_p');
    expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
    expect(h.metrics.byExtra(NEW_ALIAS, 'AdaptedRequests')).toEqual({ oneSamplingParameter: 1, clampMaxTokens: 1 });
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
    expect(h.requestLogs()[0]).toMatchObject({ adapted: ['oneSamplingParameter', 'clampMaxTokens'], status: 200 });
  });

  test('the fallback after a new-model failure sends the default model the original body', async () => {
    world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    const h = await gateway();
    const original = params({ temperature: 0.4, max_tokens: 100_000, top_p: undefined });
    delete original.top_p;
    const data = await h.client.messages.create(original, LONG);
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(bodiesFor(NEW_VENDOR_ID)[0]).toMatchObject({ max_tokens: 64_000 });
    expect(bodiesFor(DEFAULT_VENDOR_ID)[0]).toMatchObject({ temperature: 0.4, max_tokens: 100_000 });
  });

  test('a request already within the rules is sent as is and counts no AdaptedRequests', async () => {
    const h = await gateway();
    await h.client.messages.create(params({ temperature: 0.4 }));
    // the gateway streams every vendor call; otherwise the client's body, unchanged
    expect(bodiesFor(NEW_VENDOR_ID)[0]).toEqual({
      ...params({ temperature: 0.4 }),
      model: NEW_VENDOR_ID,
      stream: true,
    });
    expect(h.metrics.sum(NEW_ALIAS, 'AdaptedRequests')).toBe(0);
  });

  test('a request naming the new model itself is not adapted (it was written for it): its 400 is passed through', async () => {
    const h = await gateway();
    const err = await caught(() =>
      h.client.messages.create(params({ model: NEW_VENDOR_ID, temperature: 0.4, top_p: 0.9 })),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      error: { type: 'invalid_request_error', message: BOTH_SAMPLING_PARAMETERS_MESSAGE },
    });
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID]);
    expect(bodiesFor(NEW_VENDOR_ID)[0]).toMatchObject({ temperature: 0.4, top_p: 0.9 });
    expect(h.metrics.sum(NEW_ALIAS, 'AdaptedRequests')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
  });
});

describe('a 4xx from the new model is tried once on the default model', () => {
  test('without rules, Haiku 4.5’s real 400 (temperature and top_p) → the cohort user gets the default’s answer, marked new + fallback', async () => {
    const h = await gateway({ settings: withoutRules });
    world.vendor.setModelRules(DEFAULT_VENDOR_ID, { maxOutputTokens: 128_000 });
    const { data, response } = await h.client.messages.create(params({ temperature: 0.4, top_p: 0.9 })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(response.headers.get('x-rollout-variant')).toBe('new');
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(world.vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expect(h.metrics.byExtra(NEW_ALIAS, 'IncompatibleRequests')).toEqual({ invalid_request_error: 1 });
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests', 'rollout')).toBe(1);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(1);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.requestLogs()[0]).toMatchObject({ incompatible: 'invalid_request_error', fallback: true, status: 200 });
  });

  test('adaptive thinking, which no shipped rule changes for Haiku 4.5 → its 400, then the default answers; on streams too', async () => {
    const h = await gateway();
    const thinking = { thinking: { type: 'adaptive' as const }, max_tokens: 2048 };
    expect((await h.client.messages.create(params(thinking))).model).toBe(DEFAULT_VENDOR_ID);
    const res = await postRaw(h.url, { ...params(thinking), stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-rollout-fallback')).toBe('true');
    const events = parseSse(res.text);
    expect(events.map((e) => e.event)).toContain('message_stop');
    expect(events[0]?.data).toMatchObject({ message: { model: DEFAULT_VENDOR_ID } });
    expect(h.metrics.byExtra(NEW_ALIAS, 'IncompatibleRequests')).toEqual({ invalid_request_error: 2 });
  });

  test('the default refuses too → the client gets the default model’s error, and nothing counts against the new model', async () => {
    const h = await gateway();
    // Haiku refuses adaptive thinking (its copy had top_p dropped); Sonnet 4.6 gets the original
    // body and refuses temperature with top_p.
    const err = await caught(() =>
      h.client.messages.create(
        params({ temperature: 0.4, top_p: 0.9, thinking: { type: 'adaptive' }, max_tokens: 2048 }),
      ),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: BOTH_SAMPLING_PARAMETERS_MESSAGE },
    });
    expect(apiErr.requestID).toMatch(/^req_/);
    expect(bodiesFor(NEW_VENDOR_ID)[0]).not.toHaveProperty('top_p');
    expect(bodiesFor(DEFAULT_VENDOR_ID)[0]).toMatchObject({ temperature: 0.4, top_p: 0.9 });
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'Fallbacks')).toBe(0);
    expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
    expect(h.metrics.sum(DEFAULT_ALIAS, 'Requests')).toBe(1);
    expect(h.requestLogs()[0]).toMatchObject({ status: 400 });
    expect(h.requestLogs()[0]).not.toHaveProperty('incompatible');
  });

  test('a 4xx from the default model itself (outside the cohort) is passed through as is, tried nowhere else', async () => {
    const h = await gateway();
    const err = await caught(() =>
      h.client.messages.create({ ...params({ temperature: 0.4, top_p: 0.9 }), metadata: undefined } as LegacyParams),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(world.vendor.calls.map((c) => c.model)).toEqual([DEFAULT_VENDOR_ID]);
    expect(h.metrics.sum(NEW_ALIAS, 'IncompatibleRequests')).toBe(0);
  });
});

describe('model-wide refusals open the circuit breaker; request-specific ones do not', () => {
  const breaker: GatewayOverrides = { circuitBreaker: { failureThreshold: 2, cooldownSeconds: 60 } };

  test.each<[string, ModelRules, string]>([
    ['404 not_found_error (wrong or retired id)', { unknownModel: true }, 'not_found_error'],
    ['403 permission_error (a key without access)', { noAccess: true }, 'permission_error'],
  ])(
    '%s → the default answers, and after failureThreshold of them the cohort skips the new model',
    async (_n, rules, type) => {
      const h = await gateway({ overrides: breaker });
      world.vendor.setModelRules(NEW_VENDOR_ID, rules);
      for (let i = 0; i < 3; i++) expect((await h.client.messages.create(params())).model).toBe(DEFAULT_VENDOR_ID);
      // 403: one retry after a fresh key read per request; 404: one call per request
      const perRequest = rules.noAccess ? 2 : 1;
      expect(callsFor(world.vendor, NEW_VENDOR_ID)).toHaveLength(2 * perRequest);
      expect(h.metrics.byExtra(NEW_ALIAS, 'IncompatibleRequests')).toEqual({ [type]: 2 });
      expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(1);
      expect(h.metrics.sum(undefined, 'VendorAuthFailures')).toBe(0);
      expect(h.logger.calls.filter((c) => c.message.startsWith('the new model refused a request'))).toHaveLength(2);
    },
  );

  test('400s (the request, not the model) leave the breaker closed', async () => {
    const h = await gateway({ overrides: breaker, settings: withoutRules });
    world.vendor.setModelRules(DEFAULT_VENDOR_ID, undefined);
    for (let i = 0; i < 3; i++) await h.client.messages.create(params({ temperature: 0.4, top_p: 0.9 }));
    expect(callsFor(world.vendor, NEW_VENDOR_ID)).toHaveLength(3);
    expect(h.metrics.sum(NEW_ALIAS, 'CircuitOpen')).toBe(0);
    expect((await h.client.messages.create(params())).model).toBe(NEW_VENDOR_ID);
  });
});

describe('telemetry (real Powertools EMF on stdout)', () => {
  test('AdaptedRequests by [Model, Rule] and IncompatibleRequests by [Model, ErrorType]; no vendor message text anywhere', async () => {
    const h = await gateway({ telemetry: 'real' });
    await h.client.messages.create(params({ temperature: 0.4, top_p: 0.9 }));
    await h.client.messages.create(params({ thinking: { type: 'adaptive' }, max_tokens: 2048 }));
    const blobs = emfBlobs(h.stdout?.jsonLines() ?? []);

    const adapted = blobs.filter((b) => b.directive.Metrics.some((m) => m.Name === 'AdaptedRequests'));
    expect(adapted).toHaveLength(1);
    expect(adapted[0]?.directive.Dimensions).toEqual([['Model'], ['Model', 'Route'], ['Model', 'Rule']]);
    expect(adapted[0]?.directive.Metrics).toEqual([{ Name: 'AdaptedRequests', Unit: 'Count' }]);
    expect(adapted[0]?.root).toMatchObject({
      Model: NEW_ALIAS,
      Route: 'rollout',
      Rule: 'oneSamplingParameter',
      AdaptedRequests: 1,
    });

    const incompatible = blobs.filter((b) => 'ErrorType' in b.root);
    expect(incompatible).toHaveLength(1);
    expect(incompatible[0]?.directive.Dimensions).toEqual([['Model'], ['Model', 'Route'], ['Model', 'ErrorType']]);
    expect(incompatible[0]?.directive.Metrics).toEqual([{ Name: 'IncompatibleRequests', Unit: 'Count' }]);
    expect(incompatible[0]?.root).toMatchObject({
      Model: NEW_ALIAS,
      Route: 'rollout',
      ErrorType: 'invalid_request_error',
      IncompatibleRequests: 1,
    });
    // the per-model blobs keep their two sets: Requests is never split by Rule or ErrorType
    for (const b of blobs.filter((x) => x.directive.Metrics.some((m) => m.Name === 'Requests')))
      expect(b.directive.Dimensions).toEqual([['Model'], ['Model', 'Route']]);

    const everything = `${h.stdout?.text ?? ''}${h.stdout?.errText ?? ''}${JSON.stringify(h.logger.calls)}`;
    expect(everything).not.toContain('adaptive thinking is not supported');
    expect(everything).not.toContain('cannot both be specified');
  });
});
