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
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  const imul = Math.imul; // a local binding: global lookups are slow inside Jest's sandbox
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
