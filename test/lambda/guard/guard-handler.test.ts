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

interface AlarmStateChange {
  alarmName: string;
  state: { value: string; reason?: string };
}
type AlarmEvent = EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>;
type Handler = (event: AlarmEvent) => Promise<{ step: string; summary: string }>;

const ALARM = 'LlmModelRollout/rollback';
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
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => { chunks.push(chunk.toString()); return true; });
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
  it('on ALARM stops the in-flight deployment and pages what it did through SNS', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [{ ConfigurationProfileId: 'prof789', DeploymentNumber: 8, ConfigurationVersion: '4', VersionLabel: 'phase-2', State: 'BAKING' }],
    });
    appconfig.on(StopDeploymentCommand).resolves({});
    const out = captureOutput();
    const result = await handler(alarmEvent('ALARM')).finally(out.restore);

    expect(result.step).toBe('stop');
    expect(result.summary).toMatch(/^Stopped deployment #8 \(version 4, phase-2\)/);
    expect(appconfig.commandCalls(ListDeploymentsCommand)[0]!.args[0].input).toMatchObject({ ApplicationId: 'app123', EnvironmentId: 'env456' });
    expect(appconfig.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ ApplicationId: 'app123', EnvironmentId: 'env456', DeploymentNumber: 8 }]);

    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const input = published[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(`Rollback guard: stop after ${ALARM}`);
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Message).toMatch(/^Stopped deployment #8 \(version 4, phase-2\): AppConfig rolls it back/);
    expect(input.Message).toMatch(/npx rollout status/);
    expect(out.text()).toMatch(/rollback guard acted/);
  });

  it('on ALARM after the revert window deploys the off version with the ids from its environment', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({
      Items: [{ ConfigurationProfileId: 'prof789', DeploymentNumber: 8, ConfigurationVersion: '4', State: 'COMPLETE', CompletedAt: new Date(Date.now() - 100 * 3_600_000) }],
    });
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 9 });
    appconfig.on(GetDeploymentCommand).resolves({ DeploymentNumber: 9, ConfigurationVersion: '1', VersionLabel: 'off', State: 'COMPLETE' });
    cloudwatch.on(DisableAlarmActionsCommand).resolves({});
    cloudwatch.on(EnableAlarmActionsCommand).resolves({});
    const out = captureOutput();
    const result = await handler(alarmEvent('ALARM')).finally(out.restore);

    expect(result.step).toBe('deploy-off');
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toMatchObject({
      ApplicationId: 'app123', EnvironmentId: 'env456', ConfigurationProfileId: 'prof789', ConfigurationVersion: '1', DeploymentStrategyId: 'strat-off',
    });
    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: [ALARM] });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({ AlarmNames: [ALARM] });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.Subject).toBe(`Rollback guard: deploy-off after ${ALARM}`);
    expect(input.Message).toMatch(/^Deployed the off version all at once as deployment #9 \(version 1, off\), now COMPLETE/);
  });

  it('keeps the SNS subject within 100 characters for a long alarm name', async () => {
    appconfig.on(ListDeploymentsCommand).resolves({ Items: [] });
    const out = captureOutput();
    await handler(alarmEvent('ALARM', `LlmModelRollout/${'x'.repeat(200)}`)).finally(out.restore);
    const subject = sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject!;
    expect(subject.length).toBeGreaterThan(50);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^Rollback guard: none after LlmModelRollout\/x+$/);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores a move to %s: no AWS call at all', async (state) => {
    const out = captureOutput();
    const result = await handler(alarmEvent(state)).finally(out.restore);
    expect(result).toEqual({ step: 'ignored', summary: `alarm is ${state}` });
    expect(appconfig.calls()).toHaveLength(0);
    expect(cloudwatch.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(out.text()).toMatch(/ignored: alarm not in ALARM/);
  });

  it('rejects (so Lambda retries and then pages) and logs an error when AppConfig keeps failing', async () => {
    appconfig.on(ListDeploymentsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const out = captureOutput();
    const run = handler(alarmEvent('ALARM')).finally(out.restore);
    await expect(run).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const errorLine = out.text().split('\n').find((line) => line.includes('rollback guard failed'));
    expect(errorLine).toBeDefined();
    const entry = JSON.parse(errorLine!) as { level: string; message: string; alarmName: string; error: string };
    expect(entry.level).toBe('ERROR');
    expect(entry.alarmName).toBe(ALARM);
    expect(entry.error).toBe('ThrottlingException: Rate exceeded');
  });
});
