import type { Phase, RolloutConfig } from './config-schema';
import { OFF_PHASE } from './names';
import { findPhase, nextPhase, type PhaseName } from './phases';
import { servedPercentLabel } from './holdback';
import type { PlannedSample } from './judge/planned-sample';
import type { Verdict } from './judge/verdict';
import { isUnsettled, type DeploymentView } from './rollback-plan';

/** A CloudWatch alarm's state, as the CLI reads it. */
export interface AlarmReading {
  readonly name: string;
  /** 'OK', 'ALARM' or 'INSUFFICIENT_DATA' as CloudWatch reports it (kept as a string: the CLI shows what it read). */
  readonly state: string;
  readonly reason?: string;
  readonly updatedAt?: Date;
  /** False when someone (or the kill switch) disabled the alarm's actions. */
  readonly actionsEnabled?: boolean;
}

/** The flag version in effect and since when. */
export interface LivePhase {
  readonly phase: PhaseName;
  /** When this version last became the one in effect (deployment completed, or the later rollback). */
  readonly since?: Date;
  readonly deployment?: DeploymentView;
}

const HOUR_MS = 3_600_000;

/**
 * The phase in effect: the newest COMPLETE deployment. A later deployment that was rolled
 * back or reverted put this version back in effect at that moment, so the phase's watch
 * window restarts then (a conservative reading for the advance gates). That moment is the
 * rollback's or revert's own time (`undoneAt`, from the event log): a reverted deployment's
 * CompletedAt is when it first completed, long before the revert.
 */
export function livePhaseOf(
  deployments: readonly DeploymentView[],
  labelOf: (version: string) => PhaseName | undefined,
): LivePhase {
  const index = deployments.findIndex((d) => d.state === 'COMPLETE');
  if (index < 0) return { phase: OFF_PHASE };
  const live = deployments[index]!;
  let since = live.completedAt ?? live.startedAt;
  for (const later of deployments.slice(0, index)) {
    if (later.state === 'ROLLED_BACK' || later.state === 'REVERTED') {
      const at = later.undoneAt ?? later.completedAt ?? later.startedAt;
      if (at && (!since || at > since)) since = at;
    }
  }
  return { phase: labelOf(live.version) ?? live.label ?? `version ${live.version}`, since, deployment: live };
}

export interface AdvanceCheck {
  readonly ok: boolean;
  /** Why not, in words for on-call; empty when ok. */
  readonly refusals: readonly string[];
  /** The judge's objections that `--force --reason` let through (to be recorded with the deployment). */
  readonly forced: readonly string[];
  /** The earliest time the watch-window gate opens, when that is what blocks. */
  readonly notBefore?: Date;
}

export interface AdvanceInput {
  readonly config: RolloutConfig;
  readonly live: LivePhase;
  readonly inFlight?: DeploymentView;
  readonly alarms: readonly AlarmReading[];
  /** When the rollback alarm entered ALARM since the live phase went live. */
  readonly rollbackAlarmFiredAt: readonly Date[];
  readonly target: Phase;
  readonly now: Date;
  /** The judge's look at the live phase's window now; undefined when nothing is live to judge. */
  readonly judge?: JudgeGate;
  /** `--force --reason`: pass the judge's objections (never an alarm, a deployment in flight or the watch window). */
  readonly force?: boolean;
}

/** What the advance gate needs from the judge. */
export interface JudgeGate {
  readonly verdict: Verdict;
  /** Checks failing now, each with its evidence in words. */
  readonly failing: readonly string[];
  /** New-model calls in the judge's window so far. */
  readonly newModelCalls: number;
  /** The calls `rollout plan` counted on for the live phase; undefined without a traffic estimate. */
  readonly planned?: PlannedSample;
  readonly windowStart: Date;
}

/**
 * The gates before deploying `target`: nothing in flight; the live phase watched for at
 * least its minimum window; no rollout alarm in ALARM now, nor any firing of the rollback
 * alarm during the window. Moving forward more than one phase at a time is refused.
 */
export function checkAdvance(input: AdvanceInput): AdvanceCheck {
  const { config, live, inFlight, alarms, rollbackAlarmFiredAt, target, now } = input;
  const refusals: string[] = [];
  let notBefore: Date | undefined;
  if (inFlight) {
    refusals.push(
      `deployment #${inFlight.number} (${inFlight.label ?? `version ${inFlight.version}`}) is ${inFlight.state}: AppConfig runs one deployment per environment; wait for it to finish (npx rollout status)`,
    );
  }
  const order = [OFF_PHASE, ...config.rollout.phases.map((p) => p.name)];
  const from = order.indexOf(live.phase);
  const to = order.indexOf(target.name);
  if (from < 0) {
    refusals.push(
      `the live flag version (${live.phase}) is not a phase of this config, so its watch window cannot be checked: turn the flag off first (npx rollout rollback --yes), or redeploy the stack from the config that made it`,
    );
  }
  if (to === from) refusals.push(`${target.name} is already the live phase`);
  if (from >= 0 && to > from + 1) {
    refusals.push(`${target.name} skips ${order.slice(from + 1, to).join(', ')}: advance one phase at a time`);
  }
  const livePhase = findPhase(config, live.phase);
  if (livePhase && to > from) {
    const minMs = livePhase.watchWindowHours.min * HOUR_MS;
    if (!live.since) {
      refusals.push(`cannot tell since when ${live.phase} is live`);
    } else if (now.getTime() - live.since.getTime() < minMs) {
      notBefore = new Date(live.since.getTime() + minMs);
      refusals.push(
        `${live.phase} has been live ${hours(now.getTime() - live.since.getTime())} h of its ${livePhase.watchWindowHours.min} h minimum watch window; it can advance from ${notBefore.toISOString()}`,
      );
    }
  }
  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length) refusals.push(`alarm(s) in ALARM now: ${firing.map((a) => a.name).join(', ')} — see RUNBOOK.md`);
  if (to > from && rollbackAlarmFiredAt.length) {
    const last = rollbackAlarmFiredAt.reduce((a, b) => (a > b ? a : b));
    refusals.push(
      `the rollback alarm fired during ${live.phase}'s watch window (last at ${last.toISOString()}): find the cause before advancing`,
    );
  }
  const objections = input.judge && to > from ? judgeObjections(input.judge, live.phase) : [];
  const forced = input.force ? objections : [];
  if (!input.force) refusals.push(...objections);
  return { ok: refusals.length === 0, refusals, forced, notBefore };
}

/**
 * A failing check, or a window short of the sample the plan counted on. An inconclusive check
 * alone is no objection: at canary traffic the error check cannot pass a 0.25-point margin
 * within any window, and the sample gate is what says the window held enough calls.
 */
function judgeObjections(judge: JudgeGate, phase: string): string[] {
  const out = judge.failing.map((f) => `the judge fails ${f} (npx rollout status shows the evidence)`);
  const planned = judge.planned;
  if (planned && judge.newModelCalls < planned.newModelCalls) {
    out.push(
      `the judge's window (since ${judge.windowStart.toISOString()}) holds ${judge.newModelCalls} new-model calls; rollout plan counted on ${planned.newModelCalls} for ${phase} (${planned.hours} h at ${planned.requestsPerDay} requests a day): wait for more traffic`,
    );
  }
  return out;
}

/** The next thing on-call should do, in words. */
export function nextStepOf(
  config: RolloutConfig,
  live: LivePhase,
  inFlight: DeploymentView | undefined,
  alarms: readonly AlarmReading[],
  now: Date,
): string {
  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length)
    return `Alarm ${firing[0]!.name} is in ALARM: do not advance. Follow RUNBOOK.md for it; pull the kill switch with npx rollout rollback if the guard has not already rolled back.`;
  if (inFlight) {
    const bakeEnds = bakeEndOf(inFlight);
    if (inFlight.state === 'ROLLING_BACK')
      return `Deployment of ${inFlight.label ?? inFlight.version} is ROLLING_BACK: wait for it to settle, then check the live phase again.`;
    return `Deployment of ${inFlight.label ?? inFlight.version} is ${inFlight.state}${inFlight.percentComplete !== undefined ? ` (${inFlight.percentComplete}%)` : ''}: wait for it to complete${bakeEnds ? ` (bake ends about ${bakeEnds.toISOString()})` : ''}.`;
  }
  const next = nextPhase(config, live.phase);
  if (live.phase === OFF_PHASE)
    return `The flag is off. Start the rollout with npx rollout advance (deploys ${next?.name ?? 'the first phase'}).`;
  const phase = findPhase(config, live.phase);
  if (!phase)
    return `The live version (${live.phase}) is not a phase of this config: deploy a phase with npx rollout advance --to PHASE, or turn the flag off with npx rollout rollback.`;
  if (!next)
    return `The rollout is complete (${phase.name}, ${servedPercentLabel(phase.rolloutPercent, config.judge.holdbackPercent)}). Make ${config.llm.newModelAlias} the default model (RUNBOOK.md: After the rollout).`;
  const liveMs = live.since ? now.getTime() - live.since.getTime() : 0;
  const { min, max } = phase.watchWindowHours;
  if (liveMs < min * HOUR_MS && live.since) {
    return `Watch ${phase.name} until ${new Date(live.since.getTime() + min * HOUR_MS).toISOString()} (minimum ${min} h), then npx rollout advance (${next.name}, ${next.rolloutPercent}%).`;
  }
  if (max !== undefined && liveMs > max * HOUR_MS) {
    return `${phase.name}'s watch window (${max} h) ended ${hours(liveMs - max * HOUR_MS)} h ago: decide now — npx rollout advance (${next.name}, ${next.rolloutPercent}%) or npx rollout rollback.`;
  }
  return `Ready to advance to ${next.name} (${next.rolloutPercent}%): npx rollout advance.`;
}

/** When the in-flight deployment's final bake ends (approximately). */
export function bakeEndOf(d: DeploymentView): Date | undefined {
  if (!d.startedAt || d.durationMinutes === undefined || d.finalBakeMinutes === undefined) return undefined;
  return new Date(d.startedAt.getTime() + (d.durationMinutes + d.finalBakeMinutes) * 60_000);
}

export function hours(ms: number): string {
  return (ms / HOUR_MS).toFixed(1);
}

/**
 * The deployment AppConfig is still busy with: in flight, or rolling back — a ROLLING_BACK
 * deployment blocks the next StartDeployment (ConflictException) as much as a DEPLOYING one.
 */
export function inFlightOf(deployments: readonly DeploymentView[]): DeploymentView | undefined {
  return deployments.find(isUnsettled);
}
