import { CHECK_NAMES, type CheckName } from './check-names';

/**
 * What the scheduled judge publishes, in the gateway's namespace: a public contract between the
 * judge Lambda that emits these and the alarms that read them (the dimension sets must match
 * exactly, or an alarm watches a metric nobody writes). No AWS import.
 *
 * - `JudgeVerdict`, dimensions exactly {Check}: 1 when that check fails, 0 when it passes or is
 *   inconclusive; one datapoint per check per run while a phase is live.
 * - `JudgeHeartbeat`, no dimensions: 1 on every run that read what it needed, nothing live included.
 */
export const JUDGE_VERDICT_METRIC = 'JudgeVerdict';
export const JUDGE_HEARTBEAT_METRIC = 'JudgeHeartbeat';
export const CHECK_DIMENSION = 'Check';

/** The dead-model guard's `Check` value, beside the rate checks'. */
export const DEAD_MODEL_CHECK = 'deadModel';

/** The new model's incompatible-request share against its absolute bound. */
export const INCOMPATIBLE_CHECK = 'incompatibleRequests';

export type VerdictCheck = CheckName | typeof INCOMPATIBLE_CHECK | typeof DEAD_MODEL_CHECK;

/** Every `Check` value JudgeVerdict is published with, in the order published. */
export const VERDICT_CHECKS: readonly VerdictCheck[] = [...CHECK_NAMES, INCOMPATIBLE_CHECK, DEAD_MODEL_CHECK];
