import type { Phase } from '../config-schema';
import { deadModelDetectMinutes } from './dead-model-timing';
import { detectionPower, hoursToDetect, smallestDetectableRisePoints } from './detection-power';
import { falseRollbackBound } from './false-rollback-bound';
import type { JudgeSettings } from './judge-settings';
import { newModelCallsPerMinute, type PhaseTraffic } from './phase-traffic';
import { servedPercent } from '../holdback';
import {
  ERROR_RISE_TO_CATCH_POINTS,
  LATENCY_SLOWDOWN_FACTOR,
  REFERENCE_ERROR_RATE_PERCENT,
  REQUIRED_POWER,
  slowShare,
  VENDOR_ERROR_BASELINES_PERCENT,
  type VendorBaseline,
} from './planning-assumptions';

/**
 * What the judge can see in each phase at a given traffic: the figures of `rollout plan`.
 * Computed analytically from the checks' own verdicts (see detection-power.ts and
 * false-rollback-bound.ts), not simulated. Pure module: no AWS import.
 */
export interface PhaseDetectionPlan {
  readonly phase: string;
  readonly newModelCallsPerHour: number;
  /** Smallest error-rate rise (points over 1%) caught in ≥ 80% of minimum watch windows; null if none is. */
  readonly minDetectableErrorRisePoints: number | null;
  /** Whether a 2× slowdown of every call is caught in ≥ 80% of minimum watch windows. */
  readonly latencyShiftDetectable: boolean;
  /** Minutes from death to rollback in 95% of cases; null without new-model traffic. */
  readonly deadModelDetectMinutes: number | null;
  /** Upper bound (%) on rolling back a healthy model during the minimum watch window, per vendor-wide error rate. */
  readonly falseRollbacksPerPhase: Readonly<Record<VendorBaseline, number>>;
  /** Hours of watching needed to catch 1% → 3% errors in ≥ 80% of windows, when the minimum window is shorter; else null. */
  readonly hoursNeeded: number | null;
}

export function planPhase(phase: Phase, requestsPerDay: number, settings: JudgeSettings): PhaseDetectionPlan {
  const traffic: PhaseTraffic = {
    requestsPerDay,
    rolloutPercent: servedPercent(phase.rolloutPercent, settings.holdbackPercent),
  };
  const hours = phase.watchWindowHours.min;
  const comparison = (marginPoints: number) => ({ marginPoints, alpha: settings.alpha });
  const errorCheck = comparison(settings.marginPoints.errorRate);
  const reference = REFERENCE_ERROR_RATE_PERCENT / 100;
  const riseToCatch = {
    baselineRate: reference,
    newRate: reference + ERROR_RISE_TO_CATCH_POINTS / 100,
    fallbackRate: reference + ERROR_RISE_TO_CATCH_POINTS / 100,
  };

  const latency = {
    baselineRate: slowShare(settings.slowCallMs),
    newRate: slowShare(settings.slowCallMs, LATENCY_SLOWDOWN_FACTOR),
    fallbackRate: reference,
  };
  const latencyPower = detectionPower(traffic, hours, latency, comparison(settings.marginPoints.slowCallShare));

  const falseRollbacks = Object.fromEntries(
    VENDOR_ERROR_BASELINES_PERCENT.map((percent) => {
      const bound = falseRollbackBound({
        traffic,
        hours,
        intervalMinutes: settings.intervalMinutes,
        vendorErrorRate: percent / 100,
        errorCheck,
        deadModelFailedCalls: settings.deadModel.failedCalls,
      });
      return [`${percent}`, roundUp(bound * 100, 4)];
    }),
  ) as Record<VendorBaseline, number>;

  const caughtInWindow = detectionPower(traffic, hours, riseToCatch, errorCheck) >= REQUIRED_POWER;
  const dead = deadModelDetectMinutes(
    newModelCallsPerMinute(traffic),
    settings.deadModel.failedCalls,
    settings.intervalMinutes,
  );
  return {
    phase: phase.name,
    newModelCallsPerHour: round(newModelCallsPerMinute(traffic) * 60, 1),
    minDetectableErrorRisePoints:
      smallestDetectableRisePoints(traffic, hours, reference, REQUIRED_POWER, errorCheck) ?? null,
    latencyShiftDetectable: latencyPower >= REQUIRED_POWER,
    deadModelDetectMinutes: dead === undefined ? null : roundUp(dead, 1),
    falseRollbacksPerPhase: falseRollbacks,
    hoursNeeded: caughtInWindow ? null : (hoursToDetect(traffic, riseToCatch, REQUIRED_POWER, errorCheck) ?? null),
  };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Rounds up, so a bound stays a bound when printed. */
function roundUp(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.ceil(value * f - 1e-9) / f;
}
