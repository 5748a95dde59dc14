import {
  AppConfigClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
  type DeploymentSummary,
} from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { FlagDeployments, type FlagTarget } from '../../../lib/ops/appconfig-deployments';
import { RollbackGuard } from '../../../lambda/guard/rollback-guard';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const ALARM = 'LlmModelRollout/rollback';
const TARGET: FlagTarget = {
  applicationId: 'app123',
  environmentId: 'env456',
  profileId: 'prof789',
  offVersion: '1',
  killSwitchStrategyId: 'strat-off',
  rollbackAlarmName: ALARM,
};
const IDS = { ApplicationId: 'app123', EnvironmentId: 'env456' };

const appconfig = mockClient(AppConfigClient);
const cloudwatch = mockClient(CloudWatchClient);

interface Harness {
  guard: RollbackGuard;
  notify: jest.Mock<Promise<void>, [string, string]>;
  /** AWS calls in order, by command name. */
  calls: string[];
}

function harness(): Harness {
  const calls: string[] = [];
  const record = (name: string) => (): Record<string, never> => { calls.push(name); return {}; };
  cloudwatch.on(DisableAlarmActionsCommand).callsFake(record('DisableAlarmActions'));
  cloudwatch.on(EnableAlarmActionsCommand).callsFake(record('EnableAlarmActions'));
  appconfig.on(StopDeploymentCommand).callsFake(record('StopDeployment'));
  const notify = jest.fn<Promise<void>, [string, string]>(async () => undefined);
  const deployments = new FlagDeployments(new AppConfigClient({ region: 'us-east-1' }), new CloudWatchClient({ region: 'us-east-1' }), TARGET, {
    sleep: async () => undefined,
  });
  const guard = new RollbackGuard({ deployments, offVersion: TARGET.offVersion, notify, now: () => NOW });
  return { guard, notify, calls };
}

function latestIs(...items: DeploymentSummary[]): void {
  appconfig.on(ListDeploymentsCommand).resolves({ Items: items.map((d) => ({ ConfigurationProfileId: TARGET.profileId, ...d })) });
}

/** StopDeployment, StartDeployment, DisableAlarmActions and EnableAlarmActions calls so far. */
function writeCalls(): number {
  return appconfig.commandCalls(StopDeploymentCommand).length
    + appconfig.commandCalls(StartDeploymentCommand).length
    + cloudwatch.commandCalls(DisableAlarmActionsCommand).length
    + cloudwatch.commandCalls(EnableAlarmActionsCommand).length;
}

beforeEach(() => {
  appconfig.reset();
  cloudwatch.reset();
});

afterAll(() => {
  appconfig.restore();
  cloudwatch.restore();
});

describe('RollbackGuard.run', () => {
  it('stops a deployment in progress (StopDeployment without AllowRevert)', async () => {
    const h = harness();
    latestIs({ DeploymentNumber: 6, ConfigurationVersion: '3', VersionLabel: 'canary', State: 'DEPLOYING', StartedAt: new Date(NOW.getTime() - HOUR / 4) });
    const outcome = await h.guard.run(ALARM);
    expect(outcome.step.kind).toBe('stop');
    expect(h.calls).toEqual(['StopDeployment']);
    expect(appconfig.commandCalls(StopDeploymentCommand)[0]!.args[0].input).toEqual({ ...IDS, DeploymentNumber: 6 });
    expect(outcome.summary).toMatch(/^Stopped deployment #6 \(version 3, canary\)/);
    expect(h.notify).toHaveBeenCalledTimes(1);
    expect(h.notify).toHaveBeenCalledWith(`Rollback guard: stop after ${ALARM}`, `${outcome.summary}\nCheck with: npx rollout status`);
  });

  it('reverts a phase completed 10 h ago (StopDeployment with AllowRevert)', async () => {
    const h = harness();
    latestIs(
      { DeploymentNumber: 4, ConfigurationVersion: '2', State: 'COMPLETE', CompletedAt: new Date(NOW.getTime() - 100 * HOUR) },
      { DeploymentNumber: 5, ConfigurationVersion: '3', VersionLabel: 'canary', State: 'COMPLETE', StartedAt: new Date(NOW.getTime() - 11 * HOUR), CompletedAt: new Date(NOW.getTime() - 10 * HOUR) },
    );
    const outcome = await h.guard.run(ALARM);
    expect(outcome.step.kind).toBe('revert');
    expect(h.calls).toEqual(['StopDeployment']);
    expect(appconfig.commandCalls(StopDeploymentCommand)[0]!.args[0].input).toEqual({ ...IDS, DeploymentNumber: 5, AllowRevert: true });
    expect(h.notify).toHaveBeenCalledTimes(1);
    const [subject, message] = h.notify.mock.calls[0]!;
    expect(subject).toBe(`Rollback guard: revert after ${ALARM}`);
    expect(message).toMatch(/^Reverted deployment #5 \(version 3, canary\) to the version before it \(.*completed 10\.0 h ago/);
  });

  it('turns the flag off after the revert window (100 h): pause alarm actions, deploy the off version, restore the actions', async () => {
    const h = harness();
    latestIs({ DeploymentNumber: 5, ConfigurationVersion: '3', VersionLabel: 'canary', State: 'COMPLETE', CompletedAt: new Date(NOW.getTime() - 100 * HOUR) });
    appconfig.on(StartDeploymentCommand).callsFake(() => { h.calls.push('StartDeployment'); return { DeploymentNumber: 6 }; });
    appconfig.on(GetDeploymentCommand).callsFake(() => { h.calls.push('GetDeployment'); return { DeploymentNumber: 6, ConfigurationVersion: '1', VersionLabel: 'off', State: 'COMPLETE' }; });
    const outcome = await h.guard.run(ALARM);
    expect(outcome.step.kind).toBe('deploy-off');
    expect(h.calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'GetDeployment', 'EnableAlarmActions']);
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toEqual({
      ...IDS,
      ConfigurationProfileId: 'prof789',
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'strat-off',
      Description: `rollback guard: ${ALARM} in ALARM`,
    });
    expect(appconfig.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(h.notify).toHaveBeenCalledTimes(1);
    expect(h.notify.mock.calls[0]![0]).toBe(`Rollback guard: deploy-off after ${ALARM}`);
    expect(h.notify.mock.calls[0]![1]).toMatch(/^Deployed the off version all at once as deployment #6 \(version 1, off\), now COMPLETE \(deployment #5 .*more than 72 h ago/);
  });

  it('makes no write call when the flag was never deployed, and says so', async () => {
    const h = harness();
    latestIs();
    const outcome = await h.guard.run(ALARM);
    expect(outcome.step.kind).toBe('none');
    expect(writeCalls()).toBe(0);
    expect(h.notify).toHaveBeenCalledTimes(1);
    expect(h.notify.mock.calls[0]![0]).toBe(`Rollback guard: none after ${ALARM}`);
    expect(h.notify.mock.calls[0]![1]).toMatch(/^Nothing to roll back: the flag was never deployed/);
  });

  it('is idempotent: a second run after the revert (latest now REVERTED) makes no write call', async () => {
    const h = harness();
    const completed = new Date(NOW.getTime() - 10 * HOUR);
    appconfig.on(ListDeploymentsCommand)
      .resolvesOnce({ Items: [{ ConfigurationProfileId: 'prof789', DeploymentNumber: 5, ConfigurationVersion: '3', State: 'COMPLETE', CompletedAt: completed }] })
      .resolves({ Items: [{ ConfigurationProfileId: 'prof789', DeploymentNumber: 5, ConfigurationVersion: '3', State: 'REVERTED', CompletedAt: completed }] });
    await h.guard.run(ALARM);
    expect(writeCalls()).toBe(1);
    const second = await h.guard.run(ALARM);
    expect(second.step.kind).toBe('none');
    expect(second.summary).toBe('Nothing to roll back: deployment #5 (version 3) is already REVERTED, and before it the flag was never deployed.');
    expect(writeCalls()).toBe(1);
    expect(h.notify).toHaveBeenCalledTimes(2);
  });

  it('is idempotent: a second run after deploy-off (latest is the off version) makes no write call', async () => {
    const h = harness();
    const old = { ConfigurationProfileId: 'prof789', DeploymentNumber: 5, ConfigurationVersion: '3', State: 'COMPLETE' as const, CompletedAt: new Date(NOW.getTime() - 100 * HOUR) };
    const off = { ConfigurationProfileId: 'prof789', DeploymentNumber: 6, ConfigurationVersion: '1', VersionLabel: 'off', State: 'COMPLETE' as const };
    appconfig.on(ListDeploymentsCommand).resolvesOnce({ Items: [old] }).resolves({ Items: [off, old] });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 6 });
    appconfig.on(GetDeploymentCommand).resolves(off);
    await h.guard.run(ALARM);
    const writesAfterFirst = writeCalls();
    expect(writesAfterFirst).toBe(3); // disable, start, enable
    const second = await h.guard.run(ALARM);
    expect(second.step.kind).toBe('none');
    expect(second.summary).toMatch(/deployment #6 \(version 1, off\) is the off version/);
    expect(writeCalls()).toBe(writesAfterFirst);
    expect(h.notify).toHaveBeenCalledTimes(2);
  });

  it('rejects when ListDeployments fails (ThrottlingException), without notifying or writing', async () => {
    const h = harness();
    appconfig.on(ListDeploymentsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(h.guard.run(ALARM)).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(h.notify).not.toHaveBeenCalled();
    expect(writeCalls()).toBe(0);
  });

  it('rejects when the stop fails, without notifying success', async () => {
    const h = harness();
    latestIs({ DeploymentNumber: 6, ConfigurationVersion: '3', State: 'BAKING' });
    appconfig.on(StopDeploymentCommand).rejects(new Error('AccessDenied'));
    await expect(h.guard.run(ALARM)).rejects.toThrow('AccessDenied');
    expect(h.notify).not.toHaveBeenCalled();
  });

  it('uses the real clock when no now() is injected', async () => {
    const notify = jest.fn<Promise<void>, [string, string]>(async () => undefined);
    const deployments = new FlagDeployments(new AppConfigClient({ region: 'us-east-1' }), new CloudWatchClient({ region: 'us-east-1' }), TARGET);
    const guard = new RollbackGuard({ deployments, offVersion: '1', notify });
    appconfig.on(StopDeploymentCommand).resolves({});
    latestIs({ DeploymentNumber: 2, ConfigurationVersion: '3', State: 'COMPLETE', CompletedAt: new Date(Date.now() - HOUR) });
    await expect(guard.run(ALARM)).resolves.toMatchObject({ step: { kind: 'revert' } });
  });
});
