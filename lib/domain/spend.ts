import type { ModelEntry, RolloutConfig } from './config-schema';
import { OFF_PHASE } from './names';

/** Expected vendor spend while one phase is live. */
export interface PhaseSpend {
  readonly phase: string;
  readonly rolloutPercent: number;
  readonly dailyUsd: number;
  readonly monthlyUsd: number;
}

/** What the vendor-spend alarms compare against. */
export interface VendorSpendBasis {
  readonly expectedDailyUsd: number;
  readonly source: string;
  /** The daily alarm's threshold: expected × alertAtPercentOfExpected. */
  readonly dailyAlertUsd: number;
  /** The hourly burn alarm's threshold (one hour's spend). */
  readonly hourlyAlertUsd: number;
}

const DAYS_PER_MONTH = 30.4;

/** USD for one request of `tokens` at `model`'s catalog prices. */
export function requestCostUsd(model: ModelEntry, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.inputUsdPerMillionTokens + outputTokens * model.outputUsdPerMillionTokens) / 1_000_000;
}

/**
 * Expected daily vendor spend in each phase, from the traffic estimate: the new model's price
 * for the phase's share of requests, the default model's for the rest (allowlists ignored).
 * Undefined without a traffic estimate.
 */
export function expectedSpendByPhase(config: RolloutConfig): PhaseSpend[] | undefined {
  const traffic = config.spend.traffic;
  if (!traffic) return undefined;
  const { llm } = config;
  const perRequest = (alias: string): number => {
    const model = llm.models[alias];
    if (!model) throw new Error(`model alias '${alias}' is not in llm.models`);
    return requestCostUsd(model, traffic.averageInputTokens, traffic.averageOutputTokens);
  };
  const oldCost = perRequest(llm.defaultModel);
  const newCost = perRequest(llm.newModelAlias);
  const phases = [{ name: OFF_PHASE, rolloutPercent: 0 }, ...config.rollout.phases];
  return phases.map((p) => {
    const share = p.rolloutPercent / 100;
    const dailyUsd = traffic.requestsPerDay * ((1 - share) * oldCost + share * newCost);
    return { phase: p.name, rolloutPercent: p.rolloutPercent, dailyUsd, monthlyUsd: dailyUsd * DAYS_PER_MONTH };
  });
}

/**
 * The expected daily vendor spend the alarms use: the configured figure, else the highest
 * phase expectation — the alarm must not fire merely because a phase was advanced outside a
 * `cdk deploy` (for a cheaper new model that is the all-default "off" phase).
 */
export function vendorSpendBasis(config: RolloutConfig): VendorSpendBasis {
  const { expectedDailyVendorUsd, alertAtPercentOfExpected, hourlyBurnMultiple } = config.spend;
  let expectedDailyUsd: number;
  let source: string;
  if (expectedDailyVendorUsd !== undefined) {
    expectedDailyUsd = expectedDailyVendorUsd;
    source = 'spend.expectedDailyVendorUsd';
  } else {
    const byPhase = expectedSpendByPhase(config);
    if (!byPhase) throw new Error('spend needs expectedDailyVendorUsd or traffic');
    const highest = byPhase.reduce((a, b) => (b.dailyUsd > a.dailyUsd ? b : a));
    expectedDailyUsd = highest.dailyUsd;
    source = `derived from spend.traffic: the highest phase (${highest.phase})`;
  }
  const dailyAlertUsd = (expectedDailyUsd * alertAtPercentOfExpected) / 100;
  return { expectedDailyUsd, source, dailyAlertUsd, hourlyAlertUsd: (dailyAlertUsd * hourlyBurnMultiple) / 24 };
}

/** The per-phase table as Markdown. */
export function formatSpendTable(config: RolloutConfig): string {
  const byPhase = expectedSpendByPhase(config);
  if (!byPhase)
    return `Expected vendor spend: $${usd(config.spend.expectedDailyVendorUsd ?? 0)} a day (spend.expectedDailyVendorUsd).`;
  const rows = byPhase.map(
    (p) => `| ${p.phase} | ${p.rolloutPercent}% | $${usd(p.dailyUsd)} | $${usd(p.monthlyUsd)} |`,
  );
  return ['| phase | new model share | vendor spend / day | / month |', '|---|---|---|---|', ...rows].join('\n');
}

function usd(n: number): string {
  return n.toFixed(2);
}
