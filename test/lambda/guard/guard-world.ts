import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GUARD_TIMING, workBudgetMs } from '../../../lib/domain/guard-timing';
import { FlagDeployments, type FlagTarget } from '../../../lib/ops/appconfig-deployments';
import { RollbackGuard } from '../../../lambda/guard/rollback-guard';
import { startFakeAws, type FakeAws } from '../../helpers/fake-aws/fake-aws-server';
import { FakeClock } from '../../helpers/fake-aws/fake-clock';
import {
  shippedRollout,
  type ShippedRollout,
  type ShippedRolloutOptions,
} from '../../helpers/fake-aws/shipped-rollout';

export const NOW = new Date('2026-11-25T12:00:00Z');
export const HOUR = 3_600_000;

/** The guard wired to the fake AWS endpoint, everything on one fake clock. */
export interface GuardWorld {
  readonly clock: FakeClock;
  readonly world: ShippedRollout;
  readonly fake: FakeAws;
  readonly deployments: FlagDeployments;
  readonly guard: RollbackGuard;
  readonly notify: jest.Mock<Promise<void>, [string, string]>;
  readonly offVersion: string;
  /** A deadline as the handler would set it for a fresh invocation, from now on the fake clock. */
  deadline(): Date;
  close(): Promise<void>;
}

/**
 * `seed` puts the flag's history into the fake before it starts; the rollback alarm is in
 * ALARM from NOW (that is what invoked the guard) unless the seed changes it.
 */
export async function guardWorld(
  seed: (w: ShippedRollout) => void,
  options: ShippedRolloutOptions = {},
): Promise<GuardWorld> {
  const clock = new FakeClock(NOW);
  const world = shippedRollout(new Date(NOW.getTime() - 300 * HOUR), { rollbackSeconds: 20, ...options });
  world.cloudwatch.setState(world.rollbackAlarm, 'ALARM', NOW, 'Alarm rule became true');
  seed(world);
  const fake = await startFakeAws({ ...world, now: clock.now });
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  const appconfig = new AppConfigClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 });
  const cloudwatch = new CloudWatchClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 });
  const offVersion = world.appconfig.versionOf('off');
  const target: FlagTarget = {
    applicationId: world.appconfig.applicationId,
    environmentId: world.appconfig.environmentId,
    profileId: world.appconfig.profileId,
    offVersion,
    killSwitchStrategyId: world.appconfig.strategyIdOf('llm-model-rollout-off'),
    rollbackAlarmName: world.rollbackAlarm,
  };
  const deployments = new FlagDeployments(appconfig, cloudwatch, target, {
    sleep: clock.sleep,
    now: clock.nowMs,
    pollIntervalMs: GUARD_TIMING.pollIntervalMs,
  });
  const notify = jest.fn<Promise<void>, [string, string]>(async () => undefined);
  const guard = new RollbackGuard({ deployments, offVersion, notify, now: clock.now, sleep: clock.sleep });
  return {
    clock,
    world,
    fake,
    deployments,
    guard,
    notify,
    offVersion,
    deadline: () => new Date(clock.nowMs() + workBudgetMs()),
    close: async () => {
      appconfig.destroy();
      cloudwatch.destroy();
      await fake.close();
    },
  };
}

/** Label of the version every environment ends up with (undefined: never deployed). */
export function liveLabel(w: GuardWorld): string | undefined {
  const live = w.world.appconfig.liveVersion;
  return live === undefined ? undefined : ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'][Number(live) - 1];
}
