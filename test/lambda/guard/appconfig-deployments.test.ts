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
  return new FlagDeployments(
    new AppConfigClient({ region: 'us-east-1' }),
    new CloudWatchClient({ region: 'us-east-1' }),
    TARGET,
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    },
  );
}

function summary(over: Partial<DeploymentSummary>): DeploymentSummary {
  return {
    DeploymentNumber: 1,
    ConfigurationVersion: '2',
    State: 'COMPLETE',
    ConfigurationProfileId: TARGET.profileId,
    ...over,
  };
}

beforeEach(() => {
  appconfig.reset();
  cloudwatch.reset();
  calls = [];
  sleeps = [];
  cloudwatch.on(DisableAlarmActionsCommand).callsFake(() => {
    calls.push('DisableAlarmActions');
    return {};
  });
  cloudwatch.on(EnableAlarmActionsCommand).callsFake(() => {
    calls.push('EnableAlarmActions');
    return {};
  });
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
        summary({
          DeploymentNumber: 5,
          ConfigurationVersion: '4',
          VersionLabel: 'phase-2',
          State: 'BAKING',
          StartedAt: started,
          CompletedAt: completed,
        }),
        summary({ DeploymentNumber: 4, ConfigurationVersion: '6' }),
      ],
    });
    const latest = await deployments().latest();
    expect(latest).toEqual({
      number: 5,
      version: '4',
      label: 'phase-2',
      state: 'BAKING',
      startedAt: started,
      completedAt: completed,
    });
    const list = appconfig.commandCalls(ListDeploymentsCommand);
    expect(list).toHaveLength(1);
    expect(list[0]!.args[0].input).toEqual({ ...IDS, MaxResults: 50 });
  });

  it('recent() lists the profile’s deployments newest first', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [
        summary({ DeploymentNumber: 2 }),
        summary({ DeploymentNumber: 7, ConfigurationProfileId: 'other' }),
        summary({ DeploymentNumber: 5 }),
        summary({ DeploymentNumber: 3 }),
      ],
    });
    expect((await deployments().recent()).map((d) => d.number)).toEqual([5, 3, 2]);
  });

  it('returns undefined with no deployments, or only deployments of other profiles', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .resolvesOnce({})
      .resolvesOnce({ Items: [summary({ ConfigurationProfileId: 'other-profile', DeploymentNumber: 8 })] });
    await expect(deployments().latest()).resolves.toBeUndefined();
    await expect(deployments().latest()).resolves.toBeUndefined();
  });

  it('propagates API errors', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
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

  it('stop with allowRevert (a bake) sends AllowRevert: true', async () => {
    appconfig.on(StopDeploymentCommand).resolves({});
    await deployments().stop(14, true);
    expect(appconfig.commandCalls(StopDeploymentCommand)[0]!.args[0].input).toEqual({
      ...IDS,
      DeploymentNumber: 14,
      AllowRevert: true,
    });
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
  const OFF_IN_FLIGHT = summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'DEPLOYING' });
  const OFF_DONE = summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'COMPLETE' });

  function recordAppConfig(getStates: readonly string[], listed: readonly DeploymentSummary[] = [OFF_DONE]): void {
    appconfig.on(StartDeploymentCommand).callsFake(() => {
      calls.push('StartDeployment');
      return { DeploymentNumber: 21, State: 'DEPLOYING' };
    });
    let i = 0;
    appconfig.on(GetDeploymentCommand).callsFake(() => {
      calls.push('GetDeployment');
      const state = getStates[Math.min(i++, getStates.length - 1)];
      return { DeploymentNumber: 21, ConfigurationVersion: '1', VersionLabel: 'off', State: state };
    });
    listIs(...listed);
  }

  function listIs(...items: DeploymentSummary[]): void {
    appconfig.on(ListDeploymentsCommand).callsFake(() => {
      calls.push('ListDeployments');
      return { Items: items };
    });
  }

  it('pauses the rollback alarm’s actions, starts the off version with the kill-switch strategy and who paused them, waits for COMPLETE, then restores the actions', async () => {
    recordAppConfig(['DEPLOYING', 'DEPLOYING', 'COMPLETE']);
    const off = await deployments({ pollIntervalMs: 1234 }).deployOff('rollback guard: test', 'rollback guard');
    expect(calls).toEqual([
      'DisableAlarmActions',
      'StartDeployment',
      'GetDeployment',
      'GetDeployment',
      'GetDeployment',
      'ListDeployments',
      'EnableAlarmActions',
      'ListDeployments',
    ]);
    expect(off).toMatchObject({ number: 21, version: '1', label: 'off', state: 'COMPLETE', alarmActionsPaused: false });
    expect(sleeps).toEqual([1234, 1234]);

    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    const start = appconfig.commandCalls(StartDeploymentCommand);
    expect(start).toHaveLength(1);
    expect(start[0]!.args[0].input).toEqual({
      ...IDS,
      ConfigurationProfileId: 'prof789',
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'strat-off',
      Description: 'rollback guard: test [alarm actions paused by rollback guard]',
    });
    for (const get of appconfig.commandCalls(GetDeploymentCommand)) {
      expect(get.args[0].input).toEqual({ ...IDS, DeploymentNumber: 21 });
    }
  });

  it('stops polling when the deployment ends in another final state (ROLLED_BACK) and still restores the actions', async () => {
    recordAppConfig(
      ['BAKING', 'ROLLED_BACK'],
      [summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'ROLLED_BACK' })],
    );
    const off = await deployments().deployOff('x', 'rollout rollback');
    expect(off.state).toBe('ROLLED_BACK');
    expect(calls).toEqual([
      'DisableAlarmActions',
      'StartDeployment',
      'GetDeployment',
      'GetDeployment',
      'ListDeployments',
      'EnableAlarmActions',
      'ListDeployments',
    ]);
    expect(sleeps).toEqual([2000]);
  });

  it('keeps polling while the off deployment is ROLLING_BACK, until it settles', async () => {
    recordAppConfig(
      ['ROLLING_BACK', 'ROLLING_BACK', 'ROLLED_BACK'],
      [summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'ROLLED_BACK' })],
    );
    const off = await deployments().deployOff('x', 'rollout rollback');
    expect(off.state).toBe('ROLLED_BACK');
    expect(calls.filter((c) => c === 'GetDeployment')).toHaveLength(3);
    expect(calls).toContain('EnableAlarmActions');
  });

  it('re-enables the alarm actions when StartDeployment fails and no off deployment is in flight, and the error propagates', async () => {
    appconfig.on(StartDeploymentCommand).callsFake(() => {
      calls.push('StartDeployment');
      throw Object.assign(new Error('A deployment is already in progress'), { name: 'ConflictException' });
    });
    listIs(summary({ DeploymentNumber: 20, ConfigurationVersion: '3', State: 'ROLLING_BACK' }));
    await expect(deployments().deployOff('x', 'rollback guard')).rejects.toThrow('A deployment is already in progress');
    expect(calls).toEqual([
      'DisableAlarmActions',
      'StartDeployment',
      'ListDeployments',
      'EnableAlarmActions',
      'ListDeployments',
    ]);
    expect(appconfig.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  // The other side's kill switch is what the ConflictException was about: its off deployment
  // needs the actions paused, so they stay paused.
  it('leaves the actions paused when StartDeployment conflicts with someone else’s off deployment in flight', async () => {
    appconfig.on(StartDeploymentCommand).rejects(Object.assign(new Error('busy'), { name: 'ConflictException' }));
    listIs(OFF_IN_FLIGHT);
    appconfig.on(GetDeploymentCommand).resolves({
      DeploymentNumber: 21,
      ConfigurationVersion: '1',
      State: 'DEPLOYING',
      Description: 'rollout rollback (kill switch) [alarm actions paused by rollout rollback]',
    });
    await expect(deployments().deployOff('x', 'rollback guard')).rejects.toThrow('busy');
    expect(calls).toEqual(['DisableAlarmActions', 'ListDeployments']);
  });

  it('re-enables the alarm actions when polling fails', async () => {
    appconfig.on(StartDeploymentCommand).callsFake(() => {
      calls.push('StartDeployment');
      return { DeploymentNumber: 21 };
    });
    appconfig.on(GetDeploymentCommand).callsFake(() => {
      calls.push('GetDeployment');
      throw new Error('boom');
    });
    listIs(summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'COMPLETE' }));
    await expect(deployments().deployOff('x', 'rollback guard')).rejects.toThrow('boom');
    expect(calls).toEqual([
      'DisableAlarmActions',
      'StartDeployment',
      'GetDeployment',
      'ListDeployments',
      'EnableAlarmActions',
      'ListDeployments',
    ]);
  });

  it('keeps the original error when restoring the actions fails too', async () => {
    appconfig.on(StartDeploymentCommand).rejects(new Error('start failed'));
    appconfig.on(ListDeploymentsCommand).rejects(new Error('list failed'));
    await expect(deployments().deployOff('x', 'rollback guard')).rejects.toThrow('start failed');
  });

  it('starts nothing when the alarm actions cannot be paused (AppConfig would undo the kill switch)', async () => {
    recordAppConfig(['COMPLETE']);
    cloudwatch.on(DisableAlarmActionsCommand).rejects(new Error('AccessDenied'));
    await expect(deployments().deployOff('x', 'rollback guard')).rejects.toThrow('AccessDenied');
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });

  it('gives up waiting after the timeout and returns the deployment as last seen, its actions still paused', async () => {
    recordAppConfig(['DEPLOYING'], [OFF_IN_FLIGHT]);
    const off = await deployments({ offDeployTimeoutMs: 0 }).deployOff('x', 'rollback guard');
    expect(off.state).toBe('DEPLOYING');
    expect(off.alarmActionsPaused).toBe(true);
    // Still in flight: the alarm's actions stay paused, or AppConfig would roll the kill switch back.
    expect(calls).toEqual([
      'DisableAlarmActions',
      'StartDeployment',
      'GetDeployment',
      'ListDeployments',
      'GetDeployment',
    ]);
  });

  // Regression: restoring the actions while the off deployment was in flight let AppConfig undo it.
  it('does not restore the alarm actions while the off deployment is still in flight', async () => {
    recordAppConfig(['BAKING'], [summary({ DeploymentNumber: 21, ConfigurationVersion: '1', State: 'BAKING' })]);
    const off = await deployments({ offDeployTimeoutMs: 0 })
      .deployOff('x', 'rollback guard')
      .catch(() => undefined);
    const stillInFlight = off !== undefined && ['DEPLOYING', 'BAKING', 'VALIDATING'].includes(off.state);
    const reEnabled = calls.includes('EnableAlarmActions');
    expect({ stillInFlight, reEnabled }).not.toEqual({ stillInFlight: true, reEnabled: true });
  });
});

describe('FlagDeployments.restoreAlarmActions', () => {
  it('pauses them again when an off deployment started between its read and its enable', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .resolvesOnce({ Items: [summary({ DeploymentNumber: 5, ConfigurationVersion: '1', State: 'COMPLETE' })] })
      .resolves({ Items: [summary({ DeploymentNumber: 6, ConfigurationVersion: '1', State: 'DEPLOYING' })] });
    appconfig.on(GetDeploymentCommand).resolves({
      DeploymentNumber: 6,
      ConfigurationVersion: '1',
      State: 'DEPLOYING',
      Description: 'y [alarm actions paused by rollout rollback]',
    });
    const result = await deployments().restoreAlarmActions();
    expect(calls).toEqual(['EnableAlarmActions', 'DisableAlarmActions']);
    expect(result).toMatchObject({
      restored: false,
      heldBy: { number: 6, description: 'y [alarm actions paused by rollout rollback]' },
    });
  });

  it('enables them when the newest deployment is not an off deployment in flight', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .resolves({ Items: [summary({ DeploymentNumber: 5, ConfigurationVersion: '3', State: 'BAKING' })] });
    await expect(deployments().restoreAlarmActions()).resolves.toEqual({ restored: true });
    expect(calls).toEqual(['EnableAlarmActions']);
  });
});

describe('FlagDeployments.get', () => {
  it('reads the Description and, from the event log, when a reverted deployment was undone', async () => {
    appconfig.on(GetDeploymentCommand).resolves({
      DeploymentNumber: 4,
      ConfigurationVersion: '3',
      State: 'REVERTED',
      CompletedAt: new Date('2026-11-20T00:00:00Z'),
      Description: 'rollout advance: smoke → canary',
      EventLog: [
        { EventType: 'REVERT_COMPLETED', TriggeredBy: 'USER', OccurredAt: new Date('2026-11-22T00:00:00Z') },
        { EventType: 'DEPLOYMENT_COMPLETED', TriggeredBy: 'APPCONFIG', OccurredAt: new Date('2026-11-20T00:00:00Z') },
      ],
    });
    const d = await deployments().get(4);
    expect(d).toMatchObject({
      state: 'REVERTED',
      description: 'rollout advance: smoke → canary',
      undoneAt: new Date('2026-11-22T00:00:00Z'),
    });
  });
});
