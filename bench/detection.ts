/**
 * `npm run bench:detection`: the judge's proof. Synthetic per-minute gateway streams for every
 * phase, at the shipped traffic and at a tenth of it, through the judge's real code and today's
 * fixed-threshold alarm rule side by side; writes the tables into docs/DETECTION.md between
 * its benchmark markers and prints them. Seeded: the same figures on every run.
 *
 * BENCH_RUNS (default 1000) sets runs per cell; BENCH_WORKERS (default 2) the processes.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RolloutConfig } from '../lib/domain/config-schema';
import { judgeSettingsFrom } from '../lib/domain/judge/judge-settings';
import { loadRolloutConfig } from '../lib/domain/load-config';
import { formatReport } from './detection-report';
import { runCell, type Cell } from './detection-run';
import { SCENARIOS } from './detection-scenarios';
import { servedPercent } from '../lib/domain/holdback';
import { summarize, type CellSummary } from './detection-summary';

const ROOT = path.join(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'DETECTION.md');
const START_MARKER = '<!-- bench:detection:start -->';
const END_MARKER = '<!-- bench:detection:end -->';
const WORKER_FLAG = '--detection-worker';

interface CellJob {
  readonly index: number;
  readonly scenario: string;
  readonly phase: string;
  readonly requestsPerDay: number;
  readonly runs: number;
}

function loadConfig(): RolloutConfig {
  return loadRolloutConfig(path.join(ROOT, 'rollout.config.json')).config;
}

/** A seed per cell from its name (FNV-1a), so a cell's figures do not depend on which worker ran it. */
function seedOf(job: CellJob): number {
  let h = 0x811c9dc5;
  for (const ch of `${job.scenario}|${job.phase}|${job.requestsPerDay}|${job.runs}`)
    h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

function runJob(job: CellJob, config: RolloutConfig): CellSummary {
  const phase = config.rollout.phases.find((p) => p.name === job.phase)!;
  const scenario = SCENARIOS.find((s) => s.key === job.scenario)!;
  const cell: Cell = {
    scenario,
    phase: phase.name,
    rolloutPercent: servedPercent(phase.rolloutPercent, config.judge.holdbackPercent),
    windowHours: phase.watchWindowHours.min,
    requestsPerDay: job.requestsPerDay,
    runs: job.runs,
    seed: seedOf(job),
  };
  return summarize(runCell(cell, config, judgeSettingsFrom(config.judge)));
}

function worker(): void {
  const config = loadConfig();
  process.on('message', (job: CellJob) => process.send!({ index: job.index, summary: runJob(job, config) }));
  // Jobs sent before this listener exists would be lost (modules load asynchronously): ask for work only now.
  process.send!({ ready: true });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const shipped = config.spend.traffic?.requestsPerDay;
  if (shipped === undefined)
    throw new Error('rollout.config.json has no spend.traffic.requestsPerDay: the benchmark needs the shipped traffic');
  const runs = Number(process.env.BENCH_RUNS ?? 1000);
  const workers = Math.max(1, Math.min(Number(process.env.BENCH_WORKERS ?? 2), os.cpus().length));
  const trafficLevels = [shipped, Math.round(shipped / 10)];
  // Longest cells first, so the two workers finish together.
  const jobs: CellJob[] = trafficLevels
    .flatMap((requestsPerDay) =>
      config.rollout.phases.flatMap((p) =>
        SCENARIOS.map((s) => ({
          scenario: s.key,
          phase: p.name,
          requestsPerDay,
          runs,
          weight: s.runMinutes(p.watchWindowHours.min * 60) * (s.newModel === 'healthy' ? 1 : 0.2),
        })),
      ),
    )
    .sort((a, b) => b.weight - a.weight)
    .map(({ weight: _weight, ...job }, index) => ({ ...job, index }));
  console.log(
    `bench:detection — ${jobs.length} cells × ${runs} runs on ${workers} worker(s), traffic ${trafficLevels.join(' and ')} requests/day`,
  );
  const started = Date.now();
  const summaries: CellSummary[] = [];
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let done = 0;
    for (let w = 0; w < workers; w++) {
      const child = fork(__filename, [WORKER_FLAG]);
      const feed = (): void => {
        if (next < jobs.length) child.send(jobs[next++]!);
        else child.disconnect();
      };
      child.on('message', (m: { ready: true } | { index: number; summary: CellSummary }) => {
        if (!('summary' in m)) {
          feed();
          return;
        }
        summaries.push(m.summary);
        done++;
        const s = m.summary;
        console.log(
          `[${String(done).padStart(3)}/${jobs.length}] ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${s.requestsPerDay}/day ${s.phase.padEnd(8)} ${s.scenario.padEnd(12)} judge ${s.judgeFired}/${s.runs}, today ${s.todayFired}/${s.runs}`,
        );
        if (done === jobs.length) resolve();
        else feed();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0 && done < jobs.length) reject(new Error(`a benchmark worker exited with code ${code}`));
      });
    }
  });
  const report = formatReport({
    intervalMinutes: config.judge.intervalMinutes,
    phases: config.rollout.phases,
    trafficLevels,
    shippedTraffic: shipped,
    runs,
    seconds: (Date.now() - started) / 1000,
    summaries,
  });
  console.log(`\n${report}`);
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(START_MARKER);
  const to = doc.indexOf(END_MARKER);
  if (from < 0 || to < from)
    throw new Error(`${DOC} lacks the ${START_MARKER} … ${END_MARKER} markers the results go between`);
  writeFileSync(DOC, `${doc.slice(0, from + START_MARKER.length)}\n${report}\n${doc.slice(to)}`);
  console.log(`\nwrote ${path.relative(ROOT, DOC)}`);
}

if (process.argv.includes(WORKER_FLAG)) worker();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
