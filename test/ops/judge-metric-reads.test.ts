import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { JudgeMetricReadError } from '../../lib/ops/judge-metric-errors';
import {
  judgeSeries,
  MAX_DATAPOINTS_PER_CALL,
  MAX_QUERIES_PER_CALL,
  modelMinute,
  readJudgeMinutes,
  SETTLE_MINUTES,
  type JudgeMetricTarget,
} from '../../lib/ops/judge-metric-reads';
import { CLOUDWATCH_INTERNAL_FAILURE } from '../helpers/fake-aws/error-replies';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';

const NOW = new Date('2026-11-25T12:00:30Z');
const MINUTE = 60_000;
const NOW_MINUTE = Date.parse('2026-11-25T12:00:00Z');
const TARGET: JudgeMetricTarget = { namespace: 'LlmRollout', newModel: 'new', defaultModel: 'old', slowCallMs: 10_000 };

let world: ShippedRollout;
let fake: FakeAws;
let cloudwatch: CloudWatchClient;

beforeEach(async () => {
  world = shippedRollout(new Date(NOW.getTime() - 400 * 3_600_000));
  fake = await startFakeAws({ ...world, now: () => NOW });
  cloudwatch = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  cloudwatch.destroy();
  await fake.close();
});

/** Values of one gateway metric for `model` at `atMs`, on the dimension set the judge reads. */
function put(model: string, metric: string, atMs: number, values: number[], route = 'rollout'): void {
  world.cloudwatch.metrics.put(
    { namespace: TARGET.namespace, metricName: metric, dimensions: { Model: model, Route: route } },
    new Date(atMs),
    values,
  );
}

/** `calls` calls of `model` in the minute starting at `minuteMs`, with their latencies. */
function calls(model: string, minuteMs: number, latencies: number[], errors = 0, throttles = 0): void {
  const at = minuteMs + 1_000;
  put(
    model,
    'Requests',
    at,
    latencies.map(() => 1),
  );
  put(
    model,
    'ModelErrors',
    at,
    latencies.map((_, i) => (i < errors ? 1 : 0)),
  );
  put(
    model,
    'Throttles',
    at,
    latencies.map((_, i) => (i >= errors && i < errors + throttles ? 1 : 0)),
  );
  put(model, 'Latency', at, latencies);
}

describe('readJudgeMinutes', () => {
  it('maps each minute of both models, zeros where CloudWatch has no datapoint, leaving out other routes', async () => {
    const m1 = NOW_MINUTE - 10 * MINUTE;
    const m2 = NOW_MINUTE - 8 * MINUTE;
    calls('new', m1, [500, 12_000, 10_000, 30_000], 1, 1);
    put('new', 'CircuitOpen', m1 + 2_000, [1, 1]);
    // The gateway counts 0 on every new-model call and 1 on a refusal the default model answered.
    put('new', 'IncompatibleRequests', m1 + 1_000, [0, 0, 0, 0, 1]);
    // The [Model, ErrorType] set is the same counts split by error type: never read.
    world.cloudwatch.metrics.put(
      {
        namespace: TARGET.namespace,
        metricName: 'IncompatibleRequests',
        dimensions: { Model: 'new', ErrorType: 'invalid_request_error' },
      },
      new Date(m1 + 1_000),
      [1],
    );
    put('new', 'ModerationFlags', m1 + 2_000, [0, 1, 0]);
    calls('old', m1, [800, 900]);
    calls('old', m2, [20_000], 1);
    // Direct calls, and the [Model]-only set, are not the rollout's: never read.
    put('new', 'ModelErrors', m2, [1, 1, 1], 'direct');
    world.cloudwatch.metrics.put(
      { namespace: TARGET.namespace, metricName: 'ModelErrors', dimensions: { Model: 'new' } },
      new Date(m2),
      [1, 1],
    );

    const read = await readJudgeMinutes(cloudwatch, TARGET, m1 - 30_000, NOW.getTime());

    expect(read.fromMs).toBe(m1);
    expect(read.toMs).toBe(NOW_MINUTE - SETTLE_MINUTES * MINUTE);
    expect(read.minutes.map((m) => m.minuteStartMs)).toEqual(Array.from({ length: 7 }, (_, i) => m1 + i * MINUTE));
    expect(read.minutes[0]).toEqual({
      minuteStartMs: m1,
      newModel: {
        requests: 4,
        modelErrors: 1,
        throttles: 1,
        circuitOpen: 2,
        incompatibleRequests: 1,
        moderationChecked: 3,
        moderationFlags: 1,
        latencySamples: 4,
        slowCalls: 2,
      },
      defaultModel: {
        requests: 2,
        modelErrors: 0,
        throttles: 0,
        moderationChecked: 0,
        moderationFlags: 0,
        latencySamples: 2,
        slowCalls: 0,
      },
    });
    const zero = {
      requests: 0,
      modelErrors: 0,
      throttles: 0,
      moderationChecked: 0,
      moderationFlags: 0,
      latencySamples: 0,
      slowCalls: 0,
    };
    expect(read.minutes[1]).toEqual({
      minuteStartMs: m1 + MINUTE,
      newModel: { ...zero, circuitOpen: 0, incompatibleRequests: 0 },
      defaultModel: zero,
    });
    expect(read.minutes[2]?.newModel.modelErrors).toBe(0);
    expect(read.minutes[2]?.defaultModel).toEqual({
      ...zero,
      requests: 1,
      modelErrors: 1,
      latencySamples: 1,
      slowCalls: 1,
    });
    expect(read).toMatchObject({ calls: 1, queries: 16, clippedToRetention: false });
  });

  it('asks for MetricStat queries only, Period 60, on {Model, Route: rollout}, oldest first, with the slow calls as TC(slowCallMs:)', async () => {
    await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 60 * MINUTE, NOW.getTime());
    const [request] = fake.requests.filter((r) => r.operation === 'GetMetricData');
    const input = request?.input as {
      MetricDataQueries: Array<{
        Id: string;
        Expression?: string;
        MetricStat: { Metric: { MetricName: string; Dimensions: unknown }; Period: number; Stat: string };
      }>;
      ScanBy: string;
    };
    expect(input.ScanBy).toBe('TimestampAscending');
    expect(input.MetricDataQueries.every((q) => q.Expression === undefined && q.MetricStat.Period === 60)).toBe(true);
    const slow = input.MetricDataQueries.find((q) => q.Id === 'n_slow_calls');
    expect(slow?.MetricStat).toEqual({
      Metric: {
        Namespace: 'LlmRollout',
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'Model', Value: 'new' },
          { Name: 'Route', Value: 'rollout' },
        ],
      },
      Period: 60,
      Stat: 'TC(10000:)',
    });
    expect(
      input.MetricDataQueries.map((q) => `${q.Id}:${q.MetricStat.Metric.MetricName}:${q.MetricStat.Stat}`),
    ).toEqual([
      'n_requests:Requests:Sum',
      'n_model_errors:ModelErrors:Sum',
      'n_throttles:Throttles:Sum',
      'n_moderation_checked:ModerationFlags:SampleCount',
      'n_moderation_flags:ModerationFlags:Sum',
      'n_latency_samples:Latency:SampleCount',
      'n_slow_calls:Latency:TC(10000:)',
      'n_circuit_open:CircuitOpen:Sum',
      'n_incompatible_requests:IncompatibleRequests:Sum',
      'd_requests:Requests:Sum',
      'd_model_errors:ModelErrors:Sum',
      'd_throttles:Throttles:Sum',
      'd_moderation_checked:ModerationFlags:SampleCount',
      'd_moderation_flags:ModerationFlags:Sum',
      'd_latency_samples:Latency:SampleCount',
      'd_slow_calls:Latency:TC(10000:)',
    ]);
  });

  it('leaves out the minute the window starts inside and the minutes still settling', async () => {
    for (let m = NOW_MINUTE - 8 * MINUTE; m <= NOW_MINUTE; m += MINUTE) calls('new', m, [100]);
    const read = await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 8 * MINUTE + 1, NOW.getTime());
    // 11:52 holds the start; 11:57, 11:58, 11:59 closed less than 3 minutes ago; 12:00 is open.
    expect(read.minutes.map((m) => new Date(m.minuteStartMs).toISOString().slice(11, 16))).toEqual([
      '11:53',
      '11:54',
      '11:55',
      '11:56',
    ]);
    expect(read.minutes.every((m) => m.newModel.requests === 1)).toBe(true);
  });

  it('makes no call when no minute has settled since the window start', async () => {
    const read = await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 2 * MINUTE, NOW.getTime());
    expect(read).toMatchObject({ minutes: [], calls: 0, queries: 0 });
    expect(fake.count('GetMetricData')).toBe(0);
  });

  it('pages on with NextToken when CloudWatch answers PartialData, to the same minutes', async () => {
    for (let m = NOW_MINUTE - 30 * MINUTE; m < NOW_MINUTE; m += MINUTE) calls('new', m, [100, 20_000], 1);
    const whole = await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 30 * MINUTE, NOW.getTime());
    world.cloudwatch.metrics.pageLimit = 7;
    const paged = await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 30 * MINUTE, NOW.getTime());
    // 27 minutes × 5 new-model series with data (requests, errors, throttles, samples, slow) = 135 datapoints, 7 a page.
    expect(paged.calls).toBe(Math.ceil((27 * 5) / 7));
    expect(paged.minutes).toEqual(whole.minutes);
    const tokens = fake.requests.filter((r) => r.operation === 'GetMetricData').map((r) => r.input.NextToken);
    expect(tokens.filter((t) => t !== undefined)).toHaveLength(paged.calls - 1);
  });

  it('splits a 7-day window into several GetMetricData calls, each within the limits', async () => {
    const start = NOW_MINUTE - 7 * 24 * 60 * MINUTE;
    calls('new', start, [100]);
    calls('old', NOW_MINUTE - 4 * MINUTE, [100, 100]);
    const read = await readJudgeMinutes(cloudwatch, TARGET, start, NOW.getTime());

    const requests = fake.requests.filter((r) => r.operation === 'GetMetricData');
    expect(requests.length).toBe(read.calls);
    let expectedStart = start / 1000;
    for (const r of requests) {
      const queries = (r.input.MetricDataQueries as unknown[]).length;
      const minutes = ((r.input.EndTime as number) - (r.input.StartTime as number)) / 60;
      expect(queries).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
      expect(queries * minutes).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
      expect(r.input.NextToken).toBeUndefined();
      expect(r.status).toBe(200);
      // Consecutive calls cover the window without a gap or an overlap.
      expect(r.input.StartTime).toBe(expectedStart);
      expectedStart = r.input.EndTime as number;
    }
    expect(expectedStart * 1000).toBe(read.toMs);
    expect(read.minutes).toHaveLength(7 * 24 * 60 - SETTLE_MINUTES);
    expect(read.minutes[0]?.newModel.requests).toBe(1);
    expect(read.minutes.at(-1)?.defaultModel.requests).toBe(2);
    // 16 series: 6,300 minutes a call (100,800 datapoints), so the 10,077 settled minutes take 2.
    expect(read.calls).toBe(2);
    expect(read.queries).toBe(16 * read.calls);
  });

  it('reads a window older than one-minute retention from the retention edge on, and says so', async () => {
    const read = await readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 20 * 24 * 60 * MINUTE, NOW.getTime());
    expect(read.clippedToRetention).toBe(true);
    expect(read.fromMs).toBe(NOW_MINUTE - 15 * 24 * 60 * MINUTE + 2 * MINUTE);
    for (const r of fake.requests.filter((x) => x.operation === 'GetMetricData'))
      expect((r.input.StartTime as number) * 1000).toBeGreaterThanOrEqual(NOW.getTime() - 15 * 24 * 3_600_000);
  });

  it('throws JudgeMetricReadError when a result is not complete (InternalError)', async () => {
    world.cloudwatch.metrics.nextResultStatus = 'InternalError';
    await expect(readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 30 * MINUTE, NOW.getTime())).rejects.toThrow(
      JudgeMetricReadError,
    );
  });

  it('throws on a result CloudWatch refused (Forbidden), naming it', async () => {
    world.cloudwatch.metrics.nextResultStatus = 'Forbidden';
    await expect(readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 30 * MINUTE, NOW.getTime())).rejects.toThrow(
      /answered Forbidden for n_requests/,
    );
  });

  it("propagates CloudWatch's failures (after the SDK's retries)", async () => {
    fake.fail('GetMetricData', CLOUDWATCH_INTERNAL_FAILURE);
    await expect(readJudgeMinutes(cloudwatch, TARGET, NOW_MINUTE - 30 * MINUTE, NOW.getTime())).rejects.toMatchObject({
      name: 'InternalFailure',
    });
  });
});

describe('modelMinute', () => {
  const series = judgeSeries(TARGET);
  it('rounds the decimal TC CloudWatch may answer and keeps the slow calls within the latency samples', () => {
    const values: Record<string, number> = { n_requests: 10, n_latency_samples: 10, n_slow_calls: 2.6 };
    expect(modelMinute(series, 'newModel', (id) => values[id] ?? 0).slowCalls).toBe(3);
    values.n_slow_calls = 10.4;
    expect(modelMinute(series, 'newModel', (id) => values[id] ?? 0).slowCalls).toBe(10);
    values.n_slow_calls = 11.2;
    expect(modelMinute(series, 'newModel', (id) => values[id] ?? 0).slowCalls).toBe(10);
  });

  it('gives circuitOpen and incompatibleRequests to the new model only', () => {
    expect(modelMinute(series, 'newModel', () => 0)).toMatchObject({ circuitOpen: 0, incompatibleRequests: 0 });
    expect(modelMinute(series, 'defaultModel', () => 0)).not.toHaveProperty('circuitOpen');
    expect(modelMinute(series, 'defaultModel', () => 0)).not.toHaveProperty('incompatibleRequests');
  });
});
