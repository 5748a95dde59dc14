import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WindowResetRecordError } from '../../lib/domain/judge/window-reset';
import { FlagDeployments } from '../../lib/ops/appconfig-deployments';
import { findWindowStart, readWindowReset, recordWindowReset } from '../../lib/ops/judge-window-start';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { FakeSsm } from '../helpers/fake-aws/fake-ssm';
import { completedPhase, shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';
import { shippedConfig } from '../fixtures/config';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const PARAM = '/LlmModelRollout/judge/window-reset';
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * HOUR);

let world: ShippedRollout;
let ssm: FakeSsm;
let fake: FakeAws | undefined;
const clients: Array<{ destroy(): void }> = [];

beforeEach(() => {
  world = shippedRollout(hoursAgo(400), { rollbackSeconds: 20 });
  ssm = new FakeSsm().seed(PARAM, '{}', hoursAgo(400));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await fake?.close();
  fake = undefined;
});

async function connect(): Promise<{ deployments: FlagDeployments; ssmClient: SSMClient }> {
  fake = await startFakeAws({ ...world, ssm, now: () => NOW });
  const options = {
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
  const appconfig = new AppConfigClient(options);
  const cloudwatch = new CloudWatchClient(options);
  const ssmClient = new SSMClient(options);
  clients.push(appconfig, cloudwatch, ssmClient);
  const deployments = new FlagDeployments(appconfig, cloudwatch, {
    applicationId: world.appconfig.applicationId,
    environmentId: world.appconfig.environmentId,
    profileId: world.appconfig.profileId,
    offVersion: world.appconfig.versionOf('off'),
    killSwitchStrategyId: '',
    rollbackAlarmName: '',
  });
  return { deployments, ssmClient };
}

async function windowStart() {
  const { deployments, ssmClient } = await connect();
  return findWindowStart(deployments, ssmClient, PARAM);
}

function deploy(
  label: string,
  state: 'COMPLETE' | 'DEPLOYING' | 'BAKING' | 'ROLLED_BACK' | 'REVERTED',
  startedHoursAgo: number,
  undoneHoursAgo?: number,
): void {
  const startedAt = hoursAgo(startedHoursAgo);
  world.appconfig.addDeployment({
    version: world.appconfig.versionOf(label),
    strategyId: world.appconfig.strategyIdOf(`${shippedConfig().appConfig.applicationName}-${label}`),
    state,
    percentComplete: state === 'DEPLOYING' ? 40 : 100,
    startedAt,
    ...(state === 'COMPLETE' || state === 'REVERTED' ? { completedAt: new Date(startedAt.getTime() + HOUR / 2) } : {}),
    ...(undoneHoursAgo !== undefined ? { undoneAt: hoursAgo(undoneHoursAgo) } : {}),
  });
}

describe('findWindowStart', () => {
  it('has nothing to judge when the flag was never deployed', async () => {
    expect(await windowStart()).toEqual({ kind: 'nothing-live', reason: 'the flag was never deployed' });
  });

  it('has nothing to judge while the off version is live', async () => {
    completedPhase(world.appconfig, 'smoke', 30, NOW);
    deploy('off', 'COMPLETE', 2);
    expect(await windowStart()).toMatchObject({
      kind: 'nothing-live',
      reason: expect.stringContaining('off version') as unknown,
    });
  });

  it("starts at the live phase deployment's StartedAt", async () => {
    deploy('smoke', 'COMPLETE', 30);
    expect(await windowStart()).toMatchObject({
      kind: 'window',
      start: hoursAgo(30),
      source: 'deployment',
      live: { number: 1, version: world.appconfig.versionOf('smoke') },
    });
  });

  it('starts at the start of a phase deployment still in flight: it is the one making its phase live', async () => {
    deploy('smoke', 'COMPLETE', 30);
    deploy('canary', 'DEPLOYING', 0.1);
    world.appconfig.deployments[1]!.state = 'BAKING';
    expect(await windowStart()).toMatchObject({
      kind: 'window',
      start: hoursAgo(0.1),
      source: 'deployment',
      live: { number: 2 },
    });
  });

  it('restarts at the rollback of a later deployment, from its event log', async () => {
    deploy('smoke', 'COMPLETE', 30);
    deploy('canary', 'ROLLED_BACK', 5, 4);
    const start = await windowStart();
    expect(start).toMatchObject({ kind: 'window', start: hoursAgo(4), source: 'rollback', live: { number: 1 } });
    expect(fake?.count('GetDeployment')).toBe(1);
  });

  it('restarts at the revert of a later off deployment (the kill switch undone)', async () => {
    deploy('smoke', 'COMPLETE', 30);
    deploy('off', 'REVERTED', 6, 1);
    expect(await windowStart()).toMatchObject({
      kind: 'window',
      start: hoursAgo(1),
      source: 'rollback',
      live: { number: 1 },
    });
  });

  it('takes a window reset recorded after the deployment, and ignores one before it', async () => {
    deploy('canary', 'COMPLETE', 30);
    ssm.seed(
      PARAM,
      JSON.stringify({ resetAt: hoursAgo(2).toISOString(), reason: 'default model config fixed', by: 'alice' }),
    );
    expect(await windowStart()).toMatchObject({
      kind: 'window',
      start: hoursAgo(2),
      source: 'reset',
      detail: 'reset by alice: default model config fixed',
    });
    await fake?.close();
    ssm.seed(PARAM, JSON.stringify({ resetAt: hoursAgo(40).toISOString(), reason: 'old', by: 'bob' }));
    expect(await windowStart()).toMatchObject({ start: hoursAgo(30), source: 'deployment' });
  });

  it('stops on a parameter that holds neither {} nor a reset record, and on a missing parameter', async () => {
    deploy('canary', 'COMPLETE', 30);
    ssm.seed(PARAM, 'reset please');
    await expect(windowStart()).rejects.toThrow(WindowResetRecordError);
    await fake?.close();
    ssm.seed(PARAM, JSON.stringify({ resetAt: '2026-11-25', reason: 'x', by: 'y' }));
    await expect(windowStart()).rejects.toThrow(/resetAt must be an ISO-8601 time/);
    await fake?.close();
    ssm = new FakeSsm();
    await expect(windowStart()).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });
});

describe('recordWindowReset', () => {
  it('overwrites the parameter with the reset, which the judge then reads', async () => {
    deploy('canary', 'COMPLETE', 30);
    const { deployments, ssmClient } = await connect();
    const at = hoursAgo(1);
    await recordWindowReset(ssmClient, PARAM, { reason: 'vendor incident over', by: 'carol', at });
    expect(ssm.versionOf(PARAM)).toBe(2);
    expect(JSON.parse(ssm.valueOf(PARAM) ?? '')).toEqual({
      resetAt: at.toISOString(),
      reason: 'vendor incident over',
      by: 'carol',
    });
    expect(await readWindowReset(ssmClient, PARAM)).toEqual({
      resetAt: at,
      reason: 'vendor incident over',
      by: 'carol',
    });
    expect(await findWindowStart(deployments, ssmClient, PARAM)).toMatchObject({ start: at, source: 'reset' });
  });

  it('does not create a parameter the stack did not', async () => {
    const { ssmClient } = await connect();
    await expect(recordWindowReset(ssmClient, '/missing', { reason: 'r', by: 'b', at: NOW })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(ssm.valueOf('/missing')).toBeUndefined();
  });
});
