import {
  AppConfigClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { GUARD_TIMING } from '../../../lib/domain/guard-timing';

interface AlarmStateChange {
  alarmName: string;
  state: { value: string; reason?: string };
}
type AlarmEvent = EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>;
type Handler = (
  event: AlarmEvent,
  context: { getRemainingTimeInMillis: () => number },
) => Promise<{ step: string; steps: string[]; summary: string }>;

const ALARM = 'LlmModelRollout/rollback';
/** A fresh invocation of the 300 s guard function. */
const CONTEXT = { getRemainingTimeInMillis: () => 300_000 };
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:LlmModelRollout-PageTopic';
const ENV = {
  APPLICATION_ID: 'app123',
  ENVIRONMENT_ID: 'env456',
  PROFILE_ID: 'prof789',
  OFF_VERSION: '1',
  KILL_SWITCH_STRATEGY_ID: 'strat-off',
  ROLLBACK_ALARM_NAME: ALARM,
  NOTIFY_TOPIC_ARN: TOPIC,
  AWS_REGION: 'us-east-1',
};

function alarmEvent(value: string, alarmName = ALARM): AlarmEvent {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
    detail: { alarmName, state: { value, reason: 'Threshold Crossed' } },
  };
}

const appconfig = mockClient(AppConfigClient);
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const savedEnv = { ...process.env };
let handler: Handler;

/** Captures what the function writes to stdout and stderr (Powertools Logger writes there directly). */
function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spy = (stream: NodeJS.WriteStream): jest.SpyInstance =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(chunk.toString());
      return true;
    });
  const spies = [spy(process.stdout), spy(process.stderr)];
  return { text: () => chunks.join(''), restore: () => spies.forEach((s) => s.mockRestore()) };
}

beforeAll(async () => {
  Object.assign(process.env, ENV);
  ({ handler } = (await import('../../../lambda/guard/handler')) as unknown as { handler: Handler });
});

beforeEach(() => {
  appconfig.reset();
  cloudwatch.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

afterAll(() => {
  appconfig.restore();
  cloudwatch.restore();
  sns.restore();
  process.env = savedEnv;
});

describe('guard Lambda handler', () => {
  // AWS AppConfig API Reference, StopDeployment: "This API action works only on deployments that
  // have a status of DEPLOYING, unless an AllowRevert parameter is supplied." The deployment here
  // is BAKING, so the stop carries AllowRevert (this test used to expect it without).
  it('on ALARM stops the baking deployment (AllowRevert), finds the off version live again, and pages what it did through SNS', async () => {
    const off = {
      ConfigurationProfileId: 'prof789',
      DeploymentNumber: 7,
      ConfigurationVersion: '1',
      State: 'COMPLETE' as const,
    };
    appconfig
      .on(ListDeploymentsCommand)
      .resolvesOnce({
        Items: [
          {
            ConfigurationProfileId: 'prof789',
            DeploymentNumber: 8,
            ConfigurationVersion: '4',
            VersionLabel: 'phase-2',
            State: 'BAKING',
          },
          off,
        ],
      })
      .resolves({
        Items: [
          {
            ConfigurationProfileId: 'prof789',
            DeploymentNumber: 8,
            ConfigurationVersion: '4',
            VersionLabel: 'phase-2',
            State: 'ROLLED_BACK',
          },
          off,
        ],
      });
    appconfig.on(StopDeploymentCommand).resolves({});
    appconfig
      .on(GetDeploymentCommand)
      .resolves({ DeploymentNumber: 8, ConfigurationVersion: '4', VersionLabel: 'phase-2', State: 'ROLLED_BACK' });
    const out = captureOutput();
    const result = await handler(alarmEvent('ALARM'), CONTEXT).finally(out.restore);

    expect(result.steps).toEqual(['stop']);
    expect(result.summary).toMatch(/^Stopped deployment #8 \(version 4, phase-2\)/);
    expect(appconfig.commandCalls(ListDeploymentsCommand)[0]!.args[0].input).toMatchObject({
      ApplicationId: 'app123',
      EnvironmentId: 'env456',
    });
    expect(appconfig.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { ApplicationId: 'app123', EnvironmentId: 'env456', DeploymentNumber: 8, AllowRevert: true },
    ]);

    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const input = published[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(`Rollback guard: stop after ${ALARM}`);
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Message).toMatch(
      /^Stopped deployment #8 \(version 4, phase-2\) \(with AllowRevert: it was past DEPLOYING\): AppConfig rolls it back/,
    );
    expect(input.Message).toMatch(/npx rollout status/);
    expect(out.text()).toMatch(/rollback guard acted/);
  });

  it('on ALARM after the revert window deploys the off version with the ids from its environment', async () => {
    const phase = {
      ConfigurationProfileId: 'prof789',
      DeploymentNumber: 8,
      ConfigurationVersion: '4',
      State: 'COMPLETE' as const,
      CompletedAt: new Date(Date.now() - 100 * 3_600_000),
    };
    const smoke = {
      ConfigurationProfileId: 'prof789',
      DeploymentNumber: 7,
      ConfigurationVersion: '2',
      State: 'COMPLETE' as const,
      CompletedAt: new Date(Date.now() - 200 * 3_600_000),
    };
    appconfig
      .on(ListDeploymentsCommand)
      .resolvesOnce({ Items: [phase, smoke] })
      .resolves({
        Items: [
          { ConfigurationProfileId: 'prof789', DeploymentNumber: 9, ConfigurationVersion: '1', State: 'COMPLETE' },
          phase,
          smoke,
        ],
      });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 9 });
    appconfig
      .on(GetDeploymentCommand)
      .resolves({ DeploymentNumber: 9, ConfigurationVersion: '1', VersionLabel: 'off', State: 'COMPLETE' });
    cloudwatch.on(DisableAlarmActionsCommand).resolves({});
    cloudwatch.on(EnableAlarmActionsCommand).resolves({});
    const out = captureOutput();
    const result = await handler(alarmEvent('ALARM'), CONTEXT).finally(out.restore);

    expect(result.step).toBe('deploy-off');
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toMatchObject({
      ApplicationId: 'app123',
      EnvironmentId: 'env456',
      ConfigurationProfileId: 'prof789',
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'strat-off',
    });
    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: [ALARM] });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: [ALARM] });
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input.Description).toBe(
      `rollback guard: ${ALARM} in ALARM [alarm actions paused by rollback guard]`,
    );
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.Subject).toBe(`Rollback guard: deploy-off after ${ALARM}`);
    expect(input.Message).toMatch(
      /^Deployed the off version all at once as deployment #9 \(version 1, off\), now COMPLETE/,
    );
  });

  it('keeps the SNS subject within 100 characters for a long alarm name', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    const out = captureOutput();
    await handler(alarmEvent('ALARM', `LlmModelRollout/${'x'.repeat(200)}`), CONTEXT).finally(out.restore);
    const subject = sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject!;
    expect(subject.length).toBeGreaterThan(50);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^Rollback guard: none after LlmModelRollout\/x+$/);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores a move to %s: no AWS call at all', async (state) => {
    const out = captureOutput();
    const result = await handler(alarmEvent(state), CONTEXT).finally(out.restore);
    expect(result).toEqual({ step: 'ignored', steps: [], summary: `alarm is ${state}` });
    expect(appconfig.calls()).toHaveLength(0);
    expect(cloudwatch.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(out.text()).toMatch(/ignored: alarm not in ALARM/);
  });

  it('rejects (so Lambda retries and then pages) and logs an error when AppConfig keeps failing', async () => {
    appconfig
      .on(ListDeploymentsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const out = captureOutput();
    const run = handler(alarmEvent('ALARM'), CONTEXT).finally(out.restore);
    await expect(run).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const errorLine = out
      .text()
      .split('\n')
      .find((line) => line.includes('rollback guard failed'));
    expect(errorLine).toBeDefined();
    const entry = JSON.parse(errorLine!) as { level: string; message: string; alarmName: string; error: string };
    expect(entry.level).toBe('ERROR');
    expect(entry.alarmName).toBe(ALARM);
    expect(entry.error).toBe('ThrottlingException: Rate exceeded');
  });

  it('works to a deadline of the invocation’s remaining time less the margin: with none left it throws at once, acting on nothing', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [
        { ConfigurationProfileId: 'prof789', DeploymentNumber: 8, ConfigurationVersion: '4', State: 'DEPLOYING' },
      ],
    });
    const out = captureOutput();
    const run = handler(alarmEvent('ALARM'), { getRemainingTimeInMillis: () => GUARD_TIMING.marginMs }).finally(
      out.restore,
    );
    await expect(run).rejects.toMatchObject({ name: 'GuardNotSettledError' });
    expect(appconfig.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(out.text()).toMatch(/rollback guard failed: the flag may still be on/);
  });

  it('gives up at the deadline while a rollback is still settling, so that Lambda retries', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [
        { ConfigurationProfileId: 'prof789', DeploymentNumber: 8, ConfigurationVersion: '4', State: 'ROLLING_BACK' },
      ],
    });
    appconfig
      .on(GetDeploymentCommand)
      .resolves({ DeploymentNumber: 8, ConfigurationVersion: '4', State: 'ROLLING_BACK' });
    const out = captureOutput();
    const started = Date.now();
    const run = handler(alarmEvent('ALARM'), { getRemainingTimeInMillis: () => GUARD_TIMING.marginMs + 300 }).finally(
      out.restore,
    );
    await expect(run).rejects.toMatchObject({ name: 'GuardNotSettledError' });
    expect(Date.now() - started).toBeLessThan(GUARD_TIMING.pollIntervalMs);
  });
});
