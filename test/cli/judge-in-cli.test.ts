import { ROUTE_DIMENSION } from '../../lib/domain/metric-names';
import { EXIT } from '../../lib/cli/exit-codes';
import { shippedConfig } from '../fixtures/config';
import { completedPhase } from '../helpers/fake-aws/shipped-rollout';
import { putHealthyTraffic } from '../helpers/fake-aws/gateway-traffic';
import { cliOnFake, hoursAgo, NOW, type CliOnFake } from './cli-on-fake';

/**
 * `status` and `advance` run the judge's own code on the fake CloudWatch's GetMetricData (raw
 * values in, Sum/SampleCount/TC out, as CloudWatch computes them) and the fake Parameter Store:
 * the evidence on-call sees is what the scheduled judge would find at the same moment.
 */
const config = shippedConfig();
const MINUTE = 60_000;
let cli: CliOnFake;
afterEach(async () => {
  await cli.close();
});

/** canary live for 30 h, the gateway's minutes put in by `traffic`. */
async function canaryWith(traffic: (metrics: CliOnFake['world']['cloudwatch']['metrics']) => void): Promise<void> {
  cli = await cliOnFake(
    ({ appconfig, cloudwatch }) => {
      completedPhase(appconfig, 'smoke', 60, NOW);
      completedPhase(appconfig, 'canary', 30, NOW);
      traffic(cloudwatch.metrics);
    },
    { healthyTrafficAt: null },
  );
}

/** One minute of rollout-route traffic for `model`: `calls` requests of which `errors` failed. */
function putMinute(
  metrics: CliOnFake['world']['cloudwatch']['metrics'],
  model: string,
  at: Date,
  calls: number,
  errors: number,
): void {
  const key = (metricName: string) => ({
    namespace: config.gateway.metricsNamespace,
    metricName,
    dimensions: { Model: model, [ROUTE_DIMENSION]: 'rollout' },
  });
  metrics.put(key('Requests'), at, [calls]);
  metrics.put(key('ModelErrors'), at, [errors]);
  metrics.put(key('Throttles'), at, [0]);
}

/** A new model failing 20% of 3,000 calls against a healthy default over the same minutes. */
function failingNewModel(metrics: CliOnFake['world']['cloudwatch']['metrics']): void {
  for (let m = 0; m < 30; m += 1) {
    const at = new Date(hoursAgo(5).getTime() + m * MINUTE);
    putMinute(metrics, config.llm.newModelAlias, at, 100, 20);
    putMinute(metrics, config.llm.defaultModel, at, 2_000, 10);
  }
}

describe('rollout status runs the judge', () => {
  it('shows each check with both models’ evidence, and the window it judged', async () => {
    await canaryWith(failingNewModel);
    const { code, out } = await cli.run(['status']);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^Judge: FAIL over the window since 2026-11-24T05:30:00\.000Z \(/m);
    expect(out).toMatch(
      /^ {2}fail {9}errorRate: new 20% of 3000, default 0\.5% of 60000; new − default \+19\.5 pt \(between \+\d+\.\d+ and \+\d+\.\d+\), margin 0\.25 pt$/m,
    );
    expect(out).toContain('3000 of the 1999 new-model calls rollout plan counted on');
  });

  it('prints the contract’s JSON: livePhase, deploymentInFlight, watchWindow, alarms, judge', async () => {
    await canaryWith(failingNewModel);
    const { code, out } = await cli.run(['status', '--json']);
    expect(code).toBe(EXIT.ok);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['livePhase', 'deploymentInFlight', 'watchWindow', 'alarms', 'judge']);
    expect(parsed.livePhase).toBe('canary');
    expect(parsed.deploymentInFlight).toBeNull();
    expect(parsed.watchWindow).toEqual({
      startedAt: '2026-11-24T06:00:00.000Z',
      minEndsAt: '2026-11-25T06:00:00.000Z',
    });
    const judge = parsed.judge as { verdict: string; checks: Array<Record<string, unknown>> };
    expect(judge.verdict).toBe('fail');
    expect(judge.checks.map((c) => c.name)).toEqual([
      'errorRate',
      'throttleRate',
      'refusalRate',
      'slowCallShare',
      'incompatibleRequests',
      'deadModel',
    ]);
    expect(judge.checks[0]).toMatchObject({
      name: 'errorRate',
      verdict: 'fail',
      new: { calls: 3000, events: 600, value: 0.2 },
      default: { calls: 60000, events: 300, value: 0.005 },
      statistic: 19.5,
      bound: 0.25,
    });
  });

  it('says there is nothing to judge when the flag is off, and still shows the rest', async () => {
    cli = await cliOnFake(() => undefined, { healthyTrafficAt: null });
    const { code, out } = await cli.run(['status']);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('Judge: nothing to judge (the flag was never deployed)');
    expect(out).toContain('Next: ');
  });

  it('reports a judge it cannot read instead of failing the whole status', async () => {
    cli = await cliOnFake(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
      },
      {},
      5_000,
      false,
    );
    const { code, out } = await cli.run(['status']);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^Judge: nothing to judge \(the judge could not be read: .*ParameterNotFound/m);
    expect(out).toContain('Alarms:');
  });
});

describe('rollout advance asks the judge', () => {
  it('refuses while a check fails, naming it with its evidence and the way past it', async () => {
    await canaryWith(failingNewModel);
    const { code, out } = await cli.run(['advance', '--yes']);
    expect(code).toBe(EXIT.refused);
    expect(out).toMatch(
      /the judge fails errorRate: new − default \+19\.5 pt, above the 0\.25 pt margin with confidence/,
    );
    expect(out).toContain('Only the judge objects: npx rollout advance --force --reason TEXT');
    expect(cli.fake.count('StartDeployment')).toBe(0);
  });

  it('refuses a window short of the calls rollout plan counted on, even when every check passes', async () => {
    await canaryWith((metrics) => putHealthyTraffic(metrics, config, hoursAgo(2), 500));
    const { code, out } = await cli.run(['advance', '--yes']);
    expect(code).toBe(EXIT.refused);
    expect(out).toContain(
      "the judge's window (since 2026-11-24T05:30:00.000Z) holds 500 new-model calls; rollout plan counted on 1999 for canary (24 h at 200000 requests a day): wait for more traffic",
    );
  });

  it('goes ahead with --force --reason and records why in the deployment’s description', async () => {
    await canaryWith(failingNewModel);
    const { code, out } = await cli.run([
      'advance',
      '--yes',
      '--force',
      '--reason',
      'errors are a known client bug (TICKET-42)',
    ]);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('  forced: the judge fails errorRate');
    const started = cli.world.appconfig.deployments.at(-1);
    expect(started?.description).toMatch(
      /^rollout advance: canary → phase-2 \[forced past the judge: errors are a known client bug \(TICKET-42\) \| objections: the judge fails errorRate/,
    );
  });

  it('never forces past an alarm in ALARM', async () => {
    await canaryWith(failingNewModel);
    cli.world.cloudwatch.setState(cli.world.rollbackAlarm, 'ALARM', hoursAgo(0.1), 'judge-error-rate in ALARM');
    const { code, out } = await cli.run(['advance', '--yes', '--force', '--reason', 'x']);
    expect(code).toBe(EXIT.refused);
    expect(out).toContain('alarm(s) in ALARM now: LlmModelRollout/rollback');
    expect(cli.fake.count('StartDeployment')).toBe(0);
  });

  it('wants a reason with --force, and --force with a reason (exit 2, nothing read)', async () => {
    await canaryWith(failingNewModel);
    const noReason = await cli.run(['advance', '--force']);
    expect(noReason.code).toBe(EXIT.usage);
    expect(noReason.err).toContain('--force needs --reason TEXT');
    const noForce = await cli.run(['advance', '--reason', 'x']);
    expect(noForce.code).toBe(EXIT.usage);
    expect(cli.fake.requests).toHaveLength(0);
  });
});
