import type { RolloutConfig } from './config-schema';
import type { VerdictCheck } from './judge/judge-metric-names';

/**
 * Alarm names are `<stackName>/<name>`, so the CLI and the runbook can find them from the
 * config alone. The rollback alarm is the composite AppConfig watches; the judge-* alarms read
 * the scheduled judge's metrics (one per verdict check, and its heartbeat).
 */
export const ALARM_NAMES = {
  rollback: 'rollback',
  newModelErrorRate: 'new-model-error-rate',
  newModelLatencyP99: 'new-model-latency-p99',
  newModelTimeToFirstTokenP99: 'new-model-ttft-p99',
  newModelThrottleRate: 'new-model-throttle-rate',
  newModelModerationRate: 'new-model-moderation-rate',
  newModelIncompatibleRate: 'new-model-incompatible-rate',
  flagErrors: 'flag-errors',
  gatewayErrors: 'gateway-function-errors',
  gatewayThrottles: 'gateway-function-throttles',
  gatewayUrl5xx: 'gateway-url-5xx',
  vendorAuthFailures: 'vendor-auth-failures',
  guardFailures: 'rollback-guard-failures',
  vendorSpendDaily: 'vendor-spend-daily',
  vendorSpendBurnRate: 'vendor-spend-burn-rate',
  judgeErrorRate: 'judge-error-rate',
  judgeThrottleRate: 'judge-throttle-rate',
  judgeRefusalRate: 'judge-refusal-rate',
  judgeSlowCallShare: 'judge-slow-call-share',
  judgeIncompatibleRequests: 'judge-incompatible-requests',
  judgeDeadModel: 'judge-dead-model',
  judgeHeartbeat: 'judge-heartbeat',
} as const;

export type AlarmKey = keyof typeof ALARM_NAMES;

/** The alarm on each JudgeVerdict check: any of them in ALARM rolls the phase back. */
export const JUDGE_VERDICT_ALARMS: Readonly<Record<VerdictCheck, AlarmKey>> = {
  errorRate: 'judgeErrorRate',
  throttleRate: 'judgeThrottleRate',
  refusalRate: 'judgeRefusalRate',
  slowCallShare: 'judgeSlowCallShare',
  incompatibleRequests: 'judgeIncompatibleRequests',
  deadModel: 'judgeDeadModel',
};

export function alarmNamePrefix(config: RolloutConfig): string {
  return config.stackName;
}

export function alarmName(config: RolloutConfig, key: AlarmKey): string {
  return `${alarmNamePrefix(config)}/${ALARM_NAMES[key]}`;
}

/** The owner as alarm descriptions name it: `Name <email>`. */
export function ownerText(config: RolloutConfig): string {
  const { owner } = config.contacts;
  return owner.email ? `${owner.name} <${owner.email}>` : owner.name;
}
