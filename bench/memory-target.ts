/**
 * The gateway as the Lambda runs it — AppConfig agent flag source (a cache entry per user),
 * the id hasher, the circuit breaker, logs and EMF on stdout — served over local HTTP, for the
 * memory benchmark: `npm run bench` reads this process's RSS after 10,000 and 100,000 requests
 * from distinct users. Prints "listening on URL" first on stdout, then the logs.
 *
 * Environment: ANTHROPIC_BASE_URL (the fake vendor), AWS_APPCONFIG_EXTENSION_HTTP_PORT (the
 * fake agent), ROLLOUT_GATEWAY_SETTINGS.
 *
 * Run with --expose-gc, it answers SIGUSR2 with two full collections and a line
 * `heap-used-mb N` on stderr: the live heap, which RSS (what the allocator kept) only bounds.
 */
import type { AddressInfo } from 'node:net';
import { parseGatewaySettings } from '../lib/domain/gateway-settings';
import { createGateway } from '../lib/gateway/create-gateway';
import { AgentFlagSource } from '../lib/gateway/flag-source';
import { createGatewayServer } from '../lib/gateway/local-server';
import { StdoutJsonLogger } from '../lib/gateway/stdout-logger';

const settings = parseGatewaySettings(process.env.ROLLOUT_GATEWAY_SETTINGS ?? '');
const gateway = createGateway({
  settings,
  flagSource: new AgentFlagSource({ ...settings.appConfig, host: '127.0.0.1' }),
  apiKey: () => Promise.resolve('bench'),
  hashKey: () => Promise.resolve('h'.repeat(64)),
  baseURL: process.env.ANTHROPIC_BASE_URL,
  logger: new StdoutJsonLogger('model-gateway'),
});
const server = createGatewayServer(gateway, settings.gateway.maxRequestBytes);
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

const collect = (globalThis as { gc?: () => void }).gc;
if (collect)
  process.on('SIGUSR2', () => {
    collect();
    collect();
    process.stderr.write(`heap-used-mb ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(2)}\n`);
  });
