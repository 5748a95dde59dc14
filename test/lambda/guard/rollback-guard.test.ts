import { offDeploymentDescription } from '../../../lib/domain/alarm-pause';
import { GuardNotSettledError } from '../../../lambda/guard/guard-errors';
import { KillSwitchUndoneError } from '../../../lib/ops/kill-switch-errors';
import { APPCONFIG_THROTTLING_EXCEPTION } from '../../helpers/fake-aws/error-replies';
import { completedPhase, startedPhase } from '../../helpers/fake-aws/shipped-rollout';
import { guardWorld, HOUR, liveLabel, NOW, type GuardWorld } from './guard-world';

/**
 * The guard against the fake AWS endpoint, which runs deployments as AWS AppConfig documents
 * them (test/helpers/fake-aws/fake-appconfig.ts): DEPLOYING → BAKING → COMPLETE on the clock,
 * StopDeployment's rules, one deployment at a time, the monitor's rollback, the event log.
 */
const ALARM = 'LlmModelRollout/rollback';
let w: GuardWorld;
afterEach(async () => {
  await w.close();
});

const calls = (operation: string): number => w.fake.count(operation);
const ops = (): string[] => w.fake.requests.map((r) => r.operation).filter((o) => /Stop|Start|Alarm/.test(o));

describe('RollbackGuard: keeps going until the flag is safe', () => {
  // AWS AppConfig API Reference, StopDeployment: with AllowRevert "The status of a completed
  // deployment will be REVERTED" — the phase before it is live again and still sends users to
  // the new model, while the composite alarm stays in ALARM: no new EventBridge event
  // (Amazon CloudWatch User Guide, "Alarm events and EventBridge": events come on state changes).
  it('reverts the canary, finds smoke (0.1 % + allowlist) live again, and turns the flag off in the same run', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 60, NOW);
      completedPhase(appconfig, 'canary', 10, NOW);
    });
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(liveLabel(w)).toBe('off');
    expect(w.world.appconfig.deployments.map((d) => d.state)).toEqual(['COMPLETE', 'REVERTED', 'COMPLETE']);
    expect(outcome.steps.map((s) => s.kind)).toEqual(['revert', 'deploy-off']);
    expect(w.notify).toHaveBeenCalledTimes(1);
    const [subject, message] = w.notify.mock.calls[0]!;
    expect(subject).toBe(`Rollback guard: revert, deploy-off after ${ALARM}`);
    expect(message).toMatch(
      /^Reverted deployment #2 \(version 3\) to the version before it, now REVERTED \(.*completed 10\.0 h ago/,
    );
    expect(message).toMatch(
      /\nDeployed the off version all at once as deployment #3 \(version 1\), now COMPLETE \(deployment #2 \(version 3\) is already REVERTED, but deployment #1 \(version 2\) is live/,
    );
    expect(message).toMatch(
      /\nNow safe: deployment #3 \(version 1\) is the off version: the flag is off\.\nCheck with: npx rollout status$/,
    );
    expect(w.world.cloudwatch.actionsEnabled(w.world.rollbackAlarm)).toBe(true);
  });

  // AWS AppConfig API Reference, StopDeployment: a DEPLOYING deployment stops without AllowRevert;
  // it is ROLLING_BACK, then ROLLED_BACK, and smoke — still on the new model — is back.
  it('stops a deployment in progress (DEPLOYING: no AllowRevert), waits out ROLLING_BACK, then turns the smoke phase off', async () => {
    w = await guardWorld(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 0.1, NOW);
      },
      { monitorDelaySeconds: 600 },
    );
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(liveLabel(w)).toBe('off');
    expect(outcome.steps.map((s) => s.kind)).toEqual(['stop', 'deploy-off']);
    const stop = w.fake.requests.find((r) => r.operation === 'StopDeployment')!;
    expect(stop.headers['allow-revert']).toBeUndefined();
    expect(outcome.summary).toMatch(
      /^Stopped deployment #2 \(version 3\): AppConfig rolls it back to the previous version, now ROLLED_BACK/,
    );
  });

  // AWS Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous
  // invocation": a failed invocation is tried twice more, one and then two minutes later.
  it('throws when its deadline passes before the flag is safe (a long rollback), so that Lambda retries; the retry finishes the job', async () => {
    w = await guardWorld(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 0.1, NOW);
      },
      { rollbackSeconds: 400, monitorDelaySeconds: 3600 },
    );
    const deadline = w.deadline();
    const failure = await w.guard.run(ALARM, deadline).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GuardNotSettledError);
    expect((failure as GuardNotSettledError).lastStep?.kind).toBe('stop');
    expect(w.clock.nowMs()).toBeGreaterThanOrEqual(deadline.getTime());
    expect(w.clock.nowMs() - deadline.getTime()).toBeLessThanOrEqual(5_000);
    expect(w.notify).not.toHaveBeenCalled();
    // Lambda's first retry comes a minute after the failure.
    w.clock.advance(60_000);
    const retry = await w.guard.run(ALARM, w.deadline());
    expect(retry.steps.map((s) => s.kind)).toEqual(['wait', 'deploy-off']);
    expect(liveLabel(w)).toBe('off');
  });

  // Amazon CloudWatch API Reference, EnableAlarmActions: it sets the named alarms' actions to
  // enabled, whatever they were — so every run restores them without reading them first (the
  // guard's role has no cloudwatch:DescribeAlarms).
  it('does nothing but restore the alarm’s actions when the flag was never deployed, and says so', async () => {
    w = await guardWorld(() => undefined);
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(outcome.steps.map((s) => s.kind)).toEqual(['none']);
    expect(ops()).toEqual(['EnableAlarmActions']);
    expect(w.notify.mock.calls[0]![0]).toBe(`Rollback guard: none after ${ALARM}`);
    expect(w.notify.mock.calls[0]![1]).toMatch(/^Nothing to roll back: the flag was never deployed/);
  });

  // AWS AppConfig API Reference, ListDeployments: the off deployment COMPLETE is the newest.
  it('is idempotent: a second run finds the off version live and writes nothing to AppConfig', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 200, NOW);
      completedPhase(appconfig, 'canary', 100, NOW);
    });
    const first = await w.guard.run(ALARM, w.deadline());
    expect(first.steps.map((s) => s.kind)).toEqual(['deploy-off']);
    const writes = calls('StartDeployment') + calls('StopDeployment');
    const second = await w.guard.run(ALARM, w.deadline());
    expect(second.steps.map((s) => s.kind)).toEqual(['none']);
    expect(second.summary).toMatch(/^Nothing to roll back: deployment #3 \(version 1\) is the off version/);
    expect(calls('StartDeployment') + calls('StopDeployment')).toBe(writes);
  });

  // AWS AppConfig API Reference, StopDeployment: "AppConfig only allows a revert within 72 hours
  // of deployment completion"; AWS AppConfig User Guide, "Monitoring deployments for automatic
  // rollback": no rollback while the alarm's actions are disabled — so they are, for the off deployment.
  it('turns the flag off after the revert window (100 h): pauses the alarm’s actions, records who paused them, restores them', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 200, NOW);
      completedPhase(appconfig, 'canary', 100, NOW);
    });
    await w.guard.run(ALARM, w.deadline());
    expect(ops()).toEqual(['DisableAlarmActions', 'StartDeployment', 'EnableAlarmActions', 'EnableAlarmActions']);
    const start = w.fake.requests.find((r) => r.operation === 'StartDeployment')!;
    expect(start.input).toMatchObject({
      ConfigurationVersion: w.offVersion,
      DeploymentStrategyId: w.world.appconfig.strategyIdOf('llm-model-rollout-off'),
      Description: `rollback guard: ${ALARM} in ALARM [alarm actions paused by rollback guard]`,
    });
    expect(liveLabel(w)).toBe('off');
    expect(w.world.cloudwatch.actionsEnabled(w.world.rollbackAlarm)).toBe(true);
  });

  // AWS AppConfig API Reference, Common Errors: ThrottlingException (HTTP 400), retried by the SDK.
  it('rejects when ListDeployments keeps failing, without paging success or writing', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 1, NOW);
    });
    w.fake.fail('ListDeployments', APPCONFIG_THROTTLING_EXCEPTION);
    await expect(w.guard.run(ALARM, w.deadline())).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(w.notify).not.toHaveBeenCalled();
    expect(calls('StartDeployment') + calls('StopDeployment')).toBe(0);
  });
});

describe('RollbackGuard: StopDeployment in a bake, and races with AppConfig’s own monitor', () => {
  // AWS AppConfig API Reference, StopDeployment: "This API action works only on deployments that
  // have a status of DEPLOYING, unless an AllowRevert parameter is supplied. If the AllowRevert
  // parameter is supplied, the status of an in-progress deployment will be ROLLED_BACK."
  // Bakes last up to 24 h, and the guard may well arrive before the monitor acts.
  it('stops a BAKING deployment with AllowRevert (without it AppConfig answers BadRequestException)', async () => {
    w = await guardWorld(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 2, NOW);
      },
      { monitorDelaySeconds: 600 },
    );
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(outcome.steps.map((s) => s.kind)).toEqual(['stop', 'deploy-off']);
    const stop = w.fake.requests.find((r) => r.operation === 'StopDeployment')!;
    expect(stop.status).toBe(202);
    expect(stop.headers['allow-revert']).toBe('true');
    expect(w.world.appconfig.deployments[1]!.events[0]).toMatchObject({ type: 'ROLLBACK_COMPLETED' });
    expect(liveLabel(w)).toBe('off');
  });

  it('reads again and re-plans when AppConfig’s monitor rolled the bake back first (BadRequestException on the stop)', async () => {
    w = await guardWorld(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 2, NOW);
      },
      { monitorDelaySeconds: 30 },
    );
    // The monitor's turn comes between the guard's read and its stop.
    w.fake.onRequest('StopDeployment', () => w.clock.advance(30_000));
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(w.fake.requests.find((r) => r.operation === 'StopDeployment')!.status).toBe(400);
    expect(outcome.steps.map((s) => s.kind)).toEqual(['stop', 'wait', 'deploy-off']);
    expect(outcome.summary).toMatch(
      /^AppConfig refused to stop deployment #2 \(version 3\) \(BadRequestException: .*\): read the deployments again and re-planned\.\nWaited for deployment #2 \(version 3\) \(deployment #2 \(version 3\) is ROLLING_BACK\): now ROLLED_BACK\./,
    );
    expect(w.world.appconfig.deployments[1]!.events.find((e) => e.type === 'ROLLBACK_STARTED')?.triggeredBy).toBe(
      'CLOUDWATCH_ALARM',
    );
    expect(liveLabel(w)).toBe('off');
  });

  // One deployment at a time per environment: StartDeployment while another is in progress is a
  // ConflictException (AWS AppConfig API Reference, StartDeployment).
  it('waits for on-call’s off deployment when its own StartDeployment hits ConflictException, and never re-enables the alarm’s actions under it', async () => {
    w = await guardWorld(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 200, NOW);
        completedPhase(appconfig, 'canary', 100, NOW);
      },
      { minimumDeploySeconds: 10 },
    );
    const enabledWhile: string[] = [];
    w.fake.onRequest('StartDeployment', () => {
      // On-call's `rollout rollback` got there first: it paused the actions and started the off version.
      w.world.cloudwatch.setActionsEnabled(w.world.rollbackAlarm, false, w.clock.now());
      w.world.appconfig.addDeployment({
        version: w.offVersion,
        strategyId: w.world.appconfig.strategyIdOf('llm-model-rollout-off'),
        state: 'DEPLOYING',
        percentComplete: 0,
        startedAt: w.clock.now(),
        description: offDeploymentDescription('rollout rollback (kill switch)', 'rollout rollback'),
      });
    });
    w.fake.onRequest(
      'EnableAlarmActions',
      () => {
        w.world.appconfig.advance(w.clock.now());
        enabledWhile.push(w.world.appconfig.deployments[2]!.state);
      },
      10,
    );
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(w.fake.requests.find((r) => r.operation === 'StartDeployment')!.status).toBe(409);
    expect(outcome.steps.map((s) => s.kind)).toEqual(['deploy-off', 'wait']);
    expect(outcome.summary).toContain(
      "Waited for deployment #3 (version 1), turning the flag off for rollout rollback (which paused the alarm's actions)",
    );
    expect(enabledWhile.every((state) => state === 'COMPLETE')).toBe(true);
    expect(liveLabel(w)).toBe('off');
    expect(w.world.cloudwatch.actionsEnabled(w.world.rollbackAlarm)).toBe(true);
  });
});

describe('RollbackGuard: a kill switch that did not take, and alarm actions left paused', () => {
  // AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": the monitor rolls
  // back any deployment while its alarm is in ALARM — the off version too — unless the alarm's
  // actions are disabled.
  it('throws when its off deployment ends ROLLED_BACK (someone re-enabled the actions under it), so Lambda retries; the retry turns it off', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 200, NOW);
      completedPhase(appconfig, 'canary', 100, NOW);
    });
    w.fake.onRequest('GetDeployment', () =>
      w.world.cloudwatch.setActionsEnabled(w.world.rollbackAlarm, true, w.clock.now()),
    );
    const failure = await w.guard.run(ALARM, w.deadline()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KillSwitchUndoneError);
    expect((failure as KillSwitchUndoneError).deployment).toMatchObject({
      number: 3,
      version: w.offVersion,
      state: 'ROLLED_BACK',
    });
    expect(liveLabel(w)).toBe('canary');
    expect(w.notify).not.toHaveBeenCalled();
    w.clock.advance(60_000);
    const retry = await w.guard.run(ALARM, w.deadline());
    expect(retry.steps.map((s) => s.kind)).toEqual(['deploy-off']);
    expect(liveLabel(w)).toBe('off');
  });

  // AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": with the actions
  // disabled AppConfig rolls nothing back — left so, the next phase would deploy unguarded.
  it('repairs alarm actions left disabled by a run that died mid-way, once no off deployment is in flight', async () => {
    w = await guardWorld(({ appconfig, cloudwatch, rollbackAlarm }) => {
      completedPhase(appconfig, 'smoke', 200, NOW);
      appconfig.addDeployment({
        version: appconfig.versionOf('off'),
        strategyId: appconfig.strategyIdOf('llm-model-rollout-off'),
        state: 'COMPLETE',
        percentComplete: 100,
        startedAt: new Date(NOW.getTime() - HOUR),
        completedAt: new Date(NOW.getTime() - HOUR),
        description: offDeploymentDescription(`rollback guard: ${ALARM} in ALARM`, 'rollback guard'),
      });
      cloudwatch.setActionsEnabled(rollbackAlarm, false, new Date(NOW.getTime() - HOUR));
    });
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(w.world.cloudwatch.actionsEnabled(w.world.rollbackAlarm)).toBe(true);
    expect(outcome.steps.map((s) => s.kind)).toEqual(['none']);
  });
});

describe('RollbackGuard: the first deployment has nothing to revert to', () => {
  // AWS AppConfig API Reference, StopDeployment: AllowRevert rolls back "to the previous
  // configuration version"; the flag's first deployment has none (the fake refuses it).
  it('deploys the off version instead of reverting it', async () => {
    w = await guardWorld(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 1, NOW);
    });
    const outcome = await w.guard.run(ALARM, w.deadline());
    expect(calls('StopDeployment')).toBe(0);
    expect(liveLabel(w)).toBe('off');
    expect(outcome.steps.map((s) => s.kind)).toEqual(['deploy-off']);
  });
});
