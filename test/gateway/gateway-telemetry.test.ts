/**
 * Telemetry and privacy (docs/ARCHITECTURE.md, Gateway and Metrics) with the real EmfMetricsPublisher (Powertools Metrics)
 * and the real Powertools Logger, reading what they write to stdout.
 */
import { createHmac } from 'node:crypto';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  anthropicError,
  DEFAULT_ALIAS,
  DEFAULT_VENDOR_ID,
  emfBlobs,
  FlagFile,
  flagOn,
  HASH_KEY,
  isRecord,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  postRaw,
  settingsWith,
  startGateway,
  type EmfBlob,
  type GatewayHarness,
  type GatewayOverrides,
} from './harness';

const USER = 'telemetry-user';

let vendor: FakeVendor;
let flags: FlagFile;
let gw: GatewayHarness | undefined;

beforeAll(async () => {
  vendor = await startFakeVendor();
  flags = await FlagFile.create(flagOn(100));
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  vendor.reset();
  await flags.writeFlag(flagOn(100));
});
afterAll(async () => {
  await vendor.close();
  await flags.remove();
});

async function gateway(overrides: GatewayOverrides = {}): Promise<GatewayHarness> {
  gw = await startGateway({ vendor, flags: { kind: 'file', file: flags }, gateway: overrides, telemetry: 'real' });
  return gw;
}

/** Everything the process wrote: stdout and stderr (Powertools writes WARN/ERROR to stderr). */
function stdoutOf(h: GatewayHarness): string {
  if (!h.stdout) throw new Error('no stdout capture');
  return h.stdout.text + h.stdout.errText;
}

function blobs(h: GatewayHarness): EmfBlob[] {
  return emfBlobs(h.stdout?.jsonLines() ?? []);
}

/** Log lines: JSON lines on stdout that are not EMF. */
function logLines(h: GatewayHarness): Record<string, unknown>[] {
  return (h.stdout?.jsonLines() ?? []).filter((l) => !('_aws' in l));
}

/** The one EMF blob for `model`, with its metric names → units and values. */
function modelBlob(
  h: GatewayHarness,
  model: string,
): { units: Record<string, string>; values: Record<string, unknown>; blob: EmfBlob } {
  const found = blobs(h).filter((b) => b.root.Model === model);
  expect(found).toHaveLength(1);
  const blob = found[0]!;
  const units = Object.fromEntries(blob.directive.Metrics.map((m) => [m.Name, m.Unit]));
  const values = Object.fromEntries(Object.keys(units).map((name) => [name, blob.root[name]]));
  return { units, values, blob };
}

const hmac16 = (id: string): string => createHmac('sha256', HASH_KEY).update(id).digest('hex').slice(0, 16);

test('the shipped catalog prices used below', () => {
  const s = settingsWith();
  expect(s.newModel).toMatchObject({ inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 5 });
  expect(s.defaultModel).toMatchObject({ inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 });
  expect(s.gateway.metricsNamespace).toBe('ModelRollout');
});

describe('EMF blobs', () => {
  test("a new-model answer: namespace, Model dimension, the contract's names, units and values", async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'fine', inputTokens: 1000, outputTokens: 200 });
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));

    const all = blobs(h);
    expect(all).toHaveLength(1);
    const { units, values, blob } = modelBlob(h, NEW_ALIAS);
    expect(blob.directive.Namespace).toBe('ModelRollout');
    expect(blob.directive.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
    expect(blob.root.Model).toBe(NEW_ALIAS);
    expect(blob.root.Route).toBe('rollout');
    expect(blob.root).not.toHaveProperty('service');
    expect(units).toEqual({
      Requests: 'Count',
      Latency: 'Milliseconds',
      ModelErrors: 'Count',
      Throttles: 'Count',
      ModerationFlags: 'Count',
      Fallbacks: 'Count',
      IncompatibleRequests: 'Count',
      InputTokens: 'Count',
      OutputTokens: 'Count',
      EstimatedCostUsd: 'None',
    });
    expect(values).toMatchObject({
      Requests: 1,
      ModelErrors: 0,
      Throttles: 0,
      ModerationFlags: 0,
      Fallbacks: 0,
      // the zero of the IncompatibleRequests share: every new-model call has a datapoint
      IncompatibleRequests: 0,
      InputTokens: 1000,
      OutputTokens: 200,
    });
    // (1000 × $1 + 200 × $5) / 1M
    expect(values.EstimatedCostUsd).toBeCloseTo(0.002, 12);
    expect(typeof values.Latency).toBe('number');
    expect(values.Latency as number).toBeGreaterThanOrEqual(0);
  });

  test('a request naming the new model itself is metered Route=direct, so it can never feed a rollback alarm', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 500 });
    const h = await gateway();
    await expect(
      h.client.messages.create({ ...messageParams({ user: USER }), model: NEW_VENDOR_ID }),
    ).rejects.toThrow();
    const { values, blob } = modelBlob(h, NEW_ALIAS);
    expect(blob.directive.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
    expect(blob.root.Route).toBe('direct');
    expect(values).toMatchObject({ Requests: 1, ModelErrors: 1 });
  });

  test("a default-model answer is priced at the default model's prices", async () => {
    vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'ok', inputTokens: 1000, outputTokens: 200 });
    const h = await gateway();
    await h.client.messages.create(messageParams()); // no user key → default
    const { units, values, blob } = modelBlob(h, DEFAULT_ALIAS);
    expect(blob.directive.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
    expect(blob.root.Route).toBe('rollout');
    // ModerationFlags: the default model's answers are checked too (the judge's refusal baseline).
    expect(Object.keys(units).sort()).toEqual([
      'EstimatedCostUsd',
      'InputTokens',
      'Latency',
      'ModelErrors',
      'ModerationFlags',
      'OutputTokens',
      'Requests',
      'Throttles',
    ]);
    // (1000 × $3 + 200 × $15) / 1M
    expect(values.EstimatedCostUsd).toBeCloseTo(0.006, 12);
    expect(values).toMatchObject({ Requests: 1, InputTokens: 1000, OutputTokens: 200 });
  });

  test('a streamed answer adds TimeToFirstToken (Milliseconds) and takes tokens from the stream', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'streamed words here', inputTokens: 300, outputTokens: 40 });
    const h = await gateway();
    await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    const { units, values } = modelBlob(h, NEW_ALIAS);
    expect(units.TimeToFirstToken).toBe('Milliseconds');
    expect(typeof values.TimeToFirstToken).toBe('number');
    expect(values.TimeToFirstToken as number).toBeGreaterThanOrEqual(0);
    expect(values.TimeToFirstToken as number).toBeLessThanOrEqual(values.Latency as number);
    expect(values).toMatchObject({ Requests: 1, InputTokens: 300, OutputTokens: 40 });
    expect(values.EstimatedCostUsd).toBeCloseTo((300 * 1 + 40 * 5) / 1e6, 12);
  });

  test('fallback after a 529: ModelErrors and Fallbacks on the new model, the answer on the default', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 529 });
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));
    const fresh = modelBlob(h, NEW_ALIAS);
    expect(fresh.values).toMatchObject({ Requests: 1, ModelErrors: 1, Throttles: 0, Fallbacks: 1 });
    expect(fresh.units).not.toHaveProperty('InputTokens');
    expect(fresh.units).not.toHaveProperty('EstimatedCostUsd');
    const fallback = modelBlob(h, DEFAULT_ALIAS);
    expect(fallback.values).toMatchObject({ Requests: 1, ModelErrors: 0, Throttles: 0 });
    expect(blobs(h)).toHaveLength(2);
  });

  test('a vendor 429 counts as Throttles, not ModelErrors', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));
    expect(modelBlob(h, NEW_ALIAS).values).toMatchObject({ Requests: 1, ModelErrors: 0, Throttles: 1, Fallbacks: 1 });
  });

  test('FlagErrors: one empty dimension set ([[]], the EMF form of "no dimensions") and no Model key', async () => {
    await flags.writeRaw('{"enable_claude_haiku_4_5": ');
    const h = await gateway();
    await h.client.messages.create(messageParams({ user: USER }));
    const flagBlobs = blobs(h).filter((b) => b.directive.Metrics.some((m) => m.Name === 'FlagErrors'));
    expect(flagBlobs).toHaveLength(1);
    const [blob] = flagBlobs;
    expect(blob?.directive).toEqual({
      Namespace: 'ModelRollout',
      Dimensions: [[]],
      Metrics: [{ Name: 'FlagErrors', Unit: 'Count' }],
    });
    expect(blob?.root).not.toHaveProperty('Model');
    expect(blob?.root.FlagErrors).toBe(1);
    // the request's model blob is not mixed with the flag error
    expect(modelBlob(h, DEFAULT_ALIAS).units).not.toHaveProperty('FlagErrors');
  });

  test('CircuitOpen is published on the new model once the breaker is open', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'status', status: 503 });
    const h = await gateway({ circuitBreaker: { failureThreshold: 1, cooldownSeconds: 60 } });
    await h.client.messages.create(messageParams({ user: USER }));
    await h.client.messages.create(messageParams({ user: USER }));
    const newBlobs = blobs(h).filter((b) => b.root.Model === NEW_ALIAS);
    expect(newBlobs).toHaveLength(2);
    expect(newBlobs[1]?.directive.Metrics).toContainEqual({ Name: 'CircuitOpen', Unit: 'Count' });
    expect(newBlobs[1]?.root.CircuitOpen).toBe(1);
    expect(newBlobs[1]?.root).not.toHaveProperty('Requests');
  });
});

describe('moderation', () => {
  test('stop_reason refusal from the new model → ModerationFlags 1 (the answer is still served)', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'I cannot help with that.', stopReason: 'refusal' });
    const h = await gateway();
    const data = await h.client.messages.create(messageParams({ user: USER }));
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(data.stop_reason).toBe('refusal');
    expect(modelBlob(h, NEW_ALIAS).values.ModerationFlags).toBe(1);
  });

  test('the default model’s answers are checked too (the refusal check’s baseline), never blocked', async () => {
    vendor.setBehaviour(DEFAULT_VENDOR_ID, { kind: 'ok', text: 'I cannot help with that.', stopReason: 'refusal' });
    const h = await gateway({
      moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }], blockFlaggedOutputs: true },
    });
    // No user key: the request stays on the default model.
    const data = await h.client.messages.create(messageParams());
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(data.stop_reason).toBe('refusal');
    expect(vendor.calls.map((c) => c.model)).toEqual([DEFAULT_VENDOR_ID]);
    expect(modelBlob(h, DEFAULT_ALIAS).values.ModerationFlags).toBe(1);
  });

  test('a configured output check matching the text → ModerationFlags 1, on streams too', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'This is Forbidden knowledge' });
    const h = await gateway({ moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }] } });
    await h.client.messages.create(messageParams({ user: USER }));
    await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    const newBlobs = blobs(h).filter((b) => b.root.Model === NEW_ALIAS);
    expect(newBlobs.map((b) => b.root.ModerationFlags)).toEqual([1, 1]);
    expect(stdoutOf(h)).not.toContain('Forbidden knowledge');
    expect(JSON.stringify(h.logger.calls)).not.toContain('Forbidden');
  });

  // Regression: a flagged answer that is served still names the check in the log.
  it("a flagged but served answer is logged with the check's name (not the text)", async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'This is Forbidden knowledge' });
    const h = await gateway({ moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }] } });
    await h.client.messages.create(messageParams({ user: USER }));
    expect(logLines(h).some((l) => JSON.stringify(l).includes('banned'))).toBe(true);
  });

  test('blockFlaggedOutputs (non-streaming): the default model answers; the log names the check, not the text', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'This is Forbidden knowledge' });
    const h = await gateway({
      moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }], blockFlaggedOutputs: true },
    });
    const { data, response } = await h.client.messages.create(messageParams({ user: USER })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(data.content).toEqual([{ type: 'text', text: `Hello from ${DEFAULT_VENDOR_ID}`, citations: null }]);
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
    expect(modelBlob(h, NEW_ALIAS).values).toMatchObject({ ModerationFlags: 1, Fallbacks: 1, ModelErrors: 0 });
    const requestLog = logLines(h).find((l) => l.message === 'request');
    expect(JSON.stringify(requestLog)).toContain('banned');
    expect(stdoutOf(h)).not.toContain('Forbidden');
  });

  test('blockFlaggedOutputs does not apply to streams: the flagged stream is served and counted', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'This is Forbidden knowledge' });
    const h = await gateway({
      moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }], blockFlaggedOutputs: true },
    });
    const message = await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
    expect(message.model).toBe(NEW_VENDOR_ID);
    expect(modelBlob(h, NEW_ALIAS).values.ModerationFlags).toBe(1);
  });
});

describe('privacy: no prompt, system prompt, completion, raw user id or raw client id in stdout or logs', () => {
  const PROMPT = 'PROMPT-MARKER-q81zv';
  const SYSTEM = 'SYSTEM-MARKER-k27wd';
  const COMPLETION = 'COMPLETION-MARKER-m55ty';
  const USER_ID = 'alice@example.com';
  const CLIENT_ID = 'client-secret-7';
  const secrets = [PROMPT, SYSTEM, COMPLETION, USER_ID, CLIENT_ID, 'alice'];

  function expectNoSecrets(h: GatewayHarness): void {
    const out = stdoutOf(h);
    const calls = JSON.stringify(h.logger.calls);
    const published = JSON.stringify(h.metrics.publishes);
    for (const secret of secrets) {
      expect({ secret, inStdout: out.includes(secret) }).toEqual({ secret, inStdout: false });
      expect({ secret, inLoggerCalls: calls.includes(secret) }).toEqual({ secret, inLoggerCalls: false });
      expect({ secret, inMetrics: published.includes(secret) }).toEqual({ secret, inMetrics: false });
    }
  }

  test('across answered, streamed, fallback, failed and rejected requests', async () => {
    vendor.setBehaviour(NEW_VENDOR_ID, (i) =>
      i === 2
        ? { kind: 'status', status: 529 }
        : i === 3
          ? { kind: 'status', status: 400, message: `bad: ${PROMPT}` }
          : { kind: 'ok', text: `${COMPLETION} and Forbidden` },
    );
    const h = await gateway({ moderation: { outputChecks: [{ name: 'banned', pattern: 'forbidden', flags: 'i' }] } });
    const headers = { 'x-client-id': CLIENT_ID };
    const params = { ...messageParams({ user: USER_ID, text: `please ${PROMPT}`, system: `you are ${SYSTEM}` }) };

    const data = await h.client.messages.create(params, { headers });
    expect(data.content).toEqual([{ type: 'text', text: `${COMPLETION} and Forbidden`, citations: null }]);
    await h.client.messages.stream(params, { headers }).finalMessage(); // streamed
    await h.client.messages.create(params, { headers }); // 529 → fallback
    await h.client.messages.create(params, { headers }).catch(() => undefined); // 400 passed through
    await h.client.messages.create(params, { headers: { 'x-user-id': USER_ID, ...headers } }); // header user id
    await postRaw(h.url, { ...params, max_tokens: 0 }, { headers }); // rejected by the gateway
    await postRaw(h.url, { ...params, stream: 'yes' }, { headers });

    // everything reached stdout: logs and EMF
    const lines = h.stdout?.jsonLines() ?? [];
    expect(emfBlobs(lines).length).toBeGreaterThanOrEqual(6);
    const requests = lines.filter((l) => l.message === 'request');
    expect(requests).toHaveLength(7);
    expectNoSecrets(h);

    // the keyed hashes do appear
    const userHash = hmac16(USER_ID);
    const clientHash = hmac16(CLIENT_ID);
    // (the two requests the gateway rejected were never parsed, so they carry no hashes)
    expect(requests.filter((l) => l.userHash === userHash)).toHaveLength(5);
    expect(requests.filter((l) => l.clientHash === clientHash)).toHaveLength(5);
    expect(requests.filter((l) => l.status === 400 && typeof l.rejected === 'string')).toHaveLength(2);
    expect(stdoutOf(h)).toContain(userHash);
    for (const l of requests) expect(isRecord(l) && l.service).toBe('model-gateway');
  });

  // Regression: JSON.parse's message quotes the body around the fault; it must not reach the log.
  it('a malformed JSON body does not leak into the logs', async () => {
    const h = await gateway();
    const body =
      '{"model":"claude-sonnet-4-6","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"user_id":alice@example.com}}';
    const res = await postRaw(h.url, body);
    expect(res.status).toBe(400);
    expect(anthropicError(res.text).message).toMatch(/JSON/);
    expect(JSON.stringify(h.logger.calls)).not.toContain('alice');
    expect(stdoutOf(h)).not.toContain('alice');
  });
});
