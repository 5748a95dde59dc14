import Anthropic from '@anthropic-ai/sdk';
import { Logger } from '@aws-lambda-powertools/logger';
import type { GatewaySettings } from '../domain/gateway-settings';
import { FlagReader } from './flag-reader';
import type { FlagSource } from './flag-source';
import { Gateway, type GatewayLogger } from './gateway';
import { EmfMetricsPublisher, type MetricsPublisher } from './metrics';
import { IdHasher } from './privacy';
import { VendorClients } from './vendor-clients';
import { usesVendorFetch, vendorFetch } from './vendor-fetch';

export interface GatewayWiring {
  readonly settings: GatewaySettings;
  readonly flagSource: FlagSource;
  /** The vendor API key (Secrets Manager in Lambda, an env var locally); read again when the vendor refuses it. */
  readonly apiKey: () => Promise<string>;
  /** The HMAC key for user and client ids. */
  readonly hashKey: () => Promise<string>;
  /** @default - the SDK's default (ANTHROPIC_BASE_URL, else the vendor's API) */
  readonly baseURL?: string;
  /** @default - Powertools Logger, service model-gateway */
  readonly logger?: GatewayLogger;
  /** @default - Powertools Metrics (EMF on stdout) in the configured namespace */
  readonly metrics?: MetricsPublisher;
  /**
   * The environment the vendor SDK's OpenTelemetry settings are read from. Without
   * `ANTHROPIC_OPEN_TELEMETRY` the SDK's spans are off: they cost about a tenth of a request's
   * CPU even with no OpenTelemetry SDK installed (a no-op span per call, its attributes built
   * anyway), and the gateway meters every call itself. Set it (and install OpenTelemetry) to
   * have the SDK trace and propagate as it documents.
   * @default - spans off
   */
  readonly telemetryEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the gateway with its real dependencies. Secrets are read on first use and kept; the
 * vendor key is read again when the vendor refuses it (a rotated or revoked key).
 */
export function createGateway(w: GatewayWiring): Gateway {
  const clients = new VendorClients(w.apiKey, (apiKey) =>
    usesVendorFetch(
      new Anthropic({
        apiKey,
        baseURL: w.baseURL,
        maxRetries: 0,
        fetch: vendorFetch,
        openTelemetry: vendorTelemetry(w.telemetryEnv),
      }),
    ),
  );
  const hasher = once(async () => new IdHasher(await w.hashKey()));
  return new Gateway({
    settings: w.settings,
    flags: new FlagReader(w.flagSource, w.settings.flagKey, { cacheMs: w.settings.gateway.flagCacheMs }),
    clients,
    hasher,
    metrics: w.metrics ?? new EmfMetricsPublisher(w.settings.gateway.metricsNamespace),
    logger: w.logger ?? new Logger({ serviceName: 'model-gateway' }),
  });
}

/**
 * The vendor client's `openTelemetry` option: off, unless the environment sets
 * ANTHROPIC_OPEN_TELEMETRY; then undefined, so the SDK reads its own ANTHROPIC_OPEN_TELEMETRY*
 * variables as it documents.
 */
export function vendorTelemetry(env: GatewayWiring['telemetryEnv']): false | undefined {
  return env?.ANTHROPIC_OPEN_TELEMETRY === undefined ? false : undefined;
}

/** Memoizes a successful async result; a failure is retried on the next call. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
