import type { RolloutConfig } from '../../../lib/domain/config-schema';
import { ROUTE_DIMENSION } from '../../../lib/domain/metric-names';
import type { FakeMetricStore } from './fake-metric-data';

/**
 * A healthy minute of gateway traffic on the rollout route, in the fake CloudWatch: `calls`
 * requests to each model, no errors, throttles or flags, fast calls — what the judge reads
 * after a phase that went well. Requests is stored as one value (its Sum is what the judge
 * reads); the latency and moderation samples are a few, enough to be there.
 */
export function putHealthyTraffic(metrics: FakeMetricStore, config: RolloutConfig, at: Date, calls: number): void {
  for (const model of [config.llm.newModelAlias, config.llm.defaultModel]) {
    const key = (metricName: string) => ({
      namespace: config.gateway.metricsNamespace,
      metricName,
      dimensions: { Model: model, [ROUTE_DIMENSION]: 'rollout' },
    });
    metrics.put(key('Requests'), at, [calls]);
    metrics.put(key('ModelErrors'), at, [0]);
    metrics.put(key('Throttles'), at, [0]);
    metrics.put(key('Latency'), at, [800, 900, 1_000]);
    metrics.put(key('ModerationFlags'), at, [0, 0, 0]);
  }
}
