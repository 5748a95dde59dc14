import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { judgeRuntimeSettingsFrom, type JudgeRuntimeSettings } from '../../lib/domain/judge/judge-runtime-settings';
import { workBudgetMs } from '../../lib/domain/guard-timing';
import { EmfMetricsPublisher } from '../../lib/gateway/metrics';
import { FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { RollbackGuard } from '../../lambda/guard/rollback-guard';
import { shippedConfig } from '../fixtures/config';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { FakeClock } from '../helpers/fake-aws/fake-clock';
import { FakeSsm } from '../helpers/fake-aws/fake-ssm';
import { shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';
import { evaluateAlarm, fill, type Datapoint } from '../helpers/cloudwatch-alarm-rule';
import { TemplateResolver, type TemplateJson } from '../helpers/template-resolver';

/**
 * The judge path end to end, as far as the fakes reach: a scheduled run of the real judge
 * handler (with the ROLLOUT_JUDGE_SETTINGS the stack synthesizes) publishes JudgeVerdict and
 * JudgeHeartbeat as EMF; the fake CloudWatch ingests them; each alarm of the synthesized template
 * reads them back through GetMetricData exactly as defined there (namespace, name, dimensions,
 * statistic, period); the template's composite rule combines the alarm states; the guard's
 * EventBridge rule matches the composite's state change; the real guard turns the flag off.
 *
 * The fake CloudWatch stores metrics and alarm states but does not evaluate alarms from metrics:
 * `alarmState` below does, from the template's alarm properties, for the one-metric alarms the
 * judge's are (M of N over the newest N periods, the one holding now included; missing data as
 * the alarm says). CloudWatch's own evaluation timing is not modelled: the time it adds is the
 * budget in lib/domain/time-to-rollback.ts.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PARAM = '/LlmModelRollout/judge/window-reset';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

type State = 'OK' | 'ALARM';

const r = new TemplateResolver(
  Template.fromStack(
    new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', {
      config: shippedConfig(),
    }),
  ).toJSON() as TemplateJson,
);
const metricAlarms = new Map(r.ofType('AWS::CloudWatch::Alarm').map(([, p]) => [r.str(p.AlarmName), p]));
const [compositeId, composite] = r.ofType('AWS::CloudWatch::CompositeAlarm')[0]!;
const judgeEnv = (
  r.ofType('AWS::Lambda::Function').find(([, p]) => String(p.Description).startsWith('Judges the new model'))![1]
    .Environment as {
    Variables: Record<string, unknown>;
  }
).Variables;
const settings = JSON.parse(judgeEnv.ROLLOUT_JUDGE_SETTINGS as string) as JudgeRuntimeSettings;
const savedEnv = { ...process.env };

let clock: FakeClock;
let world: ShippedRollout;
let fake: FakeAws;
let cloudwatch: CloudWatchClient;
let handler: (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<unknown>;
let nowMinute: number;

beforeAll(async () => {
  nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  clock = new FakeClock(new Date(nowMinute));
  world = shippedRollout(new Date(nowMinute - 400 * HOUR));
  // AppConfig moves on the fake clock, which the guard's waits advance (a rollback settles at once).
  fake = await startFakeAws({ ...world, ssm: new FakeSsm().seed(PARAM, '{}'), now: clock.now });
  cloudwatch = new CloudWatchClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  Object.assign(process.env, {
    // What the stack gives the function; the ids are the fake's (the template's are tokens).
    ROLLOUT_JUDGE_SETTINGS: judgeEnv.ROLLOUT_JUDGE_SETTINGS,
    APPLICATION_ID: world.appconfig.applicationId,
    ENVIRONMENT_ID: world.appconfig.environmentId,
    PROFILE_ID: world.appconfig.profileId,
    OFF_VERSION: world.appconfig.versionOf('off'),
    WINDOW_RESET_PARAMETER: PARAM,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_APPCONFIG: fake.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: fake.url,
    AWS_ENDPOINT_URL_SSM: fake.url,
  });
  ({ handler } = await import('../../lambda/judge/handler'));
  // Canary went live two hours ago (COMPLETE, within AppConfig's 72 h revert window).
  const startedAt = new Date(nowMinute - 2 * HOUR);
  world.appconfig.addDeployment({
    version: world.appconfig.versionOf('canary'),
    strategyId: world.appconfig.strategyIdOf(`${shippedConfig().appConfig.applicationName}-canary`),
    state: 'COMPLETE',
    percentComplete: 100,
    startedAt,
    completedAt: new Date(startedAt.getTime() + HOUR / 2),
  });
});

afterAll(async () => {
  process.env = savedEnv;
  cloudwatch.destroy();
  await fake.close();
});

beforeEach(() => world.cloudwatch.metrics.clear());

/** Runs `fn` with stdout captured; every EMF document it wrote, stamped `at` (or as written). */
async function emfWritten(fn: () => Promise<unknown>, at?: number): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((s) =>
    jest.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(chunk.toString());
      return true;
    }),
  );
  try {
    await fn();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  const docs = chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((d) => '_aws' in d);
  if (at !== undefined) for (const d of docs) (d._aws as { Timestamp: number }).Timestamp = at;
  return docs;
}

/** One minute of rollout-route traffic through the gateway's own EMF publisher, into the fake. */
async function traffic(minuteMs: number, newModelFails: boolean): Promise<void> {
  const publisher = new EmfMetricsPublisher(settings.namespace);
  const call = (model: string, failed: boolean): void =>
    publisher.publish({ model, route: 'rollout' }, [
      ['Requests', 1],
      ['Latency', 1_000],
      ['ModelErrors', failed ? 1 : 0],
      ['Throttles', 0],
      ...(failed ? [] : ([['ModerationFlags', 0]] as const)),
    ]);
  const docs = await emfWritten(async () => {
    for (let i = 0; i < 20; i++) {
      call(settings.newModel, newModelFails);
      if (newModelFails) call(settings.defaultModel, false);
      call(settings.defaultModel, false);
    }
    return Promise.resolve();
  }, minuteMs + 30_000);
  for (const d of docs) world.cloudwatch.metrics.ingestEmf(d);
}

/** A scheduled run of the judge: what it published goes into the fake, as CloudWatch Logs would. */
async function scheduledRun(): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 120_000;
  const docs = await emfWritten(() =>
    handler(
      { scheduledTime: new Date().toISOString(), executionId: 'e-1' },
      { getRemainingTimeInMillis: () => deadline - Date.now() },
    ),
  );
  for (const d of docs) world.cloudwatch.metrics.ingestEmf(d);
  return docs;
}

/** Earlier runs' heartbeats, one per interval before now (the judge has been running). */
function earlierHeartbeats(runs: number): void {
  const interval = settings.judge.intervalMinutes * MINUTE;
  for (let i = 1; i <= runs; i++)
    world.cloudwatch.metrics.ingestEmf({
      _aws: {
        Timestamp: Date.now() - i * interval,
        CloudWatchMetrics: [
          { Namespace: settings.namespace, Dimensions: [[]], Metrics: [{ Name: 'JudgeHeartbeat', Unit: 'Count' }] },
        ],
      },
      JudgeHeartbeat: 1,
    });
}

interface MetricStatJson {
  Metric: { Namespace: unknown; MetricName: unknown; Dimensions?: Array<{ Name: string; Value: unknown }> };
  Period: number;
  Stat: unknown;
}

/**
 * The heartbeat alarm, `FILL(<id>, 0)` over one MetricStat: evaluated by CloudWatch's documented
 * rule (test/helpers/cloudwatch-alarm-rule.ts) over its 5-period evaluation range, newest = the
 * period holding now.
 */
async function filledAlarmState(name: string, p: Record<string, unknown>): Promise<State> {
  const metrics = p.Metrics as Array<{ Id: string; Expression?: string; MetricStat?: MetricStatJson }>;
  const stat = metrics.find((m) => m.MetricStat);
  const expression = metrics.find((m) => m.Expression !== undefined);
  if (metrics.length !== 2 || !stat?.MetricStat || expression?.Expression !== `FILL(${stat.Id}, 0)`)
    throw new Error(`${name}: only FILL(metric, 0) alarms are evaluated here`);
  const { Period: period } = stat.MetricStat;
  const range = 5;
  const newest = Math.floor(Date.now() / (period * 1000)) * period * 1000;
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(newest - (range - 1) * period * 1000),
      EndTime: new Date(newest + period * 1000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: r.str(stat.MetricStat.Metric.Namespace),
              MetricName: r.str(stat.MetricStat.Metric.MetricName),
              Dimensions: (stat.MetricStat.Metric.Dimensions ?? []).map((d) => ({
                Name: d.Name,
                Value: r.str(d.Value),
              })),
            },
            Period: period,
            Stat: r.str(stat.MetricStat.Stat),
          },
        },
      ],
    }),
  );
  const values = new Map(
    (out.MetricDataResults?.[0]?.Timestamps ?? []).map((t, i) => [t.getTime(), out.MetricDataResults![0]!.Values![i]!]),
  );
  const points: Datapoint[] = [];
  for (let i = range - 1; i >= 0; i--) points.push(values.get(newest - i * period * 1000));
  expect([p.ComparisonOperator, p.Threshold, p.TreatMissingData]).toEqual(['LessThanThreshold', 1, 'breaching']);
  const n = p.EvaluationPeriods as number;
  return evaluateAlarm(fill(points, 0), {
    evaluationPeriods: n,
    datapointsToAlarm: (p.DatapointsToAlarm as number | undefined) ?? n,
    treatMissingData: 'breaching',
    breaches: (v) => v < 1,
  });
}

/** The state the template's alarm `name` evaluates to on the fake's metrics. */
async function alarmState(name: string): Promise<State> {
  const p = metricAlarms.get(name);
  if (!p) throw new Error(`no alarm ${name} in the template`);
  if (p.Metrics !== undefined) return filledAlarmState(name, p);
  if (p.ExtendedStatistic !== undefined)
    throw new Error(`${name}: only single-metric alarms with a statistic are evaluated here`);
  const period = p.Period as number;
  const n = p.EvaluationPeriods as number;
  const m = (p.DatapointsToAlarm as number | undefined) ?? n;
  const newest = Math.floor(Date.now() / (period * 1000)) * period * 1000;
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(newest - (n - 1) * period * 1000),
      EndTime: new Date(newest + period * 1000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: r.str(p.Namespace),
              MetricName: r.str(p.MetricName),
              Dimensions: ((p.Dimensions as Array<{ Name: string; Value: unknown }> | undefined) ?? []).map((d) => ({
                Name: d.Name,
                Value: r.str(d.Value),
              })),
            },
            Period: period,
            Stat: r.str(p.Statistic),
          },
        },
      ],
    }),
  );
  const values = new Map(
    (out.MetricDataResults?.[0]?.Timestamps ?? []).map((t, i) => [t.getTime(), out.MetricDataResults![0]!.Values![i]!]),
  );
  const threshold = p.Threshold as number;
  const breaches = (v: number): boolean => {
    switch (p.ComparisonOperator) {
      case 'GreaterThanOrEqualToThreshold':
        return v >= threshold;
      case 'LessThanThreshold':
        return v < threshold;
      default:
        throw new Error(`${name}: comparison ${String(p.ComparisonOperator)} not evaluated here`);
    }
  };
  let breaching = 0;
  for (let i = 0; i < n; i++) {
    const v = values.get(newest - i * period * 1000);
    if (v !== undefined) breaching += breaches(v) ? 1 : 0;
    else if (p.TreatMissingData === 'breaching') breaching += 1;
    else if (p.TreatMissingData !== 'notBreaching')
      throw new Error(`${name}: TreatMissingData ${String(p.TreatMissingData)} not evaluated here`);
  }
  return breaching >= m ? 'ALARM' : 'OK';
}

/** The template's composite rule, `(ALARM("arn") OR ...)`, over the children's states. */
async function compositeState(): Promise<{ state: State; children: Record<string, State> }> {
  const rule = r.str(composite.AlarmRule);
  expect(rule).toMatch(/^\(ALARM\("[^"]+"\)( OR ALARM\("[^"]+"\))*\)$/);
  const names = [...rule.matchAll(/ALARM\("[^"]*:alarm:([^"]+)"\)/g)].map((x) => x[1]!);
  const children: Record<string, State> = {};
  for (const name of names) children[name] = await alarmState(name);
  return { state: Object.values(children).includes('ALARM') ? 'ALARM' : 'OK', children };
}

/** Whether `event` matches an EventBridge pattern of literal lists and nested objects. */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern))
    return Array.isArray(event) ? event.some((e) => pattern.includes(e)) : pattern.includes(event);
  if (typeof pattern !== 'object' || pattern === null) throw new Error('unsupported pattern');
  return Object.entries(pattern).every(([k, v]) => matches(v, (event as Record<string, unknown> | undefined)?.[k]));
}

const VERDICT_ALARMS = [
  'judge-error-rate',
  'judge-throttle-rate',
  'judge-refusal-rate',
  'judge-slow-call-share',
  'judge-incompatible-requests',
  'judge-dead-model',
].map((n) => `LlmModelRollout/${n}`);

describe('the judge path: scheduled run → JudgeVerdict → alarm → composite → guard', () => {
  it('synthesizes the settings the judge reads for the shipped config', () => {
    expect(settings).toEqual(judgeRuntimeSettingsFrom(shippedConfig()));
  });

  it('at first deploy (no run yet) the heartbeat alarm is in ALARM, and the composite is OK: nothing rolls back', async () => {
    expect(await alarmState('LlmModelRollout/judge-heartbeat')).toBe('ALARM');
    const { state, children } = await compositeState();
    expect(state).toBe('OK');
    expect(Object.keys(children)).toEqual([...VERDICT_ALARMS, 'LlmModelRollout/flag-errors']);
  });

  it('a healthy new model: every verdict alarm OK, the heartbeat OK once the judge has been running, the composite OK', async () => {
    for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) await traffic(m, false);
    earlierHeartbeats(2);
    const docs = await scheduledRun();
    expect(docs.filter((d) => 'JudgeVerdict' in d).map((d) => [d.Check, d.JudgeVerdict])).toEqual([
      ['errorRate', 0],
      ['throttleRate', 0],
      ['refusalRate', 0],
      ['slowCallShare', 0],
      ['incompatibleRequests', 0],
      ['deadModel', 0],
    ]);
    expect(await alarmState('LlmModelRollout/judge-heartbeat')).toBe('OK');
    expect(await compositeState()).toEqual({
      state: 'OK',
      children: Object.fromEntries([...VERDICT_ALARMS, 'LlmModelRollout/flag-errors'].map((n) => [n, 'OK'])),
    });
  });

  it('a dead new model: the run publishes deadModel = 1, its alarm and the composite go to ALARM, the guard rule matches and the guard turns the flag off', async () => {
    for (let m = nowMinute - 2 * HOUR; m < nowMinute; m += MINUTE) await traffic(m, m >= nowMinute - 30 * MINUTE);
    const docs = await scheduledRun();
    const failed = docs.filter((d) => d.JudgeVerdict === 1).map((d) => d.Check);
    expect(failed).toContain('deadModel');

    const { state, children } = await compositeState();
    expect(children['LlmModelRollout/judge-dead-model']).toBe('ALARM');
    // Exactly the checks the run failed are in ALARM (the alarm dimension matches what is published).
    const checkOf: Record<string, string> = {
      'LlmModelRollout/judge-error-rate': 'errorRate',
      'LlmModelRollout/judge-throttle-rate': 'throttleRate',
      'LlmModelRollout/judge-refusal-rate': 'refusalRate',
      'LlmModelRollout/judge-slow-call-share': 'slowCallShare',
      'LlmModelRollout/judge-incompatible-requests': 'incompatibleRequests',
      'LlmModelRollout/judge-dead-model': 'deadModel',
    };
    for (const name of VERDICT_ALARMS)
      expect([name, children[name]]).toEqual([name, failed.includes(checkOf[name]) ? 'ALARM' : 'OK']);
    expect(state).toBe('ALARM');

    // CloudWatch's state-change event for the composite reaches the guard's rule.
    const compositeArn = r.getAtt(compositeId, 'Arn');
    const [, guardRule] = r
      .ofType('AWS::Events::Rule')
      .find(([, p]) => String(p.Description).startsWith('Rollback alarm moved to ALARM'))!;
    const event = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      resources: [compositeArn],
      detail: { alarmName: 'LlmModelRollout/rollback', state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    };
    expect(matches(r.resolve(guardRule.EventPattern), event)).toBe(true);
    expect(
      matches(r.resolve(guardRule.EventPattern), { ...event, detail: { ...event.detail, state: { value: 'OK' } } }),
    ).toBe(false);

    // The guard, on the fake AppConfig, with the composite in ALARM.
    world.cloudwatch.setState(world.rollbackAlarm, 'ALARM', clock.now(), 'Alarm rule became true');
    const appconfig = new AppConfigClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 });
    const offVersion = world.appconfig.versionOf('off');
    const deployments = new FlagDeployments(
      appconfig,
      cloudwatch,
      {
        applicationId: world.appconfig.applicationId,
        environmentId: world.appconfig.environmentId,
        profileId: world.appconfig.profileId,
        offVersion,
        killSwitchStrategyId: world.appconfig.strategyIdOf('llm-model-rollout-off'),
        rollbackAlarmName: world.rollbackAlarm,
      },
      { sleep: clock.sleep, now: clock.nowMs, pollIntervalMs: 5_000 },
    );
    const notify = jest.fn(async () => undefined);
    try {
      const guard = new RollbackGuard({ deployments, offVersion, notify, now: clock.now, sleep: clock.sleep });
      await guard.run(world.rollbackAlarm, new Date(clock.nowMs() + workBudgetMs()));
    } finally {
      appconfig.destroy();
    }
    expect(world.appconfig.liveVersion).toBe(offVersion);
    expect(notify).toHaveBeenCalledTimes(1);
  });
});
