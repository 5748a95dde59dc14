/**
 * What `rollout plan` and the detection benchmark assume about traffic they cannot see. One
 * place, so the plan's figures and the benchmark's streams describe the same world; every
 * figure in docs/DETECTION.md is conditional on these. Pure module: no AWS import.
 */
import { JUDGE_TIMING } from './judge-invocation-timing';

/** Vendor-wide error rates (%) hitting both models alike, at which false rollbacks are reported. */
export const VENDOR_ERROR_BASELINES_PERCENT = [0.5, 1, 2] as const;
export type VendorBaseline = `${(typeof VENDOR_ERROR_BASELINES_PERCENT)[number]}`;

/** The error rate (%) both models have before a regression, for the detectable-rise figures. */
export const REFERENCE_ERROR_RATE_PERCENT = 1;

/** The regression every phase from canary on must catch within its minimum watch window: 1% → 3%. */
export const ERROR_RISE_TO_CATCH_POINTS = 2;

/** "Detectable" means caught in at least this share of windows. */
export const REQUIRED_POWER = 0.8;

/**
 * Latency of a call, both models alike before a slowdown: log-normal with this median and
 * log-scale standard deviation (a median of 3 s and a p99 near 19 s, like a few hundred output
 * tokens). The slow-call check's power depends on it only through the share of calls above
 * judge.latency.slowCallMs before and after the slowdown.
 */
export const LATENCY_MEDIAN_MS = 3_000;
export const LATENCY_LOG_SD = 0.8;

/** The slowdown the latency check must catch: every call takes this many times as long. */
export const LATENCY_SLOWDOWN_FACTOR = 2;

/** Minutes before a minute's gateway metrics are complete in CloudWatch and the judge reads them: the judge's own settle delay. */
export const METRICS_DELAY_MINUTES = JUDGE_TIMING.metricSettleSeconds / 60;

/** The share of calls slower than `thresholdMs` when latency is log-normal(median, logSd) scaled by `factor`. */
export function slowShare(
  thresholdMs: number,
  factor = 1,
  medianMs = LATENCY_MEDIAN_MS,
  logSd = LATENCY_LOG_SD,
): number {
  return 1 - standardNormalCdf(Math.log(thresholdMs / (factor * medianMs)) / logSd);
}

/** Φ(z), from the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
export function standardNormalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}
