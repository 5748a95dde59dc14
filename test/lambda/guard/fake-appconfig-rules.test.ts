import {
  AppConfigClient,
  GetDeploymentCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { startFakeAws, type FakeAws } from '../../helpers/fake-aws/fake-aws-server';
import { FakeClock } from '../../helpers/fake-aws/fake-clock';
import { completedPhase, shippedRollout, type ShippedRollout } from '../../helpers/fake-aws/shipped-rollout';

/**
 * The fake AppConfig is a state machine that enforces what AWS documents, checked here with the
 * real SDK client, so the guard and CLI tests that run against it cannot pass on calls AWS
 * would refuse. Sources:
 * - AWS AppConfig API Reference, StopDeployment: "This API action works only on deployments that
 *   have a status of DEPLOYING, unless an AllowRevert parameter is supplied. If the AllowRevert
 *   parameter is supplied, the status of an in-progress deployment will be ROLLED_BACK. The
 *   status of a completed deployment will be REVERTED. AppConfig only allows a revert within 72
 *   hours of deployment completion."
 * - AWS AppConfig API Reference, StartDeployment: ConflictException while a deployment is in
 *   progress in the environment.
 * - AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": an alarm in ALARM
 *   during a deployment or bake rolls it back, but not if the alarm's actions are disabled.
 * - AWS AppConfig API Reference, GetDeployment: EventLog, each event with its OccurredAt.
 */
const START = new Date('2026-11-25T12:00:00Z');
const MIN = 60_000;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let clock: FakeClock;
let world: ShippedRollout;
let fake: FakeAws;
let client: AppConfigClient;
const ids = (): { ApplicationId: string; EnvironmentId: string } => ({
  ApplicationId: world.appconfig.applicationId,
  EnvironmentId: world.appconfig.environmentId,
});

beforeEach(async () => {
  clock = new FakeClock(START);
  world = shippedRollout(new Date(START.getTime() - 200 * 3_600_000), { rollbackSeconds: 30 });
  completedPhase(world.appconfig, 'smoke', 60, START);
  fake = await startFakeAws({ ...world, now: clock.now });
  client = new AppConfigClient({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
});
afterEach(async () => {
  client.destroy();
  await fake.close();
});

async function startCanary(): Promise<number> {
  const out = await client.send(
    new StartDeploymentCommand({
      ...ids(),
      ConfigurationProfileId: world.appconfig.profileId,
      ConfigurationVersion: world.appconfig.versionOf('canary'),
      DeploymentStrategyId: world.appconfig.strategyIdOf('llm-model-rollout-canary'),
      Description: 'test',
    }),
  );
  return out.DeploymentNumber ?? 0;
}

async function state(n: number): Promise<string | undefined> {
  return (await client.send(new GetDeploymentCommand({ ...ids(), DeploymentNumber: n }))).State;
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  const err: unknown = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof Error ? err.name : 'no error';
}

describe('fake AppConfig deployments', () => {
  it('progress DEPLOYING → BAKING → COMPLETE on the clock (canary: 20 min, 24 h bake), logging each step', async () => {
    const n = await startCanary();
    expect(await state(n)).toBe('DEPLOYING');
    clock.advance(20 * MIN);
    expect(await state(n)).toBe('BAKING');
    expect(world.appconfig.liveVersion).toBe(world.appconfig.versionOf('smoke'));
    clock.advance(24 * 60 * MIN);
    const done = await client.send(new GetDeploymentCommand({ ...ids(), DeploymentNumber: n }));
    expect(done.State).toBe('COMPLETE');
    expect(done.CompletedAt).toEqual(new Date(START.getTime() + (20 + 1440) * MIN));
    expect(done.EventLog?.map((e) => [e.EventType, e.OccurredAt?.toISOString()])).toEqual([
      ['DEPLOYMENT_COMPLETED', '2026-11-26T12:20:00.000Z'],
      ['BAKE_TIME_STARTED', '2026-11-25T12:20:00.000Z'],
      ['DEPLOYMENT_STARTED', '2026-11-25T12:00:00.000Z'],
    ]);
    expect(world.appconfig.liveVersion).toBe(world.appconfig.versionOf('canary'));
  });

  it('StopDeployment without AllowRevert stops only a DEPLOYING deployment: BAKING is a BadRequestException', async () => {
    const n = await startCanary();
    clock.advance(30 * MIN);
    expect(await refusal(() => client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: n })))).toBe(
      'BadRequestException',
    );
    expect(await state(n)).toBe('BAKING');
  });

  it('StopDeployment with AllowRevert rolls an in-progress deployment back: ROLLING_BACK, then ROLLED_BACK, the version before it live', async () => {
    const n = await startCanary();
    clock.advance(30 * MIN);
    const stopped = await client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: n, AllowRevert: true }));
    expect(stopped.State).toBe('ROLLING_BACK');
    clock.advance(29_000);
    expect(await state(n)).toBe('ROLLING_BACK');
    expect(await refusal(startCanary)).toBe('ConflictException');
    clock.advance(1_000);
    const end = await client.send(new GetDeploymentCommand({ ...ids(), DeploymentNumber: n }));
    expect(end.State).toBe('ROLLED_BACK');
    expect(end.EventLog?.slice(0, 2).map((e) => [e.EventType, e.TriggeredBy, e.OccurredAt?.toISOString()])).toEqual([
      ['ROLLBACK_COMPLETED', 'APPCONFIG', '2026-11-25T12:30:30.000Z'],
      ['ROLLBACK_STARTED', 'USER', '2026-11-25T12:30:00.000Z'],
    ]);
    expect(world.appconfig.liveVersion).toBe(world.appconfig.versionOf('smoke'));
  });

  it('refuses a revert 72 h or more after completion, and a stop without AllowRevert of a COMPLETE deployment', async () => {
    completedPhase(world.appconfig, 'canary', 71.9, START);
    const canary = world.appconfig.deployments.at(-1)!.number;
    clock.advance(0.2 * 3_600_000);
    expect(
      await refusal(() =>
        client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: canary, AllowRevert: true })),
      ),
    ).toBe('BadRequestException');
    expect(await refusal(() => client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: canary })))).toBe(
      'BadRequestException',
    );
  });

  it('a revert puts the version before it back, and the event log has the revert’s own time', async () => {
    completedPhase(world.appconfig, 'canary', 10, START);
    const canary = world.appconfig.deployments.at(-1)!.number;
    clock.advance(MIN);
    const out = await client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: canary, AllowRevert: true }));
    expect(out.State).toBe('REVERTED');
    const got = await client.send(new GetDeploymentCommand({ ...ids(), DeploymentNumber: canary }));
    expect(got.CompletedAt).toEqual(new Date(START.getTime() - 10 * 3_600_000));
    expect(got.EventLog?.[0]).toMatchObject({
      EventType: 'REVERT_COMPLETED',
      OccurredAt: new Date(START.getTime() + MIN),
    });
    expect(world.appconfig.liveVersion).toBe(world.appconfig.versionOf('smoke'));
  });

  it('refuses to revert the first deployment: there is no version before it', async () => {
    expect(
      await refusal(() => client.send(new StopDeploymentCommand({ ...ids(), DeploymentNumber: 1, AllowRevert: true }))),
    ).toBe('BadRequestException');
  });

  it('runs one deployment at a time per environment: StartDeployment while one is in progress is a ConflictException', async () => {
    await startCanary();
    expect(await refusal(startCanary)).toBe('ConflictException');
  });

  it('its monitor rolls back a deployment while the rollback alarm is in ALARM, unless the alarm’s actions are disabled', async () => {
    const n = await startCanary();
    clock.advance(30 * MIN);
    world.cloudwatch
      .setActionsEnabled(world.rollbackAlarm, false, clock.now())
      .setState(world.rollbackAlarm, 'ALARM', clock.now());
    clock.advance(MIN);
    expect(await state(n)).toBe('BAKING');
    world.cloudwatch.setActionsEnabled(world.rollbackAlarm, true, clock.now());
    const rolled = await client.send(new GetDeploymentCommand({ ...ids(), DeploymentNumber: n }));
    expect(rolled.State).toBe('ROLLING_BACK');
    expect(rolled.EventLog?.[0]).toMatchObject({
      EventType: 'ROLLBACK_STARTED',
      TriggeredBy: 'CLOUDWATCH_ALARM',
      OccurredAt: clock.now(),
    });
  });
});
