import { alarmName } from '../domain/alarm-names';
import { pausedNote, pauserOf } from '../domain/alarm-pause';
import type { RolloutConfig } from '../domain/config-schema';
import { planKillSwitch, type KillSwitchStep } from '../domain/kill-switch-plan';
import { describe, type DeploymentView } from '../domain/rollback-plan';
import type { FlagDeployments } from '../ops/appconfig-deployments';
import { isStateRefusal } from '../ops/appconfig-refusals';
import { explainAwsError, withAwsErrors } from './aws-errors';
import { CliError } from './cli-error';
import type { RolloutReader } from '../ops/rollout-reader';
import { EXIT } from './exit-codes';

export interface RollbackOptions {
  /** Only say what would be done. */
  readonly dryRun: boolean;
  /** Asks on a terminal; `--yes` (or no terminal) answers yes. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** How long the kill switch keeps at it before giving up. @default 600000 */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * `rollout rollback`, the kill switch: stops the deployment in flight (AppConfig rolls it
 * back), lets any rollback settle, then deploys the "off" version to every environment at once,
 * and says when every gateway environment will have picked it up. It plans again after every
 * step, on a fresh read: an off deployment already in flight (the guard's, or another on-call's)
 * is waited for, never stopped — stopping it would undo the kill switch.
 */
export async function rollback(
  config: RolloutConfig,
  reader: RolloutReader,
  options: RollbackOptions,
  print: (line: string) => void,
): Promise<number> {
  const region = config.aws.region;
  const alarm = alarmName(config, 'rollback');
  const s = await reader.snapshot();
  const deployments = reader.deploymentsFor(s.resources);
  const labels = new Map([...s.resources.versions].map(([label, version]) => [version, label]));
  const named = <T extends DeploymentView>(d: T): T => ({ ...d, label: labels.get(d.version) ?? d.label });
  const first = planKillSwitch(s.deployments, deployments.offVersion);
  if (first.kind === 'none') {
    print(`The flag is already off (${describe(first.deployment)}). Nobody is on ${config.llm.newModelAlias}.`);
    if (s.alarms.some((a) => a.name === alarm && a.actionsEnabled === false))
      await restore(deployments, first.deployment, alarm, region, print);
    return EXIT.ok;
  }
  const steps = [
    ...plannedSteps(first),
    `deploy the off version all at once with strategy ${config.appConfig.applicationName}-off`,
  ];
  if (options.dryRun) {
    print(`Would ${steps.join(', then ')} (dry run: nothing done).`);
    return EXIT.ok;
  }
  if (!(await options.confirm(`Kill switch: ${steps.join(', then ')}. Go ahead?`))) {
    print('Not confirmed: nothing done.');
    return EXIT.notConfirmed;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = deployments.now() + timeoutMs;
  const refused = new Set<string>();
  let step: KillSwitchStep = first;
  while (step.kind !== 'none') {
    const left = deadline - deployments.now();
    if (left <= 0)
      throw new CliError(
        `The kill switch has not taken after ${Math.round(timeoutMs / 60_000)} min (last: ${step.reason}). Check npx rollout status and run npx rollout rollback --yes again.`,
      );
    await act(step, deployments, { region, alarm, left, refused, named }, print);
    const recent = await withAwsErrors('list the flag deployments', region, 'read', () => deployments.recent());
    step = planKillSwitch(recent.map(named), deployments.offVersion);
  }
  // Whoever paused the alarm's actions for an off deployment we waited on may be gone.
  const alarms = await withAwsErrors('read the rollout alarms', region, 'read', () => reader.alarms());
  if (alarms.some((a) => a.name === alarm && a.actionsEnabled === false))
    await restore(deployments, step.deployment, alarm, region, print);
  const poll = config.appConfig.agentPollIntervalSeconds;
  print(
    `Every gateway environment picks it up within ${poll} s (the AppConfig Agent's poll interval); until then, cohort users may still reach ${config.llm.newModelAlias}.`,
  );
  print(
    `The flag stays off until a phase is advanced again (npx rollout advance): no cdk deploy changes the live phase.`,
  );
  return EXIT.ok;
}

function plannedSteps(step: Exclude<KillSwitchStep, { kind: 'none' }>): string[] {
  switch (step.kind) {
    case 'stop':
      return [`stop ${describe(step.deployment)} (AppConfig rolls it back)`];
    case 'wait':
      return [`wait for ${describe(step.deployment)} to settle (${step.reason})`];
    case 'deploy-off':
      return [];
  }
}

interface ActContext {
  readonly region: string;
  readonly alarm: string;
  /** Milliseconds left before the kill switch gives up. */
  readonly left: number;
  /** Steps AppConfig already refused once in the same state. */
  readonly refused: Set<string>;
  /** Labels a deployment with its phase, as the snapshot did. */
  readonly named: <T extends DeploymentView>(d: T) => T;
}

async function act(
  step: Exclude<KillSwitchStep, { kind: 'none' }>,
  deployments: FlagDeployments,
  ctx: ActContext,
  print: (line: string) => void,
): Promise<void> {
  const { region, left, named } = ctx;
  switch (step.kind) {
    case 'stop': {
      const d = step.deployment;
      if (
        !(
          await attempt(`stop deployment #${d.number}`, `${d.number}:${d.state}`, ctx, print, () =>
            deployments.stop(d.number, step.allowRevert),
          )
        ).done
      )
        return;
      const stopped = named(
        await withAwsErrors('wait for the rollback', region, 'read', () =>
          deployments.waitForEnd(d.number, undefined, left),
        ),
      );
      print(`Stopped ${describe(d)}: now ${stopped.state}.`);
      return;
    }
    case 'wait': {
      const d = step.deployment;
      const full = await withAwsErrors(`read deployment #${d.number}`, region, 'read', () => deployments.get(d.number));
      const by = pauserOf(full.description);
      print(`Waiting for ${describe(d)} to settle (${step.reason}${by ? `, started by ${by}` : ''}).`);
      const end = named(
        await withAwsErrors(`wait for deployment #${d.number}`, region, 'read', () =>
          deployments.waitForEnd(d.number, undefined, left),
        ),
      );
      print(`${describe(end)} is now ${end.state}.`);
      if (end.version === deployments.offVersion) failIfUndone(end.state, describe(end));
      return;
    }
    case 'deploy-off': {
      const deployed = await attempt('deploy the off version', 'off', ctx, print, () =>
        deployments.deployOff('rollout rollback (kill switch)', 'rollout rollback', left),
      );
      if (!deployed.done) return;
      const off = named(deployed.value);
      print(`Deployed the off version as ${describe(off)}: ${off.state}.`);
      failIfUndone(off.state, describe(off));
      if (off.alarmActionsPaused) print(pausedNote(ctx.alarm));
      return;
    }
  }
}

/**
 * Runs a write; not `done` when AppConfig refused it because the state moved (the caller reads
 * again and re-plans). Refused twice in the same state, or failing otherwise, it is explained and thrown.
 */
async function attempt<T>(
  action: string,
  key: string,
  ctx: ActContext,
  print: (line: string) => void,
  call: () => Promise<T>,
): Promise<{ done: true; value: T } | { done: false }> {
  try {
    return { done: true, value: await call() };
  } catch (err) {
    if (!isStateRefusal(err) || ctx.refused.has(`${action}:${key}`))
      throw explainAwsError(err, action, ctx.region, 'write');
    ctx.refused.add(`${action}:${key}`);
    print(`AppConfig refused to ${action} (${err.name}: ${err.message}): reading the deployments again.`);
    return { done: false };
  }
}

function failIfUndone(state: string, which: string): void {
  if (state === 'ROLLED_BACK' || state === 'REVERTED') {
    throw new CliError(
      `The kill switch did not take: ${which} ended ${state}, so the version before it is live again. Check that the alarm's actions are paused (npx rollout status) and run npx rollout rollback --yes again.`,
    );
  }
}

/** The flag is off but the alarm's actions are still disabled (a kill switch cut short): re-enable them. */
async function restore(
  deployments: FlagDeployments,
  offDeployment: DeploymentView,
  alarm: string,
  region: string,
  print: (line: string) => void,
): Promise<void> {
  const off = await withAwsErrors(`read deployment #${offDeployment.number}`, region, 'read', () =>
    deployments.get(offDeployment.number),
  );
  const result = await withAwsErrors(`re-enable the actions of ${alarm}`, region, 'write', () =>
    deployments.restoreAlarmActions(),
  );
  const by = pauserOf(off.description);
  if (result.restored)
    print(
      `Re-enabled the actions of ${alarm}, left disabled${by ? ` by ${by}` : ''} after ${describe(offDeployment)}.`,
    );
  else print(`The actions of ${alarm} stay paused for ${describe(result.heldBy)}, still ${result.heldBy.state}.`);
}
