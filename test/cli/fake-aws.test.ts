import { AppConfigClient, ListApplicationsCommand } from '@aws-sdk/client-appconfig';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { APPCONFIG_INTERNAL_SERVER_EXCEPTION, CLOUDWATCH_SERVICE_UNAVAILABLE } from '../helpers/fake-aws/error-replies';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { shippedRollout } from '../helpers/fake-aws/shipped-rollout';

/**
 * The fake answers as AWS documents, so tests through it catch calls that only a permissive
 * mock would let pass. Checked here with the real SDK clients the CLI uses.
 */
const NOW = new Date();
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let fake: FakeAws;
let cloudwatch: CloudWatchClient;
let appconfig: AppConfigClient;

beforeEach(async () => {
  const world = shippedRollout(hoursAgo(100));
  world.cloudwatch.setState(world.rollbackAlarm, 'ALARM', hoursAgo(5)).setState(world.rollbackAlarm, 'OK', hoursAgo(4));
  world.cloudwatch.setState('LlmModelRollout/new-model-error-rate', 'ALARM', hoursAgo(5));
  fake = await startFakeAws(world);
  cloudwatch = new CloudWatchClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 });
  appconfig = new AppConfigClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 });
});
afterEach(async () => {
  cloudwatch.destroy();
  appconfig.destroy();
  await fake.close();
});

describe('fake CloudWatch', () => {
  it('DescribeAlarms without AlarmTypes returns metric alarms only', async () => {
    // CloudWatch API Reference, DescribeAlarms: AlarmTypes — "If you omit this parameter, only
    // metric alarms are returned, even if composite alarms exist in the account."
    const omitted = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'LlmModelRollout/' }));
    expect(omitted.CompositeAlarms ?? []).toEqual([]);
    expect(omitted.MetricAlarms?.map((a) => a.AlarmName)).toContain('LlmModelRollout/new-model-error-rate');
    const composite = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'LlmModelRollout/', AlarmTypes: ['CompositeAlarm'] }),
    );
    expect(composite.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['LlmModelRollout/rollback']);
    expect(composite.MetricAlarms ?? []).toEqual([]);
  });

  it("DescribeAlarmHistory without AlarmTypes returns metric alarms' history only, even for a named composite alarm", async () => {
    // CloudWatch API Reference, DescribeAlarmHistory: AlarmTypes — "If you omit this parameter,
    // only metric alarms are returned."
    const input = {
      AlarmName: 'LlmModelRollout/rollback',
      HistoryItemType: 'StateUpdate' as const,
      StartDate: hoursAgo(30),
      EndDate: NOW,
    };
    const omitted = await cloudwatch.send(new DescribeAlarmHistoryCommand(input));
    expect(omitted.AlarmHistoryItems).toEqual([]);
    const composite = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({ ...input, AlarmTypes: ['CompositeAlarm'] }),
    );
    expect(
      composite.AlarmHistoryItems?.map((h) => [
        h.AlarmType,
        h.Timestamp?.toISOString(),
        JSON.parse(h.HistoryData ?? '{}').newState.stateValue,
      ]),
    ).toEqual([
      ['CompositeAlarm', hoursAgo(4).toISOString(), 'OK'],
      ['CompositeAlarm', hoursAgo(5).toISOString(), 'ALARM'],
    ]);
    const metric = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: 'LlmModelRollout/new-model-error-rate',
        HistoryItemType: 'StateUpdate',
        StartDate: hoursAgo(30),
      }),
    );
    expect(metric.AlarmHistoryItems?.map((h) => h.AlarmType)).toEqual(['MetricAlarm']);
  });

  it('answers a fault as the SDK expects from CloudWatch: the error name, a server fault, the request id, every attempt a request', async () => {
    fake.fail('DescribeAlarms', CLOUDWATCH_SERVICE_UNAVAILABLE);
    const err: unknown = await cloudwatch.send(new DescribeAlarmsCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 2, requestId: fake.requests.at(-1)?.requestId },
    });
    expect(fake.count('DescribeAlarms')).toBe(2);
  });
});

describe('fake AppConfig', () => {
  it('answers a fault as the SDK expects from AppConfig', async () => {
    fake.fail('ListApplications', APPCONFIG_INTERNAL_SERVER_EXCEPTION, 1);
    expect((await appconfig.send(new ListApplicationsCommand({}))).Items?.map((a) => a.Name)).toEqual([
      'llm-model-rollout',
    ]);
    fake.fail('ListApplications', APPCONFIG_INTERNAL_SERVER_EXCEPTION);
    const err: unknown = await appconfig.send(new ListApplicationsCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'InternalServerException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, requestId: fake.requests.at(-1)?.requestId },
    });
  });
});
