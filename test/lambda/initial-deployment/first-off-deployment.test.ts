import {
  AppConfigClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  deployOffIfNeverDeployed,
  FirstDeploymentError,
  type FirstDeploymentDeps,
  type OffDeploymentTarget,
} from '../../../lambda/initial-deployment/first-off-deployment';

const TARGET: OffDeploymentTarget = {
  applicationId: 'app1',
  environmentId: 'env1',
  profileId: 'prof1',
  offVersion: '1',
  killSwitchStrategyId: 'strat-off',
  monitorAlarmNames: ['LlmModelRollout/rollback'],
};

describe('deployOffIfNeverDeployed', () => {
  const appconfig = mockClient(AppConfigClient);
  const cloudwatch = mockClient(CloudWatchClient);
  beforeEach(() => {
    appconfig.reset();
    cloudwatch.reset();
  });
  const deps = (): FirstDeploymentDeps => ({
    appconfig: new AppConfigClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    pollMs: 1,
    sleep: async () => undefined,
  });

  // A new alarm is INSUFFICIENT_DATA, and AppConfig rolls back a deployment during which a
  // monitor is ALARM or INSUFFICIENT_DATA unless its actions are disabled (AWS AppConfig User
  // Guide, "Monitoring deployments for automatic rollback").
  it("starts the off version with the kill-switch strategy, the monitors' actions paused until it completes", async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'DEPLOYING' });
    appconfig
      .on(GetDeploymentCommand)
      .resolvesOnce({ DeploymentNumber: 1, State: 'DEPLOYING' })
      .resolves({ DeploymentNumber: 1, State: 'COMPLETE' });
    const outcome = await deployOffIfNeverDeployed(deps(), TARGET);
    expect(outcome).toEqual({ kind: 'started', deploymentNumber: 1, state: 'COMPLETE' });
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toMatchObject({
      ApplicationId: 'app1',
      EnvironmentId: 'env1',
      ConfigurationProfileId: 'prof1',
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'strat-off',
    });
    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    expect(appconfig.commandCalls(GetDeploymentCommand)).toHaveLength(2);
  });

  it('fails when the off deployment is rolled back (the flag would have no live version), and still restores the alarm actions', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'DEPLOYING' });
    appconfig.on(GetDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'ROLLED_BACK' });
    await expect(deployOffIfNeverDeployed(deps(), TARGET)).rejects.toThrow(FirstDeploymentError);
    await expect(deployOffIfNeverDeployed(deps(), TARGET)).rejects.toThrow(
      /ended ROLLED_BACK, so the flag has no live version/,
    );
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)).toHaveLength(2);
  });

  it('leaves an environment that already has a deployment of the flag alone (an upgraded stack, a phase live)', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .resolves({ Items: [{ DeploymentNumber: 7, ConfigurationProfileId: 'prof1', State: 'BAKING' }] });
    const outcome = await deployOffIfNeverDeployed(deps(), TARGET);
    expect(outcome).toEqual({ kind: 'skipped', reason: expect.stringMatching(/already has deployment #7 \(BAKING\)/) });
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('reads every page of the deployment list before deciding', async () => {
    appconfig
      .on(ListDeploymentsCommand, { NextToken: undefined })
      .resolves({ Items: [{ DeploymentNumber: 2, ConfigurationProfileId: 'other-profile' }], NextToken: 'p2' });
    appconfig
      .on(ListDeploymentsCommand, { NextToken: 'p2' })
      .resolves({ Items: [{ DeploymentNumber: 1, ConfigurationProfileId: 'prof1', State: 'COMPLETE' }] });
    const outcome = await deployOffIfNeverDeployed(deps(), TARGET);
    expect(outcome.kind).toBe('skipped');
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  });
});

describe('initial deployment handler (CloudFormation custom resource)', () => {
  const appconfig = mockClient(AppConfigClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const props = {
    ServiceToken: 'x',
    ApplicationId: 'app1',
    EnvironmentId: 'env1',
    ProfileId: 'prof1',
    OffVersion: '3',
    KillSwitchStrategyId: 'strat-off',
    MonitorAlarmNames: ['LlmModelRollout/rollback'],
  };
  const base = {
    ServiceToken: 'x',
    ResponseURL: 'https://example.invalid',
    StackId: 's',
    RequestId: 'r',
    LogicalResourceId: 'l',
    ResourceType: 'Custom::RolloutInitialOffDeployment',
  };
  beforeEach(() => {
    appconfig.reset();
    cloudwatch.reset();
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const load = async (): Promise<typeof import('../../../lambda/initial-deployment/handler')> =>
    import('../../../lambda/initial-deployment/handler');

  it('on Create starts the flag at off and keeps one physical id', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'COMPLETE' });
    const { handler } = await load();
    const event = { ...base, RequestType: 'Create', ResourceProperties: props } as CloudFormationCustomResourceEvent;
    await expect(handler(event)).resolves.toEqual({
      PhysicalResourceId: 'rollout-initial-off-deployment',
      Data: { Outcome: 'started' },
    });
  });

  it.each(['Update', 'Delete'] as const)(
    'on %s calls nothing: cdk deploy and stack deletion never touch the live phase',
    async (requestType) => {
      const { handler } = await load();
      const event = {
        ...base,
        RequestType: requestType,
        PhysicalResourceId: 'rollout-initial-off-deployment',
        ResourceProperties: { ...props, OffVersion: '9' },
        OldResourceProperties: props,
      } as CloudFormationCustomResourceEvent;
      await expect(handler(event)).resolves.toEqual({ PhysicalResourceId: 'rollout-initial-off-deployment' });
      expect(appconfig.calls()).toHaveLength(0);
      expect(cloudwatch.calls()).toHaveLength(0);
    },
  );

  it('refuses a Create whose properties are missing, naming the property', async () => {
    const { handler } = await load();
    const event = {
      ...base,
      RequestType: 'Create',
      ResourceProperties: { ...props, OffVersion: '' },
    } as CloudFormationCustomResourceEvent;
    await expect(handler(event)).rejects.toThrow(/Custom resource property OffVersion is missing/);
  });
});

describe('initial deployment handler timing', () => {
  const appconfig = mockClient(AppConfigClient);
  const cloudwatch = mockClient(CloudWatchClient);
  beforeEach(() => {
    appconfig.reset();
    cloudwatch.reset();
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  // A function killed at its timeout skips `finally`: the monitors' actions would stay disabled.
  it('stops waiting with a minute to spare, and still re-enables the alarm actions', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'DEPLOYING' });
    appconfig.on(GetDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'DEPLOYING' });
    const { handler } = await import('../../../lambda/initial-deployment/handler');
    const event = {
      ServiceToken: 'x',
      ResponseURL: 'https://example.invalid',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'l',
      ResourceType: 'Custom::RolloutInitialOffDeployment',
      RequestType: 'Create',
      ResourceProperties: {
        ServiceToken: 'x',
        ApplicationId: 'app1',
        EnvironmentId: 'env1',
        ProfileId: 'prof1',
        OffVersion: '3',
        KillSwitchStrategyId: 's',
        MonitorAlarmNames: ['a/rollback'],
      },
    } as CloudFormationCustomResourceEvent;
    const started = Date.now();
    await expect(handler(event, { getRemainingTimeInMillis: () => 60_500 })).rejects.toThrow(/ended DEPLOYING/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)).toHaveLength(1);
  });
});
