/**
 * How the judge's alarms read its metrics, beside the numbers the alarm descriptions and the
 * runbook quote. Periods are one judge interval. Pure module: no AWS import.
 */
export const JUDGE_ALARM_POLICY = {
  /**
   * A verdict alarm goes to ALARM on the first failing run (Maximum ≥ 1) and back to OK only
   * after two periods without a failing verdict: one period that a run's jitter left empty
   * (missing data is not breaching) must not flap the rollback alarm and re-run the guard.
   */
  verdict: { evaluationPeriods: 2, datapointsToAlarm: 1 },
  /**
   * The heartbeat alarm reads `FILL(runs, 0)` (every interval a real datapoint, 0 without a
   * completed run) and pages when 3 of the last 3 intervals were 0: a stopped judge pages once
   * two runs in a row are missed, 3 intervals after its last run (4 if CloudWatch counts only
   * completed intervals; the docs do not say whether it counts the one holding now). One failed
   * or late run never pages: at most 2 of 3 are then 0 (the missed interval, and the current
   * one until its run's EMF lands). On the raw metric with missing data breaching, CloudWatch
   * evaluates the most recent real datapoints of a 5-period range and fills as few as it must,
   * so the former 2 of 3 paged only 4–5 intervals after the last run.
   * test/constructs/heartbeat-alarm-timing.test.ts evaluates the alarm by CloudWatch's rule.
   */
  heartbeat: { evaluationPeriods: 3, datapointsToAlarm: 3 },
} as const;

/** The id of the heartbeat metric inside the alarm's `FILL(<id>, 0)` expression. */
export const HEARTBEAT_FILL_METRIC_ID = 'runs';
