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
import { FlagDeployments, type DeploymentsOptions, type FlagTarget } from '../../../lib/ops/appconfig-deployments';

const TARGET: FlagTarget = {
  applicationId: 'app123',
  environmentId: 'env456',
  profileId: 'prof789',
  offVersion: '1',
  killSwitchStrategyId: 'strat-off',
  rollbackAlarmName: 'LlmModelRollout/rollback',
};
const IDS = { ApplicationId: 'app123', EnvironmentId: 'env456' };

const appconfig = mockClient(AppConfigClient);
const cloudwatch = mockClient(CloudWatchClient);

/** Every AWS call in order, by command name. */
let calls: string[];
let sleeps: number[];

function deployments(options: DeploymentsOptions = {}): FlagDeployments {
  return new FlagDeployments(new AppConfigClient({ region: 'us-east-1' }), new CloudWatchClient({ region: 'us-east-1' }), TARGET, {
    sleep: async (ms) => { sleeps.push(ms); },
    ...options,
  });
}

function summary(over: Partial<DeploymentSummary>): DeploymentSummary {
  return { DeploymentNumber: 1, ConfigurationVersion: '2', State: 'COMPLETE', ConfigurationProfileId: TARGET.profileId, ...over };
}

beforeEach(() => {
  appconfig.reset();
  cloudwatch.reset();
  calls = [];
  sleeps = [];
  cloudwatch.on(DisableAlarmActionsCommand).callsFake(() => { calls.push('DisableAlarmActions'); return {}; });
  cloudwatch.on(EnableAlarmActionsCommand).callsFake(() => { calls.push('EnableAlarmActions'); return {}; });
});

afterAll(() => {
  appconfig.restore();
  cloudwatch.restore();
});

describe('FlagDeployments.latest', () => {
  it('lists the environment’s deployments and picks the highest deployment number of the flag profile, whatever the order', async () => {
    const started = new Date('2026-11-20T10:00:00Z');
    const completed = new Date('2026-11-20T10:30:00Z');
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [
        summary({ DeploymentNumber: 3, ConfigurationVersion: '3' }),
        summary({ DeploymentNumber: 9, ConfigurationVersion: '7', ConfigurationProfileId: 'other-profile' }),
        summary({ DeploymentNumber: 5, ConfigurationVersion: '4', VersionLabel: 'phase-2', State: 'BAKING', StartedAt: started, CompletedAt: completed }),
        summary({ DeploymentNumber: 4, ConfigurationVersion: '6' }),
      ],
    });
    const latest = await deployments().latest();
    expect(latest).toEqual({ number: 5, version: '4', label: 'phase-2', state: 'BAKING', startedAt: started, completedAt: completed });
    const list = appconfig.commandCalls(ListDeploymentsCommand);
    expect(list).toHaveLength(1);
    expect(list[0]!.args[0].input).toEqual({ ...IDS, MaxResults: 50 });
  });

  it('recent() lists the profile’s deployments newest first', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [summary({ DeploymentNumber: 2 }), summary({ DeploymentNumber: 7, ConfigurationProfileId: 'other' }), summary({ DeploymentNumber: 5 }), summary({ DeploymentNumber: 3 })],
    });
    expect((await deployments().recent()).map((d) => d.number)).toEqual([5, 3, 2]);
  });

  it('returns undefined with no deployments, or only deployments of other profiles', async () => {
    appconfig.on(ListDeploymentsCommand).resolvesOnce({}).resolvesOnce({ Items: [summary({ ConfigurationProfileId: 'other-profile', DeploymentNumber: 8 })] });
    await expect(deployments().latest()).resolves.toBeUndefined();
    await expect(deployments().latest()).resolves.toBeUndefined();
  });

  it('propagates API errors', async () => {
    appconfig.on(ListDeploymentsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(deployments().latest()).rejects.toThrow('Rate exceeded');
  });
});

describe('FlagDeployments.stop / revert', () => {
  it('stop sends StopDeployment for the deployment, without AllowRevert', async () => {
    appconfig.on(StopDeploymentCommand).resolves({});
    await deployments().stop(12);
    const stops = appconfig.commandCalls(StopDeploymentCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.args[0].input).toEqual({ ...IDS, DeploymentNumber: 12 });
    expect(stops[0]!.args[0].input.AllowRevert).toBeUndefined();
  });

  it('revert sends StopDeployment with AllowRevert: true', async () => {
    appconfig.on(StopDeploymentCommand).resolves({});
    await deployments().revert(13);
    const stops = appconfig.commandCalls(StopDeploymentCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.args[0].input).toEqual({ ...IDS, DeploymentNumber: 13, AllowRevert: true });
  });

  it('neither touches the alarm actions', async () => {
    appconfig.on(StopDeploymentCommand).resolves({});
    await deployments().stop(1);
    await deployments().revert(2);
    expect(cloudwatch.calls()).toHaveLength(0);
  });
});

describe('FlagDeployments.deployOff', () => {
  function recordAppConfig(getStates: readonly string[]): void {
    appconfig.on(StartDeploymentCommand).callsFake(() => { calls.push('StartDeployment'); return { DeploymentNumber: 21, State: 'DEPLOYING' }; });
    let i = 0;
    appconfig.on(GetDeploymentCommand).callsFake(() => {
      calls.push('GetDeployment');
      const state = getStates[Math.min(i++, getStates.length - 1)];
      return { DeploymentNumber: 21, ConfigurationVersion: '1', VersionLabel: 'off', State: state };
    });
  }

  it('pauses the rollback alarm’s actions, starts the off version with the kill-switch strategy, waits for COMPLETE, then restores the actions', async () => {
    recordAppConfig(['DEPLOYING', 'DEPLOYING', 'COMPLETE']);
    const off = await deployments({ pollIntervalMs: 1234 }).deployOff('rollback guard: test');
    expect(calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'GetDeployment', 'GetDeployment', 'GetDeployment', 'EnableAlarmActions']);
    expect(off).toMatchObject({ number: 21, version: '1', label: 'off', state: 'COMPLETE' });
    expect(sleeps).toEqual([1234, 1234]);

    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: ['LlmModelRollout/rollback'] });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: ['LlmModelRollout/rollback'] });
    const start = appconfig.commandCalls(StartDeploymentCommand);
    expect(start).toHaveLength(1);
    expect(start[0]!.args[0].input).toEqual({
      ...IDS,
      ConfigurationProfileId: 'prof789',
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'strat-off',
      Description: 'rollback guard: test',
    });
    for (const get of appconfig.commandCalls(GetDeploymentCommand)) {
      expect(get.args[0].input).toEqual({ ...IDS, DeploymentNumber: 21 });
    }
  });

  it('stops polling when the deployment ends in another final state (ROLLED_BACK) and still restores the actions', async () => {
    recordAppConfig(['BAKING', 'ROLLED_BACK']);
    const off = await deployments().deployOff('x');
    expect(off.state).toBe('ROLLED_BACK');
    expect(calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'GetDeployment', 'GetDeployment', 'EnableAlarmActions']);
    expect(sleeps).toEqual([2000]);
  });

  it('keeps polling while the off deployment is ROLLING_BACK, until it settles', async () => {
    recordAppConfig(['ROLLING_BACK', 'ROLLING_BACK', 'ROLLED_BACK']);
    const off = await deployments().deployOff('x');
    expect(off.state).toBe('ROLLED_BACK');
    expect(calls.filter((c) => c === 'GetDeployment')).toHaveLength(3);
    expect(calls.at(-1)).toBe('EnableAlarmActions');
  });

  it('re-enables the alarm actions when StartDeployment fails, and the error propagates', async () => {
    appconfig.on(StartDeploymentCommand).callsFake(() => {
      calls.push('StartDeployment');
      throw Object.assign(new Error('A deployment is already in progress'), { name: 'ConflictException' });
    });
    await expect(deployments().deployOff('x')).rejects.toThrow('A deployment is already in progress');
    expect(calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'EnableAlarmActions']);
    expect(appconfig.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  it('re-enables the alarm actions when polling fails', async () => {
    appconfig.on(StartDeploymentCommand).callsFake(() => { calls.push('StartDeployment'); return { DeploymentNumber: 21 }; });
    appconfig.on(GetDeploymentCommand).callsFake(() => { calls.push('GetDeployment'); throw new Error('boom'); });
    await expect(deployments().deployOff('x')).rejects.toThrow('boom');
    expect(calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'GetDeployment', 'EnableAlarmActions']);
  });

  it('starts nothing when the alarm actions cannot be paused (AppConfig would undo the kill switch)', async () => {
    recordAppConfig(['COMPLETE']);
    cloudwatch.on(DisableAlarmActionsCommand).rejects(new Error('AccessDenied'));
    await expect(deployments().deployOff('x')).rejects.toThrow('AccessDenied');
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });

  it('gives up waiting after the timeout and returns the deployment as last seen', async () => {
    recordAppConfig(['DEPLOYING']);
    const off = await deployments({ offDeployTimeoutMs: 0 }).deployOff('x');
    expect(off.state).toBe('DEPLOYING');
    expect(off.alarmActionsPaused).toBe(true);
    // Still in flight: the alarm's actions stay paused, or AppConfig would roll the kill switch back.
    expect(calls).toEqual(['DisableAlarmActions', 'StartDeployment', 'GetDeployment']);
  });

  // Regression: restoring the actions while the off deployment was in flight let AppConfig undo it.
  it('does not restore the alarm actions while the off deployment is still in flight', async () => {
    recordAppConfig(['BAKING']);
    const off = await deployments({ offDeployTimeoutMs: 0 }).deployOff('x').catch(() => undefined);
    const stillInFlight = off !== undefined && ['DEPLOYING', 'BAKING', 'VALIDATING'].includes(off.state);
    const reEnabled = calls.includes('EnableAlarmActions');
    expect({ stillInFlight, reEnabled }).not.toEqual({ stillInFlight: true, reEnabled: true });
  });
});
