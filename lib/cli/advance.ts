import type { Phase, RolloutConfig } from '../domain/config-schema';
import { OFF_PHASE } from '../domain/names';
import { findPhase, nextPhase } from '../domain/phases';
import { describe, isUnsettled, type DeploymentView } from '../domain/rollback-plan';
import { checkAdvance, type AdvanceCheck } from '../domain/rollout-progress';
import { judgeGateOf, judgeReport } from './judge-report';
import { withAwsErrors } from './aws-errors';
import { CliError } from './cli-error';
import type { RolloutReader, RolloutSnapshot } from '../ops/rollout-reader';
import { required } from '../ops/rollout-resources';
import { servedPercentLabel } from '../domain/holdback';
import { EXIT } from './exit-codes';

export interface AdvanceOptions {
  /** Phase to deploy. @default - the phase after the live one */
  readonly to?: string;
  /** Follow the deployment until it completes or rolls back. */
  readonly wait: boolean;
  /** Only say what would be done. */
  readonly dryRun: boolean;
  /** Asks on a terminal; `--yes` (or no terminal) answers yes. */
  readonly confirm: (question: string) => Promise<boolean>;
  /**
   * `--force --reason TEXT`: go ahead past the judge's objections (a failing check, a window
   * short of the planned sample) — never past an alarm, a deployment in flight or the watch
   * window. The reason is recorded in the deployment's description.
   */
  readonly force?: { readonly reason: string };
  readonly now?: Date;
  /**
   * How long --wait follows the deployment. @default 48 h: AppConfig's longest deployment
   * (24 h) plus its longest final bake (24 h).
   */
  readonly waitTimeoutMs?: number;
}

const DEFAULT_WAIT_MS = 48 * 3_600_000;

/**
 * `rollout advance`: deploys the next phase's flag version with that phase's strategy, after
 * its gates (nothing in flight, the live phase watched long enough, no alarm now or during
 * the window) — checked before the prompt and again after it. Refuses with the reasons and
 * when it could go.
 */
export async function advance(
  config: RolloutConfig,
  reader: RolloutReader,
  options: AdvanceOptions,
  print: (line: string) => void,
  progress: (line: string) => void = () => undefined,
): Promise<number> {
  const now = options.now ?? new Date();
  const s = await reader.snapshot();
  const target = options.to ? findPhase(config, options.to) : nextPhase(config, s.live.phase);
  if (options.to === OFF_PHASE)
    throw new CliError('To turn the flag off use npx rollout rollback (the kill switch).', { exitCode: EXIT.usage });
  if (!target) {
    if (options.to)
      throw new CliError(
        `'${options.to}' is not a phase; phases: ${config.rollout.phases.map((p) => p.name).join(', ')}.`,
        { exitCode: EXIT.usage },
      );
    print(
      `${s.live.phase} is the last phase: nothing to advance to. Make ${config.llm.newModelAlias} the default model (RUNBOOK.md: After the rollout).`,
    );
    return EXIT.ok;
  }
  const first = await gatesPass(config, reader, s, target, now, print, options.force !== undefined);
  if (!first) return EXIT.refused;
  const version = required(s.resources.versions, target.name);
  const strategy = required(s.resources.strategies, target.name);
  const plan = `deploy flag version ${version} (${target.name}: ${servedPercentLabel(target.rolloutPercent, config.judge.holdbackPercent)}) with strategy ${config.appConfig.applicationName}-${target.name}`;
  if (options.dryRun) {
    print(`Would ${plan} (dry run: nothing done).`);
    return EXIT.ok;
  }
  if (!(await options.confirm(`${s.live.phase} → ${target.name}: ${plan}. Go ahead?`))) {
    print('Not confirmed: nothing done.');
    return EXIT.notConfirmed;
  }
  // The prompt may have waited for minutes: a rollback, another on-call's advance or an alarm
  // since then voids the answer, so the gates are checked again on a fresh read.
  const fresh = await reader.snapshot();
  const moved = changedDeployment(s.deployments[0], fresh.deployments[0]);
  if (moved) {
    print(
      `Refusing to advance ${s.live.phase} → ${target.name}: the newest deployment changed while the prompt waited (${moved}). Nothing done; run npx rollout advance again.`,
    );
    return EXIT.refused;
  }
  const second = await gatesPass(
    config,
    reader,
    fresh,
    target,
    options.now ?? new Date(),
    print,
    options.force !== undefined,
  );
  if (!second) return EXIT.refused;
  const deployments = reader.deploymentsFor(s.resources);
  const description = advanceDescription(s.live.phase, target.name, options.force?.reason, second.forced);
  const started = await withAwsErrors(`start the ${target.name} deployment`, config.aws.region, 'write', () =>
    deployments.start(version, strategy, description),
  );
  if (second.forced.length)
    print(`Forced past the judge (recorded in the deployment's description): ${options.force?.reason ?? ''}`);
  print(`Started ${describe({ ...started, version, label: target.name })}: ${plan}.`);
  if (!options.wait) {
    print('Follow it with npx rollout status (AppConfig rolls it back by itself if the rollback alarm fires).');
    return EXIT.ok;
  }
  // A read, but the deployment has started: the action says so, since running advance again would be refused.
  const waitMs = options.waitTimeoutMs ?? DEFAULT_WAIT_MS;
  const end = await withAwsErrors(
    `follow deployment #${started.number}, which has started (npx rollout status shows it)`,
    config.aws.region,
    'read',
    () =>
      deployments.waitForEnd(
        started.number,
        (d) =>
          progress(
            `  ${new Date(deployments.now()).toISOString()}  ${d.state.padEnd(12)} ${String(d.percentComplete ?? 0).padStart(5)}%`,
          ),
        waitMs,
      ),
  );
  if (end.state === 'COMPLETE') {
    print(
      `${target.name} is live: ${servedPercentLabel(target.rolloutPercent, config.judge.holdbackPercent)}. Watch it for at least ${target.watchWindowHours.min} h.`,
    );
    return EXIT.ok;
  }
  if (isUnsettled(end)) {
    print(
      `Deployment #${end.number} is still ${end.state} after ${(waitMs / 3_600_000).toFixed(1)} h of waiting: it has neither completed nor rolled back yet. Follow it with npx rollout status.`,
    );
    return EXIT.waitTimedOut;
  }
  print(
    `Deployment #${end.number} ended ${end.state}: the flag is back on the previous version. See npx rollout status and RUNBOOK.md#rollback.`,
  );
  return EXIT.rolledBack;
}

/**
 * Runs the advance gates on `s` — the judge's look at the live phase included — printing the
 * refusals; the check when they pass (with what `force` let through), else undefined.
 */
async function gatesPass(
  config: RolloutConfig,
  reader: RolloutReader,
  s: RolloutSnapshot,
  target: Phase,
  now: Date,
  print: (line: string) => void,
  force: boolean,
): Promise<AdvanceCheck | undefined> {
  const fired = s.live.since ? await reader.rollbackAlarmFirings(s.live.since, now) : [];
  const judged = findPhase(config, s.live.phase)
    ? judgeGateOf(judgeReport(config, await reader.judge(s.resources, now), s.live.phase))
    : undefined;
  const check = checkAdvance({
    config,
    live: s.live,
    inFlight: s.inFlight,
    alarms: s.alarms,
    rollbackAlarmFiredAt: fired,
    target,
    now,
    ...(judged ? { judge: judged } : {}),
    force,
  });
  if (check.ok) {
    for (const f of check.forced) print(`  forced: ${f}`);
    return check;
  }
  print(`Refusing to advance ${s.live.phase} → ${target.name}:`);
  for (const r of check.refusals) print(`  - ${r}`);
  if (check.notBefore && check.refusals.length === 1) print(`It can go from ${check.notBefore.toISOString()}.`);
  const judgeOnly = check.refusals.every((r) => r.startsWith('the judge'));
  if (judgeOnly && !force)
    print('Only the judge objects: npx rollout advance --force --reason TEXT goes ahead and records why.');
  return undefined;
}

/** AppConfig keeps a deployment's description (at most 1,024 characters): who advanced, and why past the judge. */
export const MAX_DESCRIPTION_LENGTH = 1_024;

export function advanceDescription(
  from: string,
  to: string,
  reason: string | undefined,
  forced: readonly string[],
): string {
  const base = `rollout advance: ${from} → ${to}`;
  if (!forced.length) return base;
  const text = `${base} [forced past the judge: ${reason ?? ''} | objections: ${forced.join('; ')}]`;
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 2)}…]`;
}

/** How the newest deployment changed between two reads, or undefined when it did not. */
function changedDeployment(before: DeploymentView | undefined, after: DeploymentView | undefined): string | undefined {
  const show = (d: DeploymentView | undefined): string => (d ? `#${d.number} ${d.state}` : 'none');
  if (before?.number === after?.number && before?.state === after?.state) return undefined;
  return `${show(before)} → ${show(after)}`;
}
