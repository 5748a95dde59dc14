import type { RolloutConfig } from '../domain/config-schema';
import { planPhase, type PhaseDetectionPlan } from '../domain/judge/detection-plan';
import { judgeSettingsFrom } from '../domain/judge/judge-settings';
import {
  ERROR_RISE_TO_CATCH_POINTS,
  LATENCY_SLOWDOWN_FACTOR,
  REFERENCE_ERROR_RATE_PERCENT,
  VENDOR_ERROR_BASELINES_PERCENT,
} from '../domain/judge/planning-assumptions';
import { CliError } from './cli-error';
import { servedPercent } from '../domain/holdback';
import { EXIT } from './exit-codes';

/**
 * `rollout plan`: what the judge can detect in each phase at the gateway's traffic, before the
 * rollout starts — so a watch window too short for its phase's traffic is found on paper, not
 * by a regression that went unnoticed. Reads no AWS.
 */
export interface PlanOptions {
  /** `--traffic N`: requests a day through the gateway, instead of the config's estimate. */
  readonly traffic?: string;
  readonly json: boolean;
}

export interface TrafficEstimate {
  readonly requestsPerDay: number;
  /** Where the figure came from: `--traffic` or `spend.traffic.requestsPerDay`. */
  readonly source: string;
}

export interface PlanReport {
  readonly traffic: TrafficEstimate;
  readonly phases: readonly PhaseDetectionPlan[];
}

export function plan(config: RolloutConfig, options: PlanOptions, print: (line: string) => void): number {
  const report = planReport(config, trafficOf(config, options.traffic));
  if (options.json) {
    print(JSON.stringify(report, null, 2));
    return EXIT.ok;
  }
  for (const line of formatPlan(config, report)) print(line);
  return EXIT.ok;
}

export function planReport(config: RolloutConfig, traffic: TrafficEstimate): PlanReport {
  const settings = judgeSettingsFrom(config.judge);
  return { traffic, phases: config.rollout.phases.map((phase) => planPhase(phase, traffic.requestsPerDay, settings)) };
}

export function trafficOf(config: RolloutConfig, flag: string | undefined): TrafficEstimate {
  if (flag !== undefined) {
    if (!/^\d+$/.test(flag) || Number(flag) <= 0 || !Number.isSafeInteger(Number(flag))) {
      throw new CliError(`--traffic must be a whole number of requests a day > 0 (got ${flag}).`, {
        exitCode: EXIT.usage,
      });
    }
    return { requestsPerDay: Number(flag), source: '--traffic' };
  }
  const estimate = config.spend.traffic?.requestsPerDay;
  if (estimate === undefined) {
    throw new CliError(
      'The config has no traffic estimate (spend.traffic.requestsPerDay), and what the judge can detect depends on it: pass --traffic N, the requests a day through the gateway, or add spend.traffic to the config.',
      { exitCode: EXIT.usage },
    );
  }
  return { requestsPerDay: estimate, source: 'spend.traffic.requestsPerDay' };
}

function formatPlan(config: RolloutConfig, report: PlanReport): string[] {
  const j = config.judge;
  const baselines = VENDOR_ERROR_BASELINES_PERCENT.map((b) => `${b}%`).join(' / ');
  const rows = report.phases.map((p) => {
    const phase = config.rollout.phases.find((x) => x.name === p.phase)!;
    const falseRollbacks = VENDOR_ERROR_BASELINES_PERCENT.map((b) =>
      smallPercent(p.falseRollbacksPerPhase[`${b}`]),
    ).join(' / ');
    return `| ${p.phase} | ${servedPercent(phase.rolloutPercent, config.judge.holdbackPercent)}% | ${phase.watchWindowHours.min} | ${p.newModelCallsPerHour} | ${p.minDetectableErrorRisePoints ?? 'none'} | ${p.latencyShiftDetectable ? 'yes' : 'no'} | ${p.deadModelDetectMinutes ?? 'n/a'} | ${falseRollbacks} | ${p.hoursNeeded ?? '—'} |`;
  });
  return [
    `Detection plan at ${report.traffic.requestsPerDay.toLocaleString('en-US')} requests/day (${report.traffic.source}); the judge looks every ${j.intervalMinutes} min.`,
    `Margins: errors ${j.errorRate.marginPoints} pt, throttles ${j.throttleRate.marginPoints} pt, refusals ${j.refusalRate.marginPoints} pt, calls over ${j.latency.slowCallMs} ms ${j.latency.marginPoints} pt; wrong verdicts ≤ ${j.wrongVerdictPercent}% per check per window.`,
    '',
    `| phase | users | min watch (h) | new-model calls/h | smallest error rise caught (pt over ${REFERENCE_ERROR_RATE_PERCENT}%) | ${LATENCY_SLOWDOWN_FACTOR}× latency caught | dead model caught (min) | false rollbacks (%) at ${baselines} | hours needed for ${REFERENCE_ERROR_RATE_PERCENT}% → ${REFERENCE_ERROR_RATE_PERCENT + ERROR_RISE_TO_CATCH_POINTS}% |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `"Caught" means in ≥ 80% of minimum watch windows (computed at the window's last look: a lower bound). Dead model: minutes from death to rollback in 95% of cases. False rollbacks: a healthy model at a vendor-wide error rate hitting both models, error check and dead-model guard. Hours needed: shown only where the minimum watch window is too short to catch ${REFERENCE_ERROR_RATE_PERCENT}% → ${REFERENCE_ERROR_RATE_PERCENT + ERROR_RISE_TO_CATCH_POINTS}% errors.`,
    'Allowlisted QA users and client segments are not in the traffic estimate. Method and assumptions: docs/DETECTION.md.',
  ];
}

/** A bound printed to 4 decimals rounds up, so 0.0001 means "at most 0.0001%": say so. */
function smallPercent(value: number): string {
  return value === 0 ? '0' : value <= 0.0001 ? '≤ 0.0001' : `${value}`;
}
