import { planGuardRollback, describe, type RollbackStep } from '../../lib/domain/rollback-plan';
import { pauserOf } from '../../lib/domain/alarm-pause';
import type { AlarmRestore, FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { GuardActions } from './guard-actions';
import { GuardNotSettledError } from './guard-errors';

export interface GuardOutcome {
  /** Every step taken, in order; a lone `none` when there was nothing to do. */
  readonly steps: readonly RollbackStep[];
  /** What was done, in words for the page. */
  readonly summary: string;
}

export interface RollbackGuardDeps {
  readonly deployments: FlagDeployments;
  readonly offVersion: string;
  readonly notify: (subject: string, message: string) => Promise<void>;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long to let AppConfig settle after it refused a step, before reading again. @default 2000 */
  readonly retryAfterMs?: number;
}

/**
 * Acts on the rollback alarm after AppConfig's bake has ended (AppConfig itself only watches
 * during a deployment and its bake), and keeps acting until the flag is safe: a stop or revert
 * puts the phase before it back, which may still send users to the new model, and the alarm —
 * still in ALARM — sends no new event. So it plans, acts, waits and plans again until the plan
 * is `none` (the off version live, or none), or throws once its deadline passes so that Lambda
 * retries it. Every run ends by restoring the alarm's actions unless an off deployment still
 * needs them paused. Idempotent — a repeated alarm finds the flag already off and does nothing.
 * API failures propagate (after the SDK's retries): the invocation fails, is retried by Lambda,
 * and pages through the failure destination — the guard never leaves the flag on silently.
 */
export class RollbackGuard {
  public constructor(private readonly deps: RollbackGuardDeps) {}

  public async run(alarmName: string, deadline: Date): Promise<GuardOutcome> {
    const { deployments } = this.deps;
    const now = (): Date => this.deps.now?.() ?? new Date();
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const actions = new GuardActions(deployments, alarmName, deadline, sleep, this.deps.retryAfterMs ?? 2000);
    const steps: RollbackStep[] = [];
    const done: string[] = [];
    try {
      for (;;) {
        if (now() >= deadline) throw new GuardNotSettledError(steps.at(-1), done);
        const step = planGuardRollback(await deployments.recent(), this.deps.offVersion, now());
        if (step.kind === 'none') {
          done.push(steps.length ? `Now safe: ${step.reason}.` : `Nothing to roll back: ${step.reason}.`);
          if (!steps.length) steps.push(step);
          break;
        }
        steps.push(step);
        done.push(await actions.act(step));
      }
    } catch (err) {
      // Whatever failed, alarm actions must not stay off for an off deployment that has settled.
      await deployments.restoreAlarmActions().catch(() => undefined);
      throw err;
    }
    const restore = await deployments.restoreAlarmActions();
    const held = heldNote(restore, alarmName);
    if (held) done.push(held);
    const summary = done.join('\n');
    const kinds = steps.map((s) => s.kind).join(', ');
    await this.deps.notify(`Rollback guard: ${kinds} after ${alarmName}`, `${summary}\nCheck with: npx rollout status`);
    return { steps, summary };
  }
}

function heldNote(restore: AlarmRestore, alarmName: string): string | undefined {
  if (restore.restored) return undefined;
  const by = pauserOf(restore.heldBy.description);
  return `The actions of ${alarmName} stay paused for ${describe(restore.heldBy)}${by ? ` (paused by ${by})` : ''}, still ${restore.heldBy.state}.`;
}
