/**
 * CloudWatch's documented evaluation of a metric alarm over its evaluation range, for the
 * shapes the rollout uses (missing data `breaching` or `notBreaching`; the premature-ALARM rule
 * for `missing` and `ignore` is not modelled). CloudWatch User Guide, "How alarm state is
 * evaluated when data is missing":
 *
 *   "Whenever an alarm evaluates whether to change state, CloudWatch attempts to retrieve a
 *   higher number of data points than the number specified as Evaluation Periods. [...] The
 *   time frame of the data points that it attempts to retrieve is the evaluation range."
 *   "If some data points in the evaluation range are missing, but the total number of existing
 *   data points that were successfully retrieved from the evaluation range is equal to or more
 *   than the alarm's Evaluation Periods, CloudWatch evaluates the alarm state based on the most
 *   recent real data points that were successfully retrieved [...]. In this case, the value you
 *   set for how to treat missing data is not needed and is ignored."
 *   "If [...] the number of actual data points that were retrieved is lower than the alarm's
 *   number of Evaluation Periods, CloudWatch fills in the missing data points with the result
 *   you specified for how to treat missing data [...]. However, all real data points in the
 *   evaluation range are included in the evaluation. CloudWatch uses missing data points only
 *   as few times as possible."
 *   "In all of these situations, the number of datapoints evaluated is equal to the value of
 *   Evaluation Periods. If fewer than the value of Datapoints to Alarm are breaching, the alarm
 *   state is set to OK. Otherwise, the state is set to ALARM."
 *   Its examples use a 5-minute period and 3 evaluation periods: "5 is the evaluation range".
 */

/** One period's datapoint; undefined = missing. */
export type Datapoint = number | undefined;

export interface AlarmRule {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'breaching' | 'notBreaching';
  readonly breaches: (value: number) => boolean;
}

/** The state for `range`, oldest period first, newest last (its length is the evaluation range). */
export function evaluateAlarm(range: readonly Datapoint[], rule: AlarmRule): 'OK' | 'ALARM' {
  const n = rule.evaluationPeriods;
  const real = range.filter((v): v is number => v !== undefined);
  const evaluated = real.length >= n ? real.slice(-n) : real;
  const fills = n - evaluated.length;
  const breaching =
    evaluated.filter((v) => rule.breaches(v)).length + (rule.treatMissingData === 'breaching' ? fills : 0);
  return breaching >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
}

/**
 * Metric math `FILL(m, value)` over the range queried: "fills the missing values of a time
 * series". A series with no datapoint at all in the range stays empty (there is nothing to
 * fill a time series from), so the alarm's missing-data setting applies again.
 */
export function fill(range: readonly Datapoint[], value: number): Datapoint[] {
  return range.some((v) => v !== undefined) ? range.map((v) => v ?? value) : [...range];
}

/** A doc table's row, `0 - X - X` (0 not breaching, X breaching, - missing), as values for `breaches: v >= 1`. */
export function row(text: string): Datapoint[] {
  return text.split(/\s+/).map((c) => (c === '-' ? undefined : c === 'X' ? 1 : 0));
}
