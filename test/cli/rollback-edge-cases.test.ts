import { offDeploymentDescription } from '../../lib/domain/alarm-pause';
import { completedPhase, startedPhase } from '../helpers/fake-aws/shipped-rollout';
import { cliOnFake, liveLabel, NOW, type CliOnFake } from './cli-on-fake';

/**
 * `rollout rollback` against the fake, which runs deployments as AWS AppConfig documents them:
 * - AWS AppConfig API Reference, StopDeployment: only a DEPLOYING deployment stops without
 *   AllowRevert; with it an in-progress deployment ends ROLLED_BACK (through ROLLING_BACK).
 * - AWS AppConfig API Reference, StartDeployment: one deployment at a time per environment —
 *   a ROLLING_BACK one included — else ConflictException.
 * - AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": while the
 *   rollback alarm is in ALARM its monitor rolls back any deployment, the off version too,
 *   unless the alarm's actions are disabled.
 */
let cli: CliOnFake;
afterEach(async () => {
  await cli.close();
});

describe('rollout rollback', () => {
  it('waits for a ROLLING_BACK deployment to settle before deploying off (no ConflictException)', async () => {
    cli = await cliOnFake(
      ({ appconfig, cloudwatch, rollbackAlarm }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 2, NOW);
        cloudwatch.setState(rollbackAlarm, 'ALARM', new Date(NOW.getTime() - 1000));
      },
      { rollbackSeconds: 60 },
    );
    const { code, out, err } = await cli.run(['rollback', '--yes']);
    expect(cli.fake.requests.filter((r) => r.operation === 'StartDeployment').map((r) => r.status)).toEqual([201]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(liveLabel(cli.world)).toBe('off');
    expect(out).toContain(
      'Waiting for deployment #2 (version 3, canary) to settle (deployment #2 (version 3, canary) is ROLLING_BACK).',
    );
    expect(out).toContain('deployment #2 (version 3, canary) is now ROLLED_BACK.');
  });

  it('stops a BAKING deployment with AllowRevert, then deploys off', async () => {
    cli = await cliOnFake(({ appconfig }) => {
      completedPhase(appconfig, 'smoke', 60, NOW);
      startedPhase(appconfig, 'canary', 2, NOW);
    });
    const { code, out } = await cli.run(['rollback', '--yes']);
    const stop = cli.fake.requests.find((r) => r.operation === 'StopDeployment')!;
    expect(stop.status).toBe(202);
    expect(stop.headers['allow-revert']).toBe('true');
    expect(code).toBe(0);
    expect(out).toContain('Stopped deployment #2 (version 3, canary): now ROLLED_BACK.');
    expect(liveLabel(cli.world)).toBe('off');
  });

  it('never stops the guard’s off deployment in flight: waits for it, and leaves the alarm’s actions to it', async () => {
    cli = await cliOnFake(
      ({ appconfig, cloudwatch, rollbackAlarm }) => {
        completedPhase(appconfig, 'canary', 100, NOW);
        cloudwatch
          .setState(rollbackAlarm, 'ALARM', new Date(NOW.getTime() - 60_000))
          .setActionsEnabled(rollbackAlarm, false, NOW);
        appconfig.addDeployment({
          version: appconfig.versionOf('off'),
          strategyId: appconfig.strategyIdOf('llm-model-rollout-off'),
          state: 'DEPLOYING',
          percentComplete: 0,
          startedAt: NOW,
          description: offDeploymentDescription('rollback guard: LlmModelRollout/rollback in ALARM', 'rollback guard'),
        });
      },
      { minimumDeploySeconds: 20 },
    );
    const enabledWhile: string[] = [];
    cli.fake.onRequest(
      'EnableAlarmActions',
      () => {
        cli.world.appconfig.advance(cli.clock.now());
        enabledWhile.push(cli.world.appconfig.deployments[1]!.state);
      },
      10,
    );
    const { code, out } = await cli.run(['rollback', '--yes']);
    expect(cli.fake.count('StopDeployment')).toBe(0);
    expect(cli.fake.count('StartDeployment')).toBe(0);
    expect(enabledWhile.filter((s) => s !== 'COMPLETE')).toEqual([]);
    expect(code).toBe(0);
    expect(out).toContain(
      'Waiting for deployment #2 (version 1, off) to settle (deployment #2 (version 1, off), the off version, is already DEPLOYING, started by rollback guard).',
    );
    expect(liveLabel(cli.world)).toBe('off');
    // Once it is COMPLETE nothing needs the actions paused any more: they are restored.
    expect(cli.world.cloudwatch.actionsEnabled(cli.world.rollbackAlarm)).toBe(true);
    expect(out).toContain(
      'Re-enabled the actions of LlmModelRollout/rollback, left disabled by rollback guard after deployment #2 (version 1, off).',
    );
  });

  it('fails when its kill switch is rolled back (the alarm’s actions were re-enabled under it)', async () => {
    cli = await cliOnFake(({ appconfig, cloudwatch, rollbackAlarm }) => {
      completedPhase(appconfig, 'canary', 100, NOW);
      cloudwatch.setState(rollbackAlarm, 'ALARM', new Date(NOW.getTime() - 60_000));
    });
    cli.fake.onRequest('GetDeployment', () =>
      cli.world.cloudwatch.setActionsEnabled(cli.world.rollbackAlarm, true, cli.clock.now()),
    );
    const { code, out, err } = await cli.run(['rollback', '--yes']);
    expect(liveLabel(cli.world)).toBe('canary');
    expect(code).toBe(1);
    expect(out).toContain('Deployed the off version as deployment #2 (version 1, off): ROLLED_BACK.');
    expect(err).toContain('The kill switch did not take: deployment #2 (version 1, off) ended ROLLED_BACK');
  });

  it('re-enables alarm actions left disabled by a kill switch cut short, saying who paused them', async () => {
    cli = await cliOnFake(({ appconfig, cloudwatch, rollbackAlarm }) => {
      completedPhase(appconfig, 'canary', 100, NOW);
      appconfig.addDeployment({
        version: appconfig.versionOf('off'),
        strategyId: appconfig.strategyIdOf('llm-model-rollout-off'),
        state: 'COMPLETE',
        percentComplete: 100,
        startedAt: new Date(NOW.getTime() - 3_600_000),
        completedAt: new Date(NOW.getTime() - 3_599_000),
        description: offDeploymentDescription('rollout rollback (kill switch)', 'rollout rollback'),
      });
      cloudwatch.setActionsEnabled(rollbackAlarm, false, new Date(NOW.getTime() - 3_600_000));
    });
    const { code, out } = await cli.run(['rollback', '--yes']);
    expect(cli.world.cloudwatch.actionsEnabled(cli.world.rollbackAlarm)).toBe(true);
    expect(code).toBe(0);
    expect(out).toContain('The flag is already off (deployment #2 (version 1, off)).');
    expect(out).toContain(
      'Re-enabled the actions of LlmModelRollout/rollback, left disabled by rollout rollback after deployment #2 (version 1, off).',
    );
  });
});

describe('rollout status', () => {
  it('shows a ROLLING_BACK deployment as in flight', async () => {
    cli = await cliOnFake(
      ({ appconfig, cloudwatch, rollbackAlarm }) => {
        completedPhase(appconfig, 'smoke', 60, NOW);
        startedPhase(appconfig, 'canary', 2, NOW);
        cloudwatch.setState(rollbackAlarm, 'ALARM', new Date(NOW.getTime() - 1000));
      },
      { rollbackSeconds: 60 },
    );
    const { out } = await cli.run(['status']);
    expect(out).toContain('In flight: deployment #2 of canary — ROLLING_BACK, 100% of environments');
    expect(out).not.toContain('In flight: nothing');
  });
});
