import { completedPhase } from '../helpers/fake-aws/shipped-rollout';
import { cliOnFake, hoursAgo, NOW, type CliOnFake } from './cli-on-fake';

/**
 * After a revert the phase before it is live again, from the moment of the revert: its watch
 * window starts over then. AWS AppConfig API Reference, StopDeployment: AllowRevert moves a
 * COMPLETE deployment to REVERTED — the deployment keeps the CompletedAt of its completion; the
 * revert's time is in its event log (GetDeployment: EventLog, REVERT_COMPLETED with OccurredAt).
 */
let cli: CliOnFake;
afterEach(async () => {
  await cli.close();
});

describe('the watch window restarts at a revert', () => {
  beforeEach(async () => {
    cli = await cliOnFake(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 100, NOW);
      completedPhase(appconfig, 'canary', 80, NOW);
      // phase-2 completed 30 h ago; on-call reverted it 2 h ago: canary is live again since then.
      appconfig.addDeployment({
        version: appconfig.versionOf('phase-2'),
        strategyId: appconfig.strategyIdOf('llm-model-rollout-phase-2'),
        state: 'REVERTED',
        percentComplete: 100,
        startedAt: hoursAgo(54.5),
        completedAt: hoursAgo(30),
        undoneAt: hoursAgo(2),
      });
    });
  });

  it('status counts canary as live since the revert (from the event log), not since phase-2’s CompletedAt', async () => {
    const { out } = await cli.run(['status']);
    expect(out).toContain('Live phase: canary');
    expect(out).toContain(`Live for: 2.0 h of its watch window 24–72 h (since ${hoursAgo(2).toISOString()})`);
  });

  it('advance refuses: canary has been live again for 2 h of its 24 h minimum', async () => {
    const { code, out } = await cli.run(['advance', '--yes']);
    expect(cli.fake.count('StartDeployment')).toBe(0);
    expect(code).toBe(4);
    expect(out).toContain('canary has been live 2.0 h of its 24 h minimum watch window');
  });
});

describe('the watch window restarts at a rollback', () => {
  it('takes the rollback’s completion from the event log (a rolled-back deployment never completed)', async () => {
    cli = await cliOnFake(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 100, NOW);
      completedPhase(appconfig, 'canary', 80, NOW);
      appconfig.addDeployment({
        version: appconfig.versionOf('phase-2'),
        strategyId: appconfig.strategyIdOf('llm-model-rollout-phase-2'),
        state: 'ROLLED_BACK',
        percentComplete: 100,
        startedAt: hoursAgo(30),
        undoneAt: hoursAgo(3),
      });
    });
    const { out } = await cli.run(['status']);
    expect(out).toContain(`Live for: 3.0 h of its watch window 24–72 h (since ${hoursAgo(3).toISOString()})`);
  });
});
