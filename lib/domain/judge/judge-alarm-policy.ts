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
  /** The heartbeat alarm pages when 2 of the last 3 intervals had no completed run (missing is breaching). */
  heartbeat: { evaluationPeriods: 3, datapointsToAlarm: 2 },
} as const;
