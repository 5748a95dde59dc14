import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { quantileOfSorted } from './stats';

/** Latency samples (ms) → summary figures. */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: quantileOfSorted(sorted, 0.5),
    p99: quantileOfSorted(sorted, 0.99),
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
  };
}

export function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Sends `total` requests with `concurrency` in flight, each made by `send`; returns each
 * request's latency and the achieved requests per second. Stops early at `deadlineMs`.
 */
export async function load(
  send: () => Promise<void>,
  total: number,
  concurrency: number,
  deadlineMs: number,
): Promise<{ latencies: number[]; rps: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = process.hrtime.bigint();
  const stopAt = Date.now() + deadlineMs;
  const worker = async (): Promise<void> => {
    while (issued < total && Date.now() < stopAt) {
      issued++;
      const t = process.hrtime.bigint();
      try {
        await send();
        latencies.push(ms(t));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, rps: latencies.length / (ms(started) / 1000), errors };
}

/** Starts a child process and resolves when a stdout line matches `ready`. */
export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not print ${ready} within ${timeoutMs} ms: ${buffer.slice(-500)}`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString();
      // Strip ANSI colours (Portkey prints them).
      // eslint-disable-next-line no-control-regex -- ESC is exactly what an ANSI colour code starts with
      const match = buffer.replace(/\x1b\[[0-9;]*m/g, '').match(ready);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      buffer += c.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready: ${buffer.slice(-500)}`));
    });
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/**
 * CPU time (ms) a process has used so far: the run time of each of its threads, in nanoseconds,
 * from /proc/<pid>/task/<tid>/schedstat. /proc/<pid>/stat gives user and system time in 10 ms
 * ticks, each rounded down, so a difference of two readings can be 20 ms off: a tenth of what a
 * concurrency-1 round costs. Where the kernel keeps no schedstat, that is the fallback. A thread
 * that ends between two readings takes its time with it; a Node.js process's threads (the main
 * one, libuv's pool, V8's workers) live as long as it does.
 */
export function cpuMs(pid: number): number {
  if (!HAS_SCHEDSTAT) return statCpuMs(pid);
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended after the listing.
    }
  }
  return ns / 1e6;
}

/** Whether this kernel keeps run times in schedstat (decided once, so two readings never mix methods). */
const HAS_SCHEDSTAT = ((): boolean => {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[0]) > 0;
  } catch {
    return false;
  }
})();

/** User + system time (ms) from /proc/<pid>/stat, in whole ticks. */
function statCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** The median of some figures (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Resident set size of a process (MB), from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * Where the CPU figures are taken: every gateway on the last core, the benchmark itself (the
 * load generator and the fake vendor) on the others, with `taskset`. Unpinned, a gateway shares
 * both cores with the load generator and is moved between them, and its CPU per request varied
 * from run to run by more than the differences measured (1.15x to 1.54x the minimal proxy at
 * concurrency 10 with no change to the gateway). Undefined where there is one core or no taskset.
 */
export interface CorePinning {
  /** The core the gateways run on. */
  readonly gatewayCore: number;
  /** The cores left to the benchmark's own process, as taskset takes them ("0" or "0-2"). */
  readonly harnessCores: string;
}

export function corePinning(): CorePinning | undefined {
  const cores = os.cpus().length;
  if (cores < 2 || spawnSync('taskset', ['-c', '0', 'true']).status !== 0) return undefined;
  return { gatewayCore: cores - 1, harnessCores: cores === 2 ? '0' : `0-${cores - 2}` };
}

/** The command that runs `command args` on the gateway core (or as it is, without pinning). */
export function onGatewayCore(
  pinning: CorePinning | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return pinning ? ['taskset', ['-c', String(pinning.gatewayCore), command, ...args]] : [command, [...args]];
}

/**
 * Moves every thread of this process to `cores` (taskset's list form), or back to all cores
 * when `cores` is undefined.
 */
export function pinThisProcess(cores: string | undefined): void {
  const list = cores ?? `0-${os.cpus().length - 1}`;
  const result = spawnSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin the benchmark to cores ${list}: ${result.stderr}`);
}
