import type { JudgeRunSummary } from '../../../lambda/judge/run-judge';
import { judgeRuntimeSettingsFrom, type JudgeRuntimeSettings } from '../../../lib/domain/judge/judge-runtime-settings';
import { EmfMetricsPublisher } from '../../../lib/gateway/metrics';
import { CLOUDWATCH_INTERNAL_FAILURE } from '../../helpers/fake-aws/error-replies';
import { startFakeAws, type FakeAws } from '../../helpers/fake-aws/fake-aws-server';
import { FakeSsm } from '../../helpers/fake-aws/fake-ssm';
import { shippedRollout, type ShippedRollout } from '../../helpers/fake-aws/shipped-rollout';
import { shippedConfig } from '../../fixtures/config';

/**
 * The judge's handler as Lambda runs it, against the fake AWS endpoint (AppConfig, CloudWatch,
 * SSM through AWS_ENDPOINT_URL_*), on gateway metrics written by the gateway's own EMF publisher
 * and ingested by the fake as CloudWatch Logs would. What it publishes is read back from stdout.
 */
type Handler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<JudgeRunSummary>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PARAM = '/LlmModelRollout/judge/window-reset';
const settings: JudgeRuntimeSettings = judgeRuntimeSettingsFrom(shippedConfig());
const savedEnv = { ...process.env };

let world: ShippedRollout;
let fake: FakeAws;
let lambdaHandler: Handler;
/** Lambda's context for a run with `remainingMs` left of the function's timeout (120 s, the shipped config's). */
function context(remainingMs = 120_000): { getRemainingTimeInMillis(): number } {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}
/** A run scheduled `lateMs` ago, as the schedule's target input sends it. */
function scheduled(lateMs = 2_000): { scheduledTime: string; executionId: string } {
  return { scheduledTime: new Date(Date.now() - lateMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), executionId: 'e-1' };
}
/** An on-time scheduled run. */
const handler = (): ReturnType<Handler> => lambdaHandler(scheduled(), context());
/** Now, to the minute, when the suite started: every scenario's metrics are placed before it. */
let nowMinute: number;

beforeAll(async () => {
  nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  world = shippedRollout(new Date(nowMinute - 400 * HOUR));
  fake = await startFakeAws({ ...world, ssm: new FakeSsm().seed(PARAM, '{}') });
  Object.assign(process.env, {
    ROLLOUT_JUDGE_SETTINGS: JSON.stringify(settings),
    APPLICATION_ID: world.appconfig.applicationId,
    ENVIRONMENT_ID: world.appconfig.environmentId,
    PROFILE_ID: world.appconfig.profileId,
    OFF_VERSION: world.appconfig.versionOf('off'),
    WINDOW_RESET_PARAMETER: PARAM,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_APPCONFIG: fake.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: fake.url,
    AWS_ENDPOINT_URL_SSM: fake.url,
  });
  ({ handler: lambdaHandler } = await import('../../../lambda/judge/handler'));
});

afterAll(async () => {
  process.env = savedEnv;
  await fake.close();
});

beforeEach(() => world.cloudwatch.metrics.clear());

/** Captures stdout and stderr while `fn` runs; returns what it resolved to and every JSON line. */
async function captured<T>(
  fn: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((s) =>
    jest.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(chunk.toString());
      return true;
    }),
  );
  try {
    return { value: await fn(), lines: jsonLines(chunks) };
  } catch (error) {
    return { error, lines: jsonLines(chunks) };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

function jsonLines(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Emf {
  readonly namespace: string;
  readonly dimensions: string[][];
  readonly metrics: string[];
  readonly root: Record<string, unknown>;
}

function emfOf(lines: Record<string, unknown>[]): Emf[] {
  return lines
    .filter((l) => '_aws' in l)
    .map((root) => {
      const d = (
        root._aws as {
          CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
        }
      ).CloudWatchMetrics[0]!;
      return { namespace: d.Namespace, dimensions: d.Dimensions, metrics: d.Metrics.map((m) => m.Name), root };
    });
}

/** What a run published: JudgeVerdict per Check, and the number of heartbeats. */
function published(lines: Record<string, unknown>[]): { verdicts: Record<string, unknown>; heartbeats: number } {
  const emf = emfOf(lines);
  for (const e of emf) expect(e.namespace).toBe(settings.namespace);
  const verdicts = emf.filter((e) => e.metrics.includes('JudgeVerdict'));
  for (const v of verdicts) {
    expect(v.dimensions).toEqual([['Check']]);
    expect(v.metrics).toEqual(['JudgeVerdict']);
    expect(Object.keys(v.root).sort()).toEqual(['Check', 'JudgeVerdict', '_aws']);
  }
  const heartbeats = emf.filter((e) => e.metrics.includes('JudgeHeartbeat'));
  for (const h of heartbeats) {
    expect(h.dimensions).toEqual([[]]);
    expect(h.metrics).toEqual(['JudgeHeartbeat']);
    expect(Object.keys(h.root).sort()).toEqual(['JudgeHeartbeat', '_aws']);
    expect(h.root.JudgeHeartbeat).toBe(1);
  }
  expect(emf).toHaveLength(verdicts.length + heartbeats.length);
  return {
    verdicts: Object.fromEntries(verdicts.map((v) => [v.root.Check, v.root.JudgeVerdict])),
    heartbeats: heartbeats.length,
  };
}

type Outcome = 'ok' | 'error' | 'throttle' | 'incompatible';

/**
 * One minute of gateway traffic on the rollout route, through the gateway's EMF publisher: each
 * new-model call that fails falls back to the default model, which answers it. As the gateway
 * does, every new-model call counts IncompatibleRequests 0, and a refused one (`incompatible`)
 * counts 1 in a blob of its own with the ErrorType dimension set.
 */
async function traffic(
  minuteMs: number,
  newCalls: readonly Outcome[],
  defaultCalls: readonly Outcome[],
  latencyMs = (i: number): number => 1_000 + i * 10,
): Promise<void> {
  const publisher = new EmfMetricsPublisher(settings.namespace);
  const call = (model: string, outcome: Outcome, i: number): void => {
    publisher.publish({ model, route: 'rollout' }, [
      ['Requests', 1],
      ['Latency', latencyMs(i)],
      ['ModelErrors', outcome === 'error' ? 1 : 0],
      ['Throttles', outcome === 'throttle' ? 1 : 0],
      ...(outcome === 'ok' ? ([['ModerationFlags', 0]] as const) : []),
      ...(model === settings.newModel ? ([['IncompatibleRequests', 0]] as const) : []),
    ]);
    if (outcome === 'incompatible')
      publisher.publish({ model, route: 'rollout', extra: { name: 'ErrorType', value: 'invalid_request_error' } }, [
        ['IncompatibleRequests', 1],
      ]);
  };
  const { lines } = await captured(async () => {
    newCalls.forEach((o, i) => {
      call(settings.newModel, o, i);
      if (o !== 'ok') call(settings.defaultModel, 'ok', i);
    });
    defaultCalls.forEach((o, i) => call(settings.defaultModel, o, i));
    return Promise.resolve();
  });
  for (const doc of lines.filter((l) => '_aws' in l)) {
    // Restamped inside the minute: the publisher stamps now, the scenario is in the past.
    (doc._aws as { Timestamp: number }).Timestamp = minuteMs + 30_000;
    world.cloudwatch.metrics.ingestEmf(doc);
  }
}

/** `n` calls, every `every`-th one failing with `outcome`. */
function calls(n: number, every = 0, outcome: Outcome = 'error'): Outcome[] {
  return Array.from({ length: n }, (_, i) => (every > 0 && i % every === every - 1 ? outcome : 'ok'));
}

function deployCanary(startedHoursAgo: number): void {
  const startedAt = new Date(nowMinute - startedHoursAgo * HOUR);
  world.appconfig.addDeployment({
    version: world.appconfig.versionOf('canary'),
    strategyId: world.appconfig.strategyIdOf(`${shippedConfig().appConfig.applicationName}-canary`),
    state: 'COMPLETE',
    percentComplete: 100,
    startedAt,
    completedAt: new Date(startedAt.getTime() + HOUR / 2),
  });
}

const ALL_ZERO = {
  errorRate: 0,
  throttleRate: 0,
  refusalRate: 0,
  slowCallShare: 0,
  incompatibleRequests: 0,
  deadModel: 0,
};

describe('judge handler', () => {
  it('with nothing live, publishes the heartbeat only and logs why', async () => {
    const run = await captured(handler);
    expect(run.value).toEqual({ outcome: 'nothing-live', reason: 'the flag was never deployed' });
    expect(published(run.lines)).toEqual({ verdicts: {}, heartbeats: 1 });
    const log = run.lines.find((l) => l.message === 'judge run');
    expect(log).toMatchObject({ level: 'INFO', service: 'rollout-judge', outcome: 'nothing-live' });
  });

  describe('with canary live for two hours', () => {
    beforeAll(() => deployCanary(2));

    it('on a healthy new model, publishes 0 for every check and the heartbeat, the same on a repeated run', async () => {
      for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) await traffic(m, calls(20, 100), calls(20, 100));
      for (let i = 0; i < 2; i++) {
        const run = await captured(handler);
        expect(run.value).toMatchObject({ outcome: 'judged' });
        expect(published(run.lines)).toEqual({ verdicts: ALL_ZERO, heartbeats: 1 });
      }
    });

    it('on a new model that fails every call, publishes deadModel = 1', async () => {
      for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) {
        const dead = m >= nowMinute - 30 * MINUTE;
        await traffic(m, dead ? calls(2, 1) : calls(2), calls(30, 100));
      }
      const run = await captured(handler);
      const { verdicts, heartbeats } = published(run.lines);
      expect(verdicts.deadModel).toBe(1);
      expect(heartbeats).toBe(1);
      expect(run.value).toMatchObject({ outcome: 'judged', verdict: 'fail' });
      const log = run.lines.find((l) => l.message === 'judge run');
      expect(log).toMatchObject({
        outcome: 'judged',
        windowStartSource: 'deployment',
        deadModel: { dead: true },
        published: { deadModel: 1 },
      });
      // The log line carries counts, never request content.
      expect(JSON.stringify(log)).not.toMatch(/prompt|userId|user_id/i);
    });

    it('on a new model with ten times the default model’s error rate, publishes errorRate = 1', async () => {
      for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) await traffic(m, calls(20, 10), calls(20, 100));
      const run = await captured(handler);
      expect(published(run.lines).verdicts).toMatchObject({ errorRate: 1, throttleRate: 0, deadModel: 0 });
    });

    it('on a new model that refuses one call in ten the default model then answers, publishes incompatibleRequests = 1 and logs its counts', async () => {
      for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE)
        await traffic(m, calls(20, 10, 'incompatible'), calls(20, 100));
      const run = await captured(handler);
      expect(published(run.lines).verdicts).toEqual({ ...ALL_ZERO, incompatibleRequests: 1 });
      const log = run.lines.find((l) => l.message === 'judge run') as { incompatibleRequests?: unknown } | undefined;
      const minutes = (run.value as { minutes: { count: number } }).minutes.count;
      expect(log?.incompatibleRequests).toEqual({
        verdict: 'fail',
        boundPercent: 1,
        newModel: { events: 2 * minutes, trials: 20 * minutes },
      });
    });

    it('on a vendor-wide incident that hits both models alike, rolls nothing back', async () => {
      for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) {
        const incident = m >= nowMinute - 60 * MINUTE && m < nowMinute - 45 * MINUTE;
        await traffic(m, calls(20, incident ? 2 : 100), calls(20, incident ? 2 : 100));
      }
      const run = await captured(handler);
      expect(published(run.lines)).toEqual({ verdicts: ALL_ZERO, heartbeats: 1 });
    });

    it('skips a run that starts later than the lateness budget after its scheduled time: nothing read, nothing published', async () => {
      // Shipped interval 5 min, timeout 120 s: a run may start up to 180 s late and still end before the next.
      const before = fake.requests.length;
      const late = await captured(() => lambdaHandler(scheduled(181_000), context()));
      expect(late.value).toMatchObject({
        outcome: 'skipped-late',
        executionId: 'e-1',
        latenessBudgetSeconds: 180,
      });
      expect((late.value as { lateBySeconds: number }).lateBySeconds).toBeGreaterThanOrEqual(181);
      expect(published(late.lines)).toEqual({ verdicts: {}, heartbeats: 0 });
      expect(fake.requests.length).toBe(before);
      expect(late.lines.find((l) => l.level === 'WARN')).toMatchObject({
        message: 'judge run skipped: it started too late after its scheduled time to end before the next run',
        outcome: 'skipped-late',
      });
      // Within the budget, and invoked by hand (no scheduledTime), it runs.
      for (const event of [scheduled(170_000), {}]) {
        const run = await captured(() => lambdaHandler(event, context()));
        expect(run.value).toMatchObject({ outcome: 'judged' });
        expect(published(run.lines).heartbeats).toBe(1);
      }
    });

    it('stops at its deadline, before Lambda’s timeout, when GetMetricData hangs: names the read, publishes nothing', async () => {
      // 8 s left of the function's timeout, less the 5 s margin: a 3 s deadline for the run.
      fake.delay('GetMetricData', 10_000, 1);
      const startedAt = Date.now();
      const run = await captured(() => lambdaHandler(scheduled(), context(8_000)));
      const tookMs = Date.now() - startedAt;
      expect(run.error).toMatchObject({
        name: 'JudgeDeadlineError',
        message: expect.stringContaining('GetMetricData') as string,
      });
      expect(tookMs).toBeGreaterThanOrEqual(2_900);
      expect(tookMs).toBeLessThan(8_000 - 1_000);
      expect(published(run.lines)).toEqual({ verdicts: {}, heartbeats: 0 });
      expect(run.lines.find((l) => l.level === 'ERROR')).toMatchObject({
        message: 'judge run failed: no verdict and no heartbeat published',
        error: expect.stringMatching(/^JudgeDeadlineError: .*GetMetricData/) as string,
        deadlineMs: 3_000,
      });
    }, 15_000);

    it('when CloudWatch cannot be read, throws and publishes nothing (the heartbeat alarm pages)', async () => {
      fake.fail('GetMetricData', CLOUDWATCH_INTERNAL_FAILURE, 3);
      const run = await captured(handler);
      expect(run.error).toMatchObject({ name: 'InternalFailure' });
      expect(published(run.lines)).toEqual({ verdicts: {}, heartbeats: 0 });
      expect(run.lines.find((l) => l.level === 'ERROR')).toMatchObject({
        message: 'judge run failed: no verdict and no heartbeat published',
      });
    });
  });
});
