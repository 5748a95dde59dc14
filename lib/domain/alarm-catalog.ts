import type { AlarmKey } from './alarm-names';
import type { RolloutConfig } from './config-schema';
import { JUDGE_ALARM_POLICY } from './judge/judge-alarm-policy';
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
  const judge = judgeDocs(config);
  return {
    ...judge,
    newModelErrorRate: {
      meaning: `${model} is failing (5xx, 529, timeouts, connection errors, or skipped by the open circuit breaker) on ≥ ${a.errorRatePercent}% of its calls; users are being served by the fallback.`,
      firstStep:
        'Check the vendor status page and the gateway logs (attempts[].outcome). This alarm pages but does not roll back (the judge does): `npx rollout status` shows whether a judge-* alarm followed.',
      runbookSection: 'new-model-error-rate',
    },
    newModelLatencyP99: {
      meaning: `p99 latency of ${model} calls is ≥ ${a.latencyP99Ms} ms.`,
      firstStep:
        'Compare with the default model on the dashboard; if only the new model is slow, raise it with the vendor (the judge rolls back on slow calls, this alarm does not).',
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
    newModelIncompatibleRate: {
      meaning: `${model} refused (4xx: 400, 404, 403 ...) ≥ ${a.incompatibleRequestPercent}% of its rollout calls that the default model then answered: requests it cannot take as written, or a model id or key it cannot use. Users were served by the default model; this pages, it does not roll back.`,
      firstStep:
        'Read IncompatibleRequests by ErrorType on the dashboard and the gateway logs (incompatible, attempts[].status): 404/403 means a wrong model id or a key without access (fix llm.models or the key); 400 means a request the catalog rules do not adapt (add the rule to llm.models.<alias>.requestRules, or hold the rollout).',
      runbookSection: 'new-model-incompatible-rate',
    },
    flagErrors: {
      meaning: `The gateway could not read the rollout flag ${a.flagErrorsPerPeriod}+ times in a period (agent down, or an invalid flag version); it uses the last good flag meanwhile.`,
      firstStep:
        'Check the flag version just deployed in AppConfig; if it is malformed, the rollback restores the previous one.',
      runbookSection: 'flag-errors',
    },
    rollback: {
      meaning: `A judge verdict alarm or the flag-errors alarm fired for ${model}: AppConfig rolls back a deployment or bake in progress, and the rollback guard reverts a finished phase or turns the flag off.`,
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

/** The judge's alarms: one per verdict check (they roll back), and its heartbeat (it pages). */
function judgeDocs(
  config: RolloutConfig,
): Pick<
  Record<AlarmKey, AlarmDocs>,
  | 'judgeErrorRate'
  | 'judgeThrottleRate'
  | 'judgeRefusalRate'
  | 'judgeSlowCallShare'
  | 'judgeIncompatibleRequests'
  | 'judgeDeadModel'
  | 'judgeHeartbeat'
> {
  const model = config.llm.newModelAlias;
  const base = config.llm.defaultModel;
  const j = config.judge;
  const sure = `${100 - j.wrongVerdictPercent}%`;
  const beyond = (what: string, points: number): string =>
    `The judge found ${what} of ${model} above ${base}'s by more than ${points} pt over the judged window (${sure} confidence): the rollback alarm rolls the phase back.`;
  const status =
    "Run `npx rollout status`, then read the judge log line of the last run (both models' rates, the window start); do not advance until the cause is understood.";
  const heartbeat = JUDGE_ALARM_POLICY.heartbeat;
  return {
    judgeErrorRate: {
      meaning: beyond(
        'the error rate (5xx, 529, timeouts, connection errors, open-breaker skips)',
        j.errorRate.marginPoints,
      ),
      firstStep: `${status} Check the vendor status page for the new model.`,
      runbookSection: 'judge-error-rate',
    },
    judgeThrottleRate: {
      meaning: beyond('the throttle rate (429)', j.throttleRate.marginPoints),
      firstStep: `${status} \`npx rollout preflight\` shows the new model's rate-limit headers; ask the vendor for higher limits before advancing again.`,
      runbookSection: 'judge-throttle-rate',
    },
    judgeRefusalRate: {
      meaning: beyond('the refusal rate (moderation flags per checked answer)', j.refusalRate.marginPoints),
      firstStep: `${status} The gateway logs name the checks that fired; decide with the owner whether the new model may go on.`,
      runbookSection: 'judge-refusal-rate',
    },
    judgeSlowCallShare: {
      meaning: beyond(`the share of calls slower than ${j.latency.slowCallMs} ms`, j.latency.marginPoints),
      firstStep: `${status} Compare latency per model on the dashboard; a slow new model alone is a vendor capacity problem.`,
      runbookSection: 'judge-slow-call-share',
    },
    judgeIncompatibleRequests: {
      meaning: `The judge found ${model} refusing (a 4xx other than 429, then answered by ${base}) more than ${j.incompatibleRequests.maxPercent}% of its calls over the judged window (${sure} confidence): requests it cannot take as written. Users were served by ${base}; the rollback alarm rolls the phase back.`,
      firstStep: `${status} Run \`npx rollout preflight --replay FILE.jsonl\` on a sample of real requests, read the gateway log's \`incompatible\` field and IncompatibleRequests by ErrorType on the dashboard, and fix the requests with a rule in llm.models.${model}.requestRules before advancing again.`,
      runbookSection: 'judge-incompatible-requests',
    },
    judgeDeadModel: {
      meaning: `${model} failed ${j.deadModel.failedCalls} calls in a row since its last success while ${base} failed on fewer than ${j.deadModel.defaultFailingPercent}% of its calls: the new model is down, not the vendor. The rollback alarm rolls the phase back.`,
      firstStep: `${status} Check the vendor status page and the gateway logs (attempts[].outcome) for the new model.`,
      runbookSection: 'judge-dead-model',
    },
    judgeHeartbeat: {
      meaning: `The scheduled judge completed no run in the last ${heartbeat.evaluationPeriods} ${j.intervalMinutes}-minute intervals, the current one included (${heartbeat.evaluationPeriods - 1} runs in a row missed): nothing compares ${model} with ${base}, so a worse model is not rolled back. This alarm pages; it never rolls back.`,
      firstStep:
        "Read the judge function's log group for the failed run (an unreadable window-reset parameter, a permission or config error); until it runs again, watch the new-model-* alarms and pull the kill switch by hand (`npx rollout rollback`) if the new model alone fails.",
      runbookSection: 'judge-heartbeat',
    },
  };
}

/** Dollars to the cent, as the spend alarms show them. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 100) / 100;
}
