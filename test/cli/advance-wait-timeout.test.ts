import { advance, type AdvanceOptions } from '../../lib/cli/advance';
import { EXIT } from '../../lib/cli/exit-codes';
import { shippedConfig } from '../fixtures/config';
import { completedPhase } from '../helpers/fake-aws/shipped-rollout';
import { cliOnFake, NOW, type CliOnFake } from './cli-on-fake';

/**
 * `advance --wait` follows the deployment until it settles. A deployment with a 24 h final bake
 * is BAKING all that time (AWS AppConfig: DEPLOYING → BAKING → COMPLETE, the fake on its
 * clock): if the wait ends first, nothing is known yet — it is no rollback.
 */
let cli: CliOnFake;
afterEach(async () => {
  await cli.close();
});

async function advanceAndWait(waitTimeoutMs?: number): Promise<{ code: number; out: string; progress: string[] }> {
  const lines: string[] = [];
  const progress: string[] = [];
  const options: AdvanceOptions = {
    wait: true,
    dryRun: false,
    confirm: async () => true,
    now: NOW,
    ...(waitTimeoutMs ? { waitTimeoutMs } : {}),
  };
  const code = await advance(
    shippedConfig(),
    cli.reader(),
    options,
    (l) => lines.push(l),
    (l) => progress.push(l),
  );
  return { code, out: lines.join('\n'), progress };
}

describe('rollout advance --wait', () => {
  beforeEach(async () => {
    // Polling every 10 min keeps a day of fake time to a few hundred requests.
    cli = await cliOnFake(
      ({ appconfig }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
      },
      {},
      600_000,
    );
  });

  it('reports a wait that ended while the deployment was still BAKING as a timeout (exit 6), not as a rollback', async () => {
    const { code, out } = await advanceAndWait(3_600_000);
    expect(out).not.toContain('the flag is back on the previous version');
    expect(code).toBe(EXIT.waitTimedOut);
    expect(out).toContain(
      'Deployment #2 is still BAKING after 1.0 h of waiting: it has neither completed nor rolled back yet. Follow it with npx rollout status.',
    );
    expect(cli.world.appconfig.deployments[1]!.state).toBe('BAKING');
  });

  it('follows a canary through its 24 h bake to COMPLETE by default', async () => {
    const { code, out } = await advanceAndWait();
    expect(code).toBe(0);
    expect(out).toContain('canary is live: 1% of users. Watch it for at least 24 h.');
  });

  it('shows each poll as progress, kept out of the outcome lines (progress goes to a terminal only)', async () => {
    const { out, progress } = await advanceAndWait();
    // 24 h of bake polled every 10 min: one progress line per poll, none in the printed outcome.
    expect(progress.length).toBeGreaterThan(100);
    expect(progress.every((l) => /^ {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}(DEPLOYING|BAKING|COMPLETE) +\d+%$/.test(l))).toBe(
      true,
    );
    expect(out).not.toMatch(/BAKING +\d+%/);
  });

  it('still reports a rollback as one (exit 3) when the monitor rolls the bake back', async () => {
    cli.fake.onRequest('GetDeployment', () =>
      cli.world.cloudwatch.setState(cli.world.rollbackAlarm, 'ALARM', cli.clock.now()),
    );
    const { code, out } = await advanceAndWait();
    expect(code).toBe(EXIT.rolledBack);
    expect(out).toContain('Deployment #2 ended ROLLED_BACK: the flag is back on the previous version.');
  });
});
