/**
 * Black-box harness for the model gateway: the real request handling (`createGateway` +
 * `createGatewayServer`) on 127.0.0.1, a fake vendor behind it, and a flag source that is
 * either a file (FileFlagSource) or the fake AppConfig Agent (AgentFlagSource).
 *
 * Telemetry is captured two ways:
 * - 'capture' (default): an in-memory logger and metrics publisher record every call;
 * - 'real': the real Powertools Logger and EmfMetricsPublisher write to process.stdout, which
 *   the harness captures (and also tees the calls into the in-memory records).
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { Logger } from '@aws-lambda-powertools/logger';
import { createGateway } from '../../lib/gateway/create-gateway';
import { AgentFlagSource, FileFlagSource, type FlagSource } from '../../lib/gateway/flag-source';
import type { GatewayLogger } from '../../lib/gateway/gateway';
import { createGatewayServer } from '../../lib/gateway/local-server';
import {
  EmfMetricsPublisher,
  type ExtraDimension,
  type MetricName,
  type MetricsPublisher,
  type MetricTarget,
  type Route,
} from '../../lib/gateway/metrics';
import { gatewaySettingsFrom, type GatewaySettings } from '../../lib/domain/gateway-settings';
import { loadRolloutConfig } from '../../lib/domain/load-config';
import type { FakeAgent } from '../../fakes/fake-agent';
import { messageObject, startFakeVendor, streamEvents, type FakeVendor } from '../../fakes/fake-vendor';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const CONFIG_FILE = path.join(REPO_ROOT, 'rollout.config.json');

/** The shipped config's models and flag (asserted once in gateway-routing.test.ts). */
export const DEFAULT_ALIAS = 'claude-sonnet-4-6';
export const DEFAULT_VENDOR_ID = 'claude-sonnet-4-6';
export const NEW_ALIAS = 'claude-haiku-4-5';
export const NEW_VENDOR_ID = 'claude-haiku-4-5-20251001';
export const FLAG_KEY = 'enable_claude_haiku_4_5';
export const HASH_KEY = 'h'.repeat(32);

export type GatewayConfig = GatewaySettings['gateway'];

export interface GatewayOverrides extends Partial<Omit<GatewayConfig, 'circuitBreaker' | 'moderation'>> {
  readonly circuitBreaker?: Partial<GatewayConfig['circuitBreaker']>;
  readonly moderation?: Partial<GatewayConfig['moderation']>;
}

/**
 * Settings from the shipped rollout.config.json, with gateway fields overridden. The flag
 * cache is off unless a test asks for it, so every request sees the flag source's answer.
 */
export function settingsWith(overrides: GatewayOverrides = {}): GatewaySettings {
  const base = gatewaySettingsFrom(loadRolloutConfig(CONFIG_FILE).config);
  const { circuitBreaker, moderation, ...rest } = overrides;
  return {
    ...base,
    gateway: {
      ...base.gateway,
      flagCacheMs: 0,
      ...rest,
      circuitBreaker: { ...base.gateway.circuitBreaker, ...circuitBreaker },
      moderation: { ...base.gateway.moderation, ...moderation },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Flag file (the retrieved form, docs/ARCHITECTURE.md, Flag)

export type FlagAttributes = Record<string, unknown>;

/** A temp file holding the retrieved flag document; every write moves the mtime forward. */
export class FlagFile {
  private writes = 0;

  private constructor(
    public readonly dir: string,
    public readonly path: string,
  ) {}

  public static async create(flag?: FlagAttributes): Promise<FlagFile> {
    const dir = await mkdtemp(path.join(tmpdir(), 'gw-flags-'));
    const file = new FlagFile(dir, path.join(dir, 'flags.json'));
    await file.writeFlag(flag);
    return file;
  }

  /** Writes `{ "<flagKey>": flag }` (or `{}` when flag is undefined). */
  public async writeFlag(flag: FlagAttributes | undefined): Promise<void> {
    await this.writeRaw(JSON.stringify(flag === undefined ? {} : { [FLAG_KEY]: flag }));
  }

  /** Writes the text as is and sets a distinct mtime, so the FileFlagSource must notice. */
  public async writeRaw(text: string): Promise<void> {
    await writeFile(this.path, text, 'utf8');
    this.writes += 1;
    const t = new Date(Date.UTC(2030, 0, 1) + this.writes * 1000);
    await utimes(this.path, t, t);
  }

  public async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const flagOn = (rolloutPercent: number, extra: FlagAttributes = {}): FlagAttributes => ({
  enabled: true,
  rolloutPercent,
  allowlist: [],
  phase: 'canary',
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Captured telemetry

export type LogLevel = 'info' | 'warn' | 'error';

export interface CapturedLog {
  readonly level: LogLevel;
  readonly message: string;
  readonly extra: Record<string, unknown>[];
}

export interface CapturedPublish {
  readonly model: string | undefined;
  readonly route: Route | undefined;
  /** The third dimension set's dimension (IncompatibleRequests' ErrorType, AdaptedRequests' Rule). */
  readonly extra: ExtraDimension | undefined;
  readonly values: ReadonlyArray<readonly [MetricName, number]>;
}

export class CapturingLogger implements GatewayLogger {
  public readonly calls: CapturedLog[] = [];

  public constructor(private readonly forward?: GatewayLogger) {}

  public info(message: string, ...extra: Record<string, unknown>[]): void {
    this.record('info', message, extra);
  }

  public warn(message: string, ...extra: Record<string, unknown>[]): void {
    this.record('warn', message, extra);
  }

  public error(message: string, ...extra: Record<string, unknown>[]): void {
    this.record('error', message, extra);
  }

  private record(level: LogLevel, message: string, extra: Record<string, unknown>[]): void {
    this.calls.push({ level, message, extra: extra.map((e) => structuredClone(e)) });
    this.forward?.[level](message, ...extra);
  }
}

export class CapturingPublisher implements MetricsPublisher {
  public readonly publishes: CapturedPublish[] = [];

  public constructor(private readonly forward?: MetricsPublisher) {}

  public publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void {
    this.publishes.push({
      model: target?.model,
      route: target?.route,
      extra: target?.extra,
      values: values.map(([n, v]) => [n, v] as const),
    });
    this.forward?.publish(target, values);
  }

  /** Every value of `name` published under `model` (undefined: no Model dimension), optionally on one route. */
  public values(model: string | undefined, name: MetricName, route?: Route): number[] {
    return this.publishes
      .filter((p) => p.model === model && (route === undefined || p.route === route))
      .flatMap((p) => p.values.filter(([n]) => n === name).map(([, v]) => v));
  }

  public sum(model: string | undefined, name: MetricName, route?: Route): number {
    return this.values(model, name, route).reduce((a, b) => a + b, 0);
  }

  /** `name` under `model`, summed by the value of its extra dimension (e.g. ErrorType → count). */
  public byExtra(model: string, name: MetricName): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.publishes) {
      if (p.model !== model || !p.extra) continue;
      for (const [n, v] of p.values) if (n === name) out[p.extra.value] = (out[p.extra.value] ?? 0) + v;
    }
    return out;
  }
}

type WriteFn = typeof process.stdout.write;

/**
 * Captures process.stdout.write and process.stderr.write (and swallows them) between start()
 * and stop(). Powertools Logger writes INFO to stdout and WARN/ERROR to stderr.
 */
export class StdoutCapture {
  public readonly chunks: string[] = [];
  public readonly errChunks: string[] = [];
  private originals?: { out: WriteFn; err: WriteFn };

  public start(): void {
    if (this.originals) return;
    // Kept to be put back as they were (`restore`), not called detached.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.originals = { out: process.stdout.write, err: process.stderr.write };
    process.stdout.write = capturingWrite(this.chunks);
    process.stderr.write = capturingWrite(this.errChunks);
  }

  public stop(): void {
    if (!this.originals) return;
    process.stdout.write = this.originals.out;
    process.stderr.write = this.originals.err;
    this.originals = undefined;
  }

  /** Everything written to stdout. */
  public get text(): string {
    return this.chunks.join('');
  }

  /** Everything written to stderr. */
  public get errText(): string {
    return this.errChunks.join('');
  }

  /** Every captured line (stdout, then stderr) that parses as a JSON object. */
  public jsonLines(): Record<string, unknown>[] {
    return [...jsonObjectsIn(this.text), ...jsonObjectsIn(this.errText)];
  }
}

function capturingWrite(chunks: string[]): WriteFn {
  const write = (chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (typeof done === 'function') process.nextTick(() => (done as (err?: Error | null) => void)(null));
    return true;
  };
  return write;
}

export function jsonObjectsIn(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isRecord(value)) out.push(value);
    } catch {
      // not JSON: ignore
    }
  }
  return out;
}

export interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: Array<{ readonly Name: string; readonly Unit: string }>;
}

export interface EmfBlob {
  readonly directive: EmfDirective;
  /** The whole JSON object (dimension values and metric values at the root). */
  readonly root: Record<string, unknown>;
}

/** The EMF documents among JSON lines (objects with `_aws.CloudWatchMetrics`). */
export function emfBlobs(lines: Record<string, unknown>[]): EmfBlob[] {
  const out: EmfBlob[] = [];
  for (const root of lines) {
    const aws = root._aws;
    if (!isRecord(aws) || !Array.isArray(aws.CloudWatchMetrics)) continue;
    if (aws.CloudWatchMetrics.length !== 1)
      throw new Error(`expected one metric directive per blob, got ${JSON.stringify(aws.CloudWatchMetrics)}`);
    const d: unknown = aws.CloudWatchMetrics[0];
    if (!isRecord(d) || typeof d.Namespace !== 'string' || !Array.isArray(d.Dimensions) || !Array.isArray(d.Metrics)) {
      throw new Error(`malformed EMF directive: ${JSON.stringify(d)}`);
    }
    out.push({ directive: d as unknown as EmfDirective, root });
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// The gateway under test

export type FlagSourceSpec =
  | { readonly kind: 'file'; readonly file: FlagFile }
  | { readonly kind: 'agent'; readonly agent: FakeAgent; readonly timeoutMs?: number }
  | { readonly kind: 'agent-port'; readonly port: number; readonly timeoutMs?: number };

export interface HarnessOptions {
  /** The fake vendor (or any server speaking the Messages API). */
  readonly vendor: { readonly url: string };
  readonly flags: FlagSourceSpec;
  readonly gateway?: GatewayOverrides;
  /** 'real': Powertools Logger + EmfMetricsPublisher on captured stdout. @default 'capture' */
  readonly telemetry?: 'capture' | 'real';
  /** How the gateway reads its vendor API key. @default - always 'k' */
  readonly apiKey?: () => Promise<string>;
  /** Changes the settings beyond `gateway` (e.g. a catalog model's request rules). */
  readonly settings?: (settings: GatewaySettings) => GatewaySettings;
}

export interface GatewayHarness {
  readonly url: string;
  readonly settings: GatewaySettings;
  readonly logger: CapturingLogger;
  readonly metrics: CapturingPublisher;
  /** Only with telemetry 'real'. */
  readonly stdout?: StdoutCapture;
  /** An SDK client for the gateway (no retries). */
  readonly client: Anthropic;
  /** The 'request' log entries' extras, in order. */
  requestLogs(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startGateway(options: HarnessOptions): Promise<GatewayHarness> {
  const base = settingsWith(options.gateway);
  const settings = options.settings ? options.settings(base) : base;
  const real = options.telemetry === 'real';
  const stdout = real ? new StdoutCapture() : undefined;
  stdout?.start();
  const logger = new CapturingLogger(real ? new Logger({ serviceName: 'model-gateway' }) : undefined);
  const metrics = new CapturingPublisher(real ? new EmfMetricsPublisher(settings.gateway.metricsNamespace) : undefined);
  const flagSource = makeFlagSource(settings, options.flags);
  const gateway = createGateway({
    settings,
    flagSource,
    apiKey: options.apiKey ?? (async () => 'k'),
    hashKey: async () => HASH_KEY,
    baseURL: options.vendor.url,
    logger,
    metrics,
  });
  const server = createGatewayServer(gateway, settings.gateway.maxRequestBytes);
  await listen(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    url,
    settings,
    logger,
    metrics,
    stdout,
    client: new Anthropic({ apiKey: 'x', baseURL: url, maxRetries: 0 }),
    requestLogs: () => logger.calls.filter((c) => c.message === 'request').map((c) => c.extra[0] ?? {}),
    async close() {
      if (closed) return;
      closed = true;
      stdout?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function makeFlagSource(settings: GatewaySettings, spec: FlagSourceSpec): FlagSource {
  if (spec.kind === 'file') return new FileFlagSource(spec.file.path);
  const port = spec.kind === 'agent' ? spec.agent.port : spec.port;
  return new AgentFlagSource({
    application: settings.appConfig.application,
    environment: settings.appConfig.environment,
    profile: settings.appConfig.profile,
    host: '127.0.0.1',
    port,
    timeoutMs: spec.timeoutMs,
  });
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface RequestOptions {
  readonly model?: string;
  readonly user?: string;
  readonly text?: string;
  readonly system?: string;
  readonly maxTokens?: number;
}

/** A small valid non-streaming Messages request. */
export function messageParams(o: RequestOptions = {}): MessageCreateParamsNonStreaming {
  return {
    model: o.model ?? DEFAULT_ALIAS,
    max_tokens: o.maxTokens ?? 64,
    messages: [{ role: 'user', content: o.text ?? 'hi' }],
    ...(o.system === undefined ? {} : { system: o.system }),
    ...(o.user === undefined ? {} : { metadata: { user_id: o.user } }),
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** POSTs anything to the gateway with fetch. */
export async function postRaw(
  url: string,
  body: string | Buffer | object,
  init: { method?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await fetch(`${url}${init.path ?? '/v1/messages'}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.method === 'GET' || init.method === 'HEAD' ? undefined : payload,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Parses `{"type":"error","error":{"type","message"}}` strictly. */
export function anthropicError(text: string): { type: string; message: string } {
  const body: unknown = JSON.parse(text);
  if (!isRecord(body) || body.type !== 'error' || !isRecord(body.error))
    throw new Error(`not an Anthropic error body: ${text}`);
  const { type, message } = body.error;
  if (typeof type !== 'string' || typeof message !== 'string') throw new Error(`not an Anthropic error body: ${text}`);
  if (Object.keys(body).length !== 2 || Object.keys(body.error).length !== 2)
    throw new Error(`unexpected keys in error body: ${text}`);
  return { type, message };
}

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Splits a raw text/event-stream body into its events. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    if (!block.trim()) continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    events.push({ event, data: data.length ? (JSON.parse(data.join('\n')) as unknown) : undefined });
  }
  return events;
}

/** Resolves to the error the promise rejects with; fails when it resolves. */
export async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** Runs `task` for every item with at most `concurrency` at once. */
export async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += concurrency) {
    out.push(...(await Promise.all(items.slice(i, i + concurrency).map(task))));
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls of the fake vendor for one model id. */
export const callsFor = (vendor: FakeVendor, model: string): FakeVendor['calls'] =>
  vendor.calls.filter((c) => c.model === model);

// ---------------------------------------------------------------------------------------------
// A vendor whose stream stalls (the fake vendor has no such behaviour)

export interface StallingVendor {
  readonly url: string;
  readonly calls: Array<{ readonly model: string; readonly stream: boolean; readonly at: number }>;
  close(): Promise<void>;
}

/**
 * Answers like the fake vendor ('ok'), except that streams for `stallModel` send 200 headers
 * and the first `afterEvents` events, then go silent (until close()).
 */
export async function startStallingVendor(o: {
  readonly stallModel: string;
  readonly afterEvents: number;
}): Promise<StallingVendor> {
  const calls: Array<{ model: string; stream: boolean; at: number }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const b = isRecord(body) ? body : {};
      const model = typeof b.model === 'string' ? b.model : '';
      const stream = b.stream === true;
      calls.push({ model, stream, at: Date.now() });
      const answer = {
        model,
        text: `Hello from ${model}`,
        stopReason: 'end_turn' as const,
        inputTokens: 10,
        outputTokens: 5,
      };
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_stall' });
        res.end(JSON.stringify(messageObject(answer)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_stall' });
      res.flushHeaders();
      const events = streamEvents(answer);
      const send = model === o.stallModel ? events.slice(0, o.afterEvents) : events;
      for (const event of send) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (model !== o.stallModel) res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A fake vendor and a flag file shared by a test file, and the gateway its tests start. */
export interface FlagFileWorld {
  readonly vendor: FakeVendor;
  readonly flags: FlagFile;
  /** Starts a gateway on the flag file (closed after each test); `vendor` defaults to the shared one. */
  start(
    options?: Omit<HarnessOptions, 'vendor' | 'flags'> & { readonly vendor?: HarnessOptions['vendor'] },
  ): Promise<GatewayHarness>;
}

/**
 * Registers the hooks most gateway test files share: one fake vendor and one flag file (at
 * `percent`) for the file, each test's gateway closed and the vendor reset after it.
 */
export function useFlagFileWorld(percent = 100): FlagFileWorld {
  let vendor: FakeVendor | undefined;
  let flags: FlagFile | undefined;
  let gw: GatewayHarness | undefined;
  beforeAll(async () => {
    vendor = await startFakeVendor();
    flags = await FlagFile.create(flagOn(percent));
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    vendor?.reset();
  });
  afterAll(async () => {
    await vendor?.close();
    await flags?.remove();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before beforeAll ran`);
    return value;
  };
  return {
    get vendor() {
      return ready(vendor, 'the fake vendor');
    },
    get flags() {
      return ready(flags, 'the flag file');
    },
    start: async (options = {}) => {
      gw = await startGateway({
        ...options,
        vendor: options.vendor ?? ready(vendor, 'the fake vendor'),
        flags: { kind: 'file', file: ready(flags, 'the flag file') },
      });
      return gw;
    },
  };
}
