import { cliOnFake, hoursAgo, NOW, type CliOnFake } from './cli-on-fake';
import { completedPhase } from '../helpers/fake-aws/shipped-rollout';

/**
 * `rollout advance` asks before it deploys, and the answer can take minutes: what it checked
 * may no longer hold. AWS AppConfig runs one deployment per environment (StartDeployment:
 * ConflictException), and its monitor rolls back a deployment while the rollback alarm is in
 * ALARM (AWS AppConfig User Guide, "Monitoring deployments for automatic rollback") — so a
 * start after the world moved either fails or deploys straight into a rollback.
 */
let cli: CliOnFake;
beforeEach(async () => {
  cli = await cliOnFake(({ appconfig }) => {
    completedPhase(appconfig, 'smoke', 60, NOW);
    completedPhase(appconfig, 'canary', 30, NOW);
  });
});
afterEach(async () => {
  await cli.close();
});

describe('rollout advance re-checks its gates after the confirmation', () => {
  it('refuses when the newest deployment changed while the prompt waited (another on-call advanced meanwhile)', async () => {
    const { code, out } = await cli.run(['advance'], async () => {
      cli.world.appconfig.addDeployment({
        version: cli.world.appconfig.versionOf('phase-2'),
        strategyId: cli.world.appconfig.strategyIdOf('llm-model-rollout-phase-2'),
        state: 'DEPLOYING',
        percentComplete: 0,
        startedAt: NOW,
        description: 'rollout advance: canary → phase-2',
      });
      return true;
    });
    expect(cli.fake.count('StartDeployment')).toBe(0);
    expect(code).toBe(4);
    expect(out).toContain(
      'Refusing to advance canary → phase-2: the newest deployment changed while the prompt waited (#2 COMPLETE → #3 DEPLOYING). Nothing done; run npx rollout advance again.',
    );
  });

  it('refuses when the rollback alarm entered ALARM while the prompt waited', async () => {
    const { code, out } = await cli.run(['advance'], async () => {
      cli.world.cloudwatch.setState(cli.world.rollbackAlarm, 'ALARM', hoursAgo(0), 'Alarm rule became true');
      return true;
    });
    expect(cli.fake.count('StartDeployment')).toBe(0);
    expect(code).toBe(4);
    expect(out).toMatch(
      /Refusing to advance canary → phase-2:\n {2}- alarm\(s\) in ALARM now: LlmModelRollout\/rollback/,
    );
  });

  it('still advances when nothing changed during the prompt', async () => {
    const { code, out } = await cli.run(['advance']);
    expect(code).toBe(0);
    expect(out).toContain('Started deployment #3 (version 4, phase-2)');
    expect(cli.fake.count('StartDeployment')).toBe(1);
  });
});
