import type { AlarmKey } from './alarm-names';
import type { RolloutConfig } from './config-schema';
import { vendorSpendBasis } from './spend';

/** What an alarm tells the person it wakes: the meaning, the first move, where to read on. */
export interface AlarmDocs {
  readonly meaning: string;
  readonly firstStep: string;
  /** Anchor of the RUNBOOK.md section (`### <runbookSection>`). */
  readonly runbookSection: string;
}

/**
 * Every alarm's meaning, first step and runbook section, in one place beside the alarm names:
 * the constructs write them into alarm descriptions, and a test holds RUNBOOK.md to them.
 * Thresholds in the words come from `config`, so a description never disagrees with its alarm.
 */
export function alarmCatalog(config: RolloutConfig): Readonly<Record<AlarmKey, AlarmDocs>> {
  const model = config.llm.newModelAlias;
  const a = config.alarms;
  const spend = config.spend;
  const basis = vendorSpendBasis(config);
  const pct = spend.alertAtPercentOfExpected;
  return {
    newModelErrorRate: {
      meaning: `${model} is failing (5xx, 529, timeouts, connection errors, or skipped by the open circuit breaker) on ≥ ${a.errorRatePercent}% of its calls; users are being served by the fallback.`,
      firstStep:
        'Check the vendor status page and the gateway logs (attempts[].outcome); the rollback alarm rolls the phase back on its own — confirm with `npx rollout status`.',
      runbookSection: 'new-model-error-rate',
    },
    newModelLatencyP99: {
      meaning: `p99 latency of ${model} calls is ≥ ${a.latencyP99Ms} ms.`,
      firstStep:
        'Compare with the default model on the dashboard; if only the new model is slow, let the rollback stand and raise it with the vendor.',
      runbookSection: 'new-model-latency-p99',
    },
    newModelTimeToFirstTokenP99: {
      meaning: `p99 time to first token of streamed ${model} answers is ≥ ${a.timeToFirstTokenP99Ms} ms.`,
      firstStep:
        'Check the dashboard for the default model; a slow first token on the new model alone is a vendor capacity problem.',
      runbookSection: 'new-model-ttft-p99',
    },
    newModelThrottleRate: {
      meaning: `The vendor rate-limits ${model} (429) on ≥ ${a.throttleRatePercent}% of calls: the account's limits for the new model are too low for this phase.`,
      firstStep:
        'Run `npx rollout preflight` to see the rate-limit headers; ask the vendor contact for higher limits before advancing again.',
      runbookSection: 'new-model-throttle-rate',
    },
    newModelModerationRate: {
      meaning: `≥ ${a.moderationFlagRatePercent}% of ${model} answers were flagged (refusals or configured output checks).`,
      firstStep:
        'Read the gateway logs for moderation reasons (check names only, never text) and decide with the owner whether the new model may go on.',
      runbookSection: 'new-model-moderation-rate',
    },
    flagErrors: {
      meaning: `The gateway could not read the rollout flag ${a.flagErrorsPerPeriod}+ times in a period (agent down, or an invalid flag version); it uses the last good flag meanwhile.`,
      firstStep:
        'Check the flag version just deployed in AppConfig; if it is malformed, the rollback restores the previous one.',
      runbookSection: 'flag-errors',
    },
    rollback: {
      meaning: `A rollout alarm fired for ${model}: AppConfig rolls back a deployment or bake in progress, and the rollback guard reverts a finished phase or turns the flag off.`,
      firstStep:
        'Run `npx rollout status` to see which alarm fired and what the rollback did; do not advance until the cause is understood.',
      runbookSection: 'rollback',
    },
    gatewayErrors: {
      meaning: 'The gateway Lambda itself is failing (crashes, timeouts), for every model.',
      firstStep:
        'Read the gateway log group for "gateway failure" entries; roll back the last stack deploy if it started then.',
      runbookSection: 'gateway-health',
    },
    gatewayThrottles: {
      meaning: 'Lambda is throttling the gateway: requests are refused for lack of concurrency.',
      firstStep: 'Check the account concurrency quota and other functions using it; request a quota increase.',
      runbookSection: 'gateway-health',
    },
    vendorAuthFailures: {
      meaning:
        "The model vendor refused the gateway's API key (401/403) even after the gateway re-read it from Secrets Manager: requests are answered 502.",
      firstStep:
        'Check the vendor key secret against the vendor console (revoked, wrong organisation, missing permission); store a valid key as its current version: the gateway picks it up on the next refusal, no redeploy.',
      runbookSection: 'vendor-auth-failures',
    },
    gatewayUrl5xx: {
      meaning: 'The gateway Function URL answers 5xx: both models failed, or the gateway could not answer.',
      firstStep:
        'Check the dashboard: if both models fail the vendor is down (call the vendor contact); otherwise read the gateway logs.',
      runbookSection: 'gateway-health',
    },
    guardFailures: {
      meaning: 'The rollback guard gave up after its retries: the new model may still be on while its alarm fires.',
      firstStep:
        'Pull the kill switch by hand now: `npx rollout rollback` (or deploy the version labelled off with the -off strategy in the AppConfig console).',
      runbookSection: 'guard-failures',
    },
    vendorSpendDaily: {
      meaning: `Estimated vendor (Anthropic) spend over the last day is ≥ $${roundUsd(basis.dailyAlertUsd)}, ${pct}% of the expected $${roundUsd(basis.expectedDailyUsd)} (${basis.source}).`,
      firstStep:
        'Compare requests and tokens per model on the dashboard with the traffic estimate; a jump in tokens per request points at a client loop.',
      runbookSection: 'vendor-spend',
    },
    vendorSpendBurnRate: {
      meaning: `Vendor spend in the last hour is ≥ $${roundUsd(basis.hourlyAlertUsd)}: on pace for ${spend.hourlyBurnMultiple}× the daily alert level ($${roundUsd(basis.dailyAlertUsd)}). A runaway is burning money now.`,
      firstStep:
        'Find the client and model driving tokens on the dashboard; throttle or block that client, and roll the rollout back if the new model is the cause.',
      runbookSection: 'vendor-spend',
    },
  };
}

/** Dollars to the cent, as the spend alarms show them. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 100) / 100;
}
