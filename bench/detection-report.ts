import type { Phase } from '../lib/domain/config-schema';
import { METRICS_DELAY_MINUTES, VENDOR_ERROR_BASELINES_PERCENT } from '../lib/domain/judge/planning-assumptions';
import { DEAD_MODEL_TARGET_MINUTES, type CellSummary } from './detection-summary';

/** The benchmark's section of docs/DETECTION.md: two tables and the targets, met or missed. */
export interface ReportInputs {
  readonly phases: readonly Phase[];
  readonly trafficLevels: readonly number[];
  readonly shippedTraffic: number;
  readonly runs: number;
  readonly seconds: number;
  readonly summaries: readonly CellSummary[];
  /** How often the judge looks (config judge.intervalMinutes). */
  readonly intervalMinutes: number;
}

const FALSE_ROLLBACK_TARGET = 0.01;
const POWER_TARGET = 0.8;

export function formatReport(r: ReportInputs): string {
  const find = (traffic: number, phase: string, scenario: string): CellSummary => {
    const s = r.summaries.find((x) => x.requestsPerDay === traffic && x.phase === phase && x.scenario === scenario);
    if (!s) throw new Error(`no result for ${scenario} at ${phase}, ${traffic}/day`);
    return s;
  };
  const pct = (n: number, runs: number): string => `${((100 * n) / runs).toFixed(1)}`;
  const both = (s: CellSummary): string => `${pct(s.judgeFired, s.runs)} / ${pct(s.todayFired, s.runs)}`;
  const trafficLabel = (t: number): string => `${t.toLocaleString('en-US')}/day`;

  const nullHeads = VENDOR_ERROR_BASELINES_PERCENT.flatMap((b) => [`${b}%`, `${b}% + incident + clustered`]);
  const falseRows = r.trafficLevels.flatMap((t) =>
    r.phases.map((p) => {
      const cells = VENDOR_ERROR_BASELINES_PERCENT.flatMap((b) => [
        both(find(t, p.name, `null-${b}`)),
        both(find(t, p.name, `harsh-${b}`)),
      ]);
      return `| ${trafficLabel(t)} | ${p.name} (${p.rolloutPercent}%) | ${p.watchWindowHours.min} h | ${cells.join(' | ')} |`;
    }),
  );

  const detectRows = r.trafficLevels.flatMap((t) =>
    r.phases.map((p) => {
      const dead = find(t, p.name, 'dead');
      const d = dead.deadDelay!;
      const rise = find(t, p.name, 'errors-3pct');
      const latency = find(t, p.name, 'latency-2x');
      const hours = (m: number | undefined): string => (m === undefined ? '—' : (m / 60).toFixed(1));
      const withinHour = `${pct(latency.judgeWithinHour, latency.runs)} / ${pct(latency.todayWithinHour, latency.runs)}`;
      return `| ${trafficLabel(t)} | ${p.name} (${p.rolloutPercent}%) | ${both(dead)} | ${fmt(d.median)} / ${fmt(d.max)} | ${both(rise)} | ${hours(rise.judgeMedianMinutes)} | ${withinHour} | ${pct(latency.judgeFired, latency.runs)} | ${hours(latency.judgeMedianMinutes)} |`;
    }),
  );

  const t = r.shippedTraffic;
  const targets: string[] = [];
  const mark = (ok: boolean): string => (ok ? '✓ met' : '✗ MISSED');
  for (const p of r.phases) {
    const worst = Math.max(
      ...VENDOR_ERROR_BASELINES_PERCENT.flatMap((b) => [`null-${b}`, `harsh-${b}`]).map(
        (k) => find(t, p.name, k).judgeFired / r.runs,
      ),
    );
    targets.push(
      `- ${mark(worst <= FALSE_ROLLBACK_TARGET)}: false rollbacks ≤ 1% at ${p.name} — worst of the six healthy scenarios ${(100 * worst).toFixed(1)}%`,
    );
  }
  const deadCells = r.phases.map((p) => find(t, p.name, 'dead'));
  const deadOk = deadCells.every((s) => s.deadDelay!.caughtInTime === s.runs);
  targets.push(
    `- ${mark(deadOk)}: a dead model caught in every run of every phase within ${DEAD_MODEL_TARGET_MINUTES} min of its 5th failed call — ${deadCells.map((s) => `${s.phase} ${s.deadDelay!.caughtInTime}/${s.runs} (max ${fmt(s.deadDelay!.max)} min)`).join(', ')}`,
  );
  for (const p of r.phases.slice(1)) {
    const s = find(t, p.name, 'errors-3pct');
    targets.push(
      `- ${mark(s.judgeFired / s.runs >= POWER_TARGET)}: 1% → 3% errors caught in ≥ 80% of ${p.name} windows (${p.watchWindowHours.min} h) — ${pct(s.judgeFired, s.runs)}%`,
    );
  }
  for (const p of r.phases.filter((x) => x.rolloutPercent >= 5)) {
    const s = find(t, p.name, 'latency-2x');
    targets.push(
      `- ${mark(s.judgeWithinHour / s.runs >= POWER_TARGET)}: 2× latency caught within 1 h in ≥ 80% of ${p.name} runs — ${pct(s.judgeWithinHour, s.runs)}% (${pct(s.judgeFired, s.runs)}% within the window, median ${s.judgeMedianMinutes === undefined ? '—' : (s.judgeMedianMinutes / 60).toFixed(1)} h)`,
    );
  }

  return [
    `${r.runs.toLocaleString('en-US')} seeded runs per cell, ${r.summaries.length} cells, ${Math.round(r.seconds)} s. Each cell: "judge / today" — the share of runs (%) rolled back by the judge (every ${r.intervalMinutes} min, metrics read ${METRICS_DELAY_MINUTES} min after each minute closes) and by today's error-rate alarm on the same per-minute streams.`,
    '',
    '**False rollbacks** of a healthy new model over the phase\'s minimum watch window (%), at each vendor-wide error rate hitting both models; "+ incident + clustered" adds a 10-minute vendor incident at 20% errors on both models and errors clustered by user.',
    '',
    `| traffic | phase | window | ${nullHeads.join(' | ')} |`,
    `|---|---|---|${nullHeads.map(() => '---').join('|')}|`,
    ...falseRows,
    '',
    "**Detection** (% of runs caught). Dead model: dies in the window's first hour, caught by the end of the window; judge minutes from the minute of its 5th failed call to the rollback (median / max; negative: the error-rate check caught it before a 5th failure). 1% → 3% errors: from the window start, caught within the minimum watch window; median hours to the judge's rollback. 2× latency: every new-model call twice as slow from the window start, caught within 1 h (judge / today), within the window (judge), and the judge's median hours; today's p99 alarms cannot evaluate below 1,000 samples a minute.",
    '',
    '| traffic | phase | dead model | judge min after 5th failure | 1% → 3% errors in window | judge median h | 2× latency within 1 h | 2× latency in window | judge median h |',
    '|---|---|---|---|---|---|---|---|---|',
    ...detectRows,
    '',
    `**Targets at ${trafficLabel(t)}:**`,
    '',
    ...targets,
  ].join('\n');
}

function fmt(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n * 10) / 10}` : '—';
}
