import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { main } from '../../lib/cli/main';
import { RolloutReader, type AwsClients } from '../../lib/ops/rollout-reader';
import type { DeploymentsOptions } from '../../lib/ops/appconfig-deployments';
import { SHIPPED_CONFIG_FILE, shippedConfig } from '../fixtures/config';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { FakeClock } from '../helpers/fake-aws/fake-clock';
import { FakeSsm } from '../helpers/fake-aws/fake-ssm';
import { shippedRollout, type ShippedRollout, type ShippedRolloutOptions } from '../helpers/fake-aws/shipped-rollout';

export const NOW = new Date('2026-11-25T12:00:00Z');
export const HOUR = 3_600_000;
export const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * HOUR);

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The CLI in-process against the fake AWS endpoint, the fake and the CLI on one fake clock. */
export interface CliOnFake {
  readonly clock: FakeClock;
  readonly world: ShippedRollout;
  readonly fake: FakeAws;
  /** Parameter Store, holding the judge's window-reset parameter as the stack creates it. */
  readonly ssm: FakeSsm;
  run(argv: readonly string[], confirm?: (question: string) => Promise<boolean>): Promise<CliRun>;
  /** A reader as `main` builds it, for calling a command function directly. */
  reader(): RolloutReader;
  close(): Promise<void>;
}

export async function cliOnFake(
  seed: (w: ShippedRollout) => void,
  options: ShippedRolloutOptions = {},
  pollIntervalMs = 5_000,
  /** Whether the stack's judge window-reset parameter exists (it does once the stack is deployed). */
  withResetParameter = true,
): Promise<CliOnFake> {
  const clock = new FakeClock(NOW);
  // A healthy gateway since the phases went live (10 minutes before the fake clock's now):
  // the judge neither fails nor holds back an advance unless a test says otherwise.
  const world = shippedRollout(hoursAgo(300), {
    rollbackSeconds: 20,
    healthyTrafficAt: new Date(NOW.getTime() - 600_000),
    ...options,
  });
  seed(world);
  const ssm = withResetParameter ? world.ssm : new FakeSsm();
  const fake = await startFakeAws({ ...world, ssm, now: clock.now });
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  const clients: AwsClients = {
    appconfig: new AppConfigClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 }),
    ssm: new SSMClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 2 }),
  };
  const deploymentOptions: DeploymentsOptions = { sleep: clock.sleep, now: clock.nowMs, pollIntervalMs };
  return {
    clock,
    world,
    fake,
    ssm,
    run: async (argv, confirm = async () => true) => {
      const lines: string[] = [];
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => {
        errors.push(line);
      });
      try {
        const code = await main([...argv, '--config', SHIPPED_CONFIG_FILE], {
          print: (l) => lines.push(l),
          env: {},
          now: clock.now,
          awsClients: () => clients,
          deploymentOptions,
          confirm,
        });
        return { code, out: lines.join('\n'), err: errors.join('\n') };
      } finally {
        spy.mockRestore();
      }
    },
    reader: () => new RolloutReader(shippedConfig(), clients, deploymentOptions),
    close: async () => {
      clients.appconfig.destroy();
      clients.cloudwatch.destroy();
      clients.ssm.destroy();
      await fake.close();
    },
  };
}

/** Label of the version every environment ends up with. */
export function liveLabel(w: ShippedRollout): string | undefined {
  const live = w.appconfig.liveVersion;
  return live === undefined ? undefined : ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'][Number(live) - 1];
}
