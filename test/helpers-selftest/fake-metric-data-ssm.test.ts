import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { FakeSsm } from '../helpers/fake-aws/fake-ssm';
import { shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';

const NOW = new Date('2026-11-25T12:00:00Z');
const T0 = Date.parse('2026-11-25T11:00:00Z');
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const DIMS = { Model: 'new', Route: 'rollout' };

let world: ShippedRollout;
let ssm: FakeSsm;
let fake: FakeAws;
let cloudwatch: CloudWatchClient;
let ssmClient: SSMClient;

beforeEach(async () => {
  world = shippedRollout(new Date(NOW.getTime() - 3_600_000));
  ssm = new FakeSsm().seed('/Stack/judge/window-reset', '{}', NOW);
  fake = await startFakeAws({ ...world, ssm, now: () => NOW });
  const options = { region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 };
  cloudwatch = new CloudWatchClient(options);
  ssmClient = new SSMClient(options);
});

afterEach(async () => {
  cloudwatch.destroy();
  ssmClient.destroy();
  await fake.close();
});

function latency(stat: string, id = 'q'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'Ns',
        MetricName: 'Latency',
        Dimensions: Object.entries(DIMS).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: 60,
      Stat: stat,
    },
  };
}

async function get(queries: MetricDataQuery[], extra: Record<string, unknown> = {}) {
  return cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 10 * 60_000),
      ...extra,
    }),
  );
}

describe('fake CloudWatch GetMetricData', () => {
  beforeEach(() => {
    const key = { namespace: 'Ns', metricName: 'Latency', dimensions: DIMS };
    world.cloudwatch.metrics.put(key, new Date(T0 + 5_000), [5_000, 10_000, 10_001, 20_000]);
    world.cloudwatch.metrics.put(key, new Date(T0 + 3 * 60_000), [100]);
  });

  it('computes TC and PR with absolute bounds from the raw values (lower bound exclusive, upper inclusive)', async () => {
    const out = await get([latency('TC(10000:)', 'tc'), latency('PR(:10000)', 'pr'), latency('SampleCount', 'n')], {
      ScanBy: 'TimestampAscending',
    });
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(byId).toEqual({ tc: [2, 0], pr: [50, 100], n: [4, 1] });
  });

  it('leaves out periods without data, stamps periods with their start, and answers newest first by default', async () => {
    const out = await get([latency('Sum')]);
    const [result] = out.MetricDataResults ?? [];
    expect(result?.Timestamps).toEqual([new Date(T0 + 3 * 60_000), new Date(T0)]);
    expect(result?.StatusCode).toBe('Complete');
    expect(result?.Label).toBe('Latency');
  });

  it('matches only the exact dimension set a value was published with', async () => {
    world.cloudwatch.metrics.ingestEmf({
      _aws: {
        Timestamp: T0 + 1_000,
        CloudWatchMetrics: [
          { Namespace: 'Ns', Dimensions: [['Model'], ['Model', 'Route']], Metrics: [{ Name: 'Requests' }] },
        ],
      },
      Model: 'new',
      Route: 'rollout',
      Requests: 1,
    });
    const query = (dims: Record<string, string>): MetricDataQuery => ({
      Id: 'r',
      MetricStat: {
        Metric: {
          Namespace: 'Ns',
          MetricName: 'Requests',
          Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    for (const dims of [{ Model: 'new' }, DIMS]) {
      const out = await get([query(dims)]);
      expect(out.MetricDataResults?.[0]?.Values).toEqual([1]);
    }
    const none = await get([query({ Route: 'rollout' })]);
    expect(none.MetricDataResults?.[0]?.Values).toEqual([]);
  });

  it('refuses a statistic CloudWatch does not know, and more than 500 queries, with its errors', async () => {
    // The fake answers the Query code ValidationError; the SDK names what it parses from it.
    await expect(get([latency('Avg')])).rejects.toMatchObject({
      name: expect.stringMatching(/^Validation(Error|Exception)$/) as unknown,
      message: 'The value Avg for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.',
    });
    const many = Array.from({ length: 501 }, (_, i) => latency('Sum', `q${i}`));
    await expect(get(many)).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(get([latency('Sum', 'a'), latency('Sum', 'a')])).rejects.toMatchObject({
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(get([latency('Sum', 'Upper')])).rejects.toMatchObject({
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(get([latency('Sum')], { NextToken: 'bogus' })).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('pages past MaxDatapoints with PartialData and a NextToken', async () => {
    const first = await get([latency('Sum')], { MaxDatapoints: 1, ScanBy: 'TimestampAscending' });
    expect(first.MetricDataResults?.[0]).toMatchObject({ Values: [45_001], StatusCode: 'PartialData' });
    const second = await get([latency('Sum')], {
      MaxDatapoints: 1,
      ScanBy: 'TimestampAscending',
      NextToken: first.NextToken,
    });
    expect(second.MetricDataResults?.[0]).toMatchObject({ Values: [100], StatusCode: 'Complete' });
    expect(second.NextToken).toBeUndefined();
  });
});

describe('fake SSM', () => {
  const name = '/Stack/judge/window-reset';

  it('reads a parameter, and answers ParameterNotFound for a missing one', async () => {
    const out = await ssmClient.send(new GetParameterCommand({ Name: name }));
    expect(out.Parameter).toMatchObject({ Name: name, Value: '{}', Version: 1, Type: 'String' });
    await expect(ssmClient.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('refuses to replace a parameter without Overwrite, and replaces it with Overwrite', async () => {
    await expect(ssmClient.send(new PutParameterCommand({ Name: name, Value: 'x' }))).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
    });
    const out = await ssmClient.send(new PutParameterCommand({ Name: name, Value: 'x', Overwrite: true }));
    expect(out.Version).toBe(2);
    expect(ssm.valueOf(name)).toBe('x');
  });

  it('needs a Type to create a parameter, Overwrite or not', async () => {
    await expect(
      ssmClient.send(new PutParameterCommand({ Name: '/new', Value: 'x', Overwrite: true })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await ssmClient.send(new PutParameterCommand({ Name: '/new', Value: 'x', Type: 'String' }));
    expect(ssm.versionOf('/new')).toBe(1);
  });
});
