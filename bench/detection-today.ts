import type { AlarmThresholds } from '../lib/domain/config-schema';
import type { MinuteCounts } from '../lib/domain/judge/minute-counts';

/**
 * Today's rollback rule on the new model's error rate, as lib/constructs/rollout-alarms.ts and
 * alarm-factory.ts build it: per 1-minute period `IF(n >= 20 OR e >= 3, 100*e/n, 0) >= 5`
 * (n = Requests + CircuitOpen, e = ModelErrors + CircuitOpen, missing data not breaching), in
 * ALARM when 2 of the last 3 periods breach. The throttle and moderation alarms work the same
 * way on their own counts and are left out (they only add false alarms); the p99 alarms never
 * evaluate below 1,000 samples a minute, more than any phase sees.
 */
export class TodaysErrorRateAlarm {
  /** Whether each of the last `evaluationPeriods` periods breached, oldest first. */
  private readonly recent: boolean[] = [];
  private breaching = 0;

  public constructor(
    private readonly a: Pick<
      AlarmThresholds,
      'minRequestsPerPeriod' | 'minErrorsToJudge' | 'errorRatePercent' | 'evaluationPeriods' | 'datapointsToAlarm'
    >,
  ) {}

  /** Adds a minute; true when the alarm is in ALARM after it. */
  public observe(minute: MinuteCounts): boolean {
    const m = minute.newModel;
    const n = m.requests + (m.circuitOpen ?? 0);
    const e = m.modelErrors + (m.circuitOpen ?? 0);
    const judged = n >= this.a.minRequestsPerPeriod || e >= this.a.minErrorsToJudge;
    const breach = judged && n > 0 && (100 * e) / n >= this.a.errorRatePercent;
    this.recent.push(breach);
    if (breach) this.breaching++;
    if (this.recent.length > this.a.evaluationPeriods && this.recent.shift()) this.breaching--;
    return this.breaching >= this.a.datapointsToAlarm;
  }
}
