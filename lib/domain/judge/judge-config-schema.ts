import { z } from 'zod';

/**
 * The optional `judge` section of rollout.config.json: how the new model is compared with the
 * default model on the same window (docs/DETECTION.md). Every key has a default, so a config
 * without the section gets the judge the benchmark measured. Pure module: no AWS import.
 */

/**
 * A regression margin in percentage points. Zero is refused: a point null ("the rates are
 * equal") can never pass and, at full traffic, fails on differences nobody would notice.
 */
const marginPoints = (fallback: number) =>
  z
    .number({ error: 'must be a number of percentage points' })
    .gt(0, { error: 'must be > 0 points: a zero margin is a point null that no amount of traffic can pass' })
    .max(100, { error: 'must be ≤ 100 points' })
    .default(fallback);

const rateCheck = (fallback: number) =>
  z.strictObject({
    /** Fail when the new model's rate exceeds the default model's by more than this, with confidence. */
    marginPoints: marginPoints(fallback),
  });

export const JUDGE_DEFAULTS = {
  intervalMinutes: 5,
  wrongVerdictPercent: 1,
  errorRateMarginPoints: 0.25,
  throttleRateMarginPoints: 1,
  refusalRateMarginPoints: 0.5,
  slowCallMs: 10_000,
  slowCallMarginPoints: 5,
  incompatibleRequestsMaxPercent: 1,
  deadModelFailedCalls: 5,
  defaultFailingPercent: 10,
  holdbackPercent: 1,
  maxTimeToRollbackMinutes: 20,
} as const;

export const JudgeConfigSchema = z.strictObject({
  /** How often the judge looks (minutes); its guarantees hold however often, this sets detection delay. */
  intervalMinutes: z
    .number()
    .int({ error: 'must be a whole number of minutes' })
    .min(1, { error: 'must be ≥ 1 minute' })
    .max(60, { error: 'must be ≤ 60 minutes' })
    .default(JUDGE_DEFAULTS.intervalMinutes),
  /**
   * Per check, the chance over a whole window (however often the judge looks) of a wrong
   * verdict: failing a model within its margin, or passing one beyond it.
   */
  wrongVerdictPercent: z
    .number()
    .gt(0, { error: 'must be > 0 percent' })
    .max(10, { error: 'must be ≤ 10 percent' })
    .default(JUDGE_DEFAULTS.wrongVerdictPercent),
  /** ModelErrors (5xx, 529, timeouts, connection errors; open-breaker skips count) per call. */
  errorRate: rateCheck(JUDGE_DEFAULTS.errorRateMarginPoints).prefault({}),
  /** Throttles (429) per call. */
  throttleRate: rateCheck(JUDGE_DEFAULTS.throttleRateMarginPoints).prefault({}),
  /** ModerationFlags (refusals and output checks) per checked answer, on both models. */
  refusalRate: rateCheck(JUDGE_DEFAULTS.refusalRateMarginPoints).prefault({}),
  /** The share of calls slower than slowCallMs (CloudWatch's PR/TC statistics give the counts). */
  latency: z
    .strictObject({
      slowCallMs: z
        .number()
        .int({ error: 'must be a whole number of milliseconds' })
        .positive({ error: 'must be > 0 ms' })
        .default(JUDGE_DEFAULTS.slowCallMs),
      marginPoints: marginPoints(JUDGE_DEFAULTS.slowCallMarginPoints),
    })
    .prefault({}),
  /**
   * The new model's calls refused as incompatible (a 4xx other than 429 that the default model
   * then answered) per call, against this absolute bound: the default model has no counterpart.
   */
  incompatibleRequests: z
    .strictObject({
      /** Fail when the new model refuses more than this share of its calls, with confidence. */
      maxPercent: z
        .number({ error: 'must be a percentage of the new model’s calls' })
        .gt(0, { error: 'must be > 0 percent: a zero bound fails on the first refused request' })
        .max(100, { error: 'must be ≤ 100 percent' })
        .default(JUDGE_DEFAULTS.incompatibleRequestsMaxPercent),
    })
    .prefault({}),
  /**
   * Target for the judge path's worst-case time from a verdict's evidence being complete to every
   * user back on the default model (`npm run time-to-rollback`); synth warns above it.
   */
  maxTimeToRollbackMinutes: z
    .number()
    .positive({ error: 'must be > 0 minutes' })
    .max(180, { error: 'must be ≤ 180 minutes' })
    .default(JUDGE_DEFAULTS.maxTimeToRollbackMinutes),
  /**
   * Users kept on the default model while a 100% phase (`full`) is live: the judge's baseline
   * there (lib/domain/holdback.ts). 0 turns it off, and leaves `full` without a comparison.
   */
  holdbackPercent: z
    .number({ error: 'must be a percentage of users' })
    .min(0, { error: 'must be ≥ 0 percent (0 turns the holdback off)' })
    .max(10, { error: 'must be ≤ 10 percent: the holdback is a baseline, not a phase' })
    .default(JUDGE_DEFAULTS.holdbackPercent),
  /** Thin traffic: roll back on consecutive failures while the default model is healthy. */
  deadModel: z
    .strictObject({
      /** Failed new-model calls since its last success that mean the model is down. */
      failedCalls: z
        .number()
        .int({ error: 'must be a whole number' })
        .min(2, { error: 'must be ≥ 2 calls' })
        .default(JUDGE_DEFAULTS.deadModelFailedCalls),
      /** The default model's failure rate over the same minutes at or above which the vendor, not the model, is down. */
      defaultFailingPercent: z.number().gt(0).max(100).default(JUDGE_DEFAULTS.defaultFailingPercent),
    })
    .prefault({}),
});

export type JudgeConfig = z.output<typeof JudgeConfigSchema>;
