import type { ModelMinute } from '../../lib/domain/judge/minute-counts';

/** A model's minute: `requests` calls, the rest as given; latency and moderation counted on every answer. */
export function modelMinute(requests: number, extra: Partial<ModelMinute> = {}): ModelMinute {
  return {
    requests,
    modelErrors: 0,
    throttles: 0,
    moderationChecked: requests,
    moderationFlags: 0,
    latencySamples: requests,
    slowCalls: 0,
    ...extra,
  };
}

/** A small seeded generator (mulberry32), so a simulation is the same on every run. */
export { seededRandom as seeded } from '../../bench/stats';
