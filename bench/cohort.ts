/**
 * Cohort decisions per second and the share of users admitted at 0.1% and 1%, for our
 * bucketing and for the two flag SDKs a team would otherwise use, evaluated offline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideCohort } from '../lib/domain/cohort';
import type { FlagValue } from '../lib/domain/flag-document';

export interface CohortResult {
  readonly library: string;
  readonly decisionsPerSecond?: number;
  /** % of 1,000,000 users in the cohort at a 0.1% rollout. */
  readonly shareAt01?: number;
  readonly shareAt1?: number;
  readonly granularity: string;
  readonly note?: string;
}

const FLAG = 'enable_claude_haiku_4_5';
const USERS = 1_000_000;
const SPEED_USERS = 200_000;
const user = (i: number): string => `user-${i}`;

function ours(): CohortResult {
  const at = (percent: number): FlagValue => ({
    enabled: true,
    rolloutPercent: percent,
    allowlist: [],
    clientSegments: [],
    phase: 'bench',
  });
  const share = (percent: number): number => {
    const flag = at(percent);
    let inCohort = 0;
    for (let i = 0; i < USERS; i++) if (decideCohort(FLAG, flag, { userKey: user(i) }).inCohort) inCohort++;
    return (100 * inCohort) / USERS;
  };
  const flag = at(1);
  const t = process.hrtime.bigint();
  for (let i = 0; i < SPEED_USERS; i++) decideCohort(FLAG, flag, { userKey: user(i) });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return {
    library: 'this gateway (decideCohort)',
    decisionsPerSecond: SPEED_USERS / seconds,
    shareAt01: share(0.1),
    shareAt1: share(1),
    granularity: '0.001% (100,000 buckets)',
  };
}

async function launchDarkly(): Promise<CohortResult> {
  const { init, integrations } = await import('@launchdarkly/node-server-sdk');
  const td = new integrations.TestData();
  // Weights are in thousandths of a percent: 100 = 0.1%.
  const rollout = (weight: number): Record<string, unknown> => ({
    key: FLAG,
    version: 1,
    on: true,
    variations: [true, false],
    offVariation: 1,
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight },
          { variation: 1, weight: 100_000 - weight },
        ],
      },
    },
    targets: [],
    rules: [],
    prerequisites: [],
    salt: 'bench',
  });
  const client = init('sdk-bench-key', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silentLogger(),
  });
  await client.waitForInitialization({ timeout: 10 });
  const share = async (weight: number): Promise<number> => {
    await td.usePreconfiguredFlag(rollout(weight));
    let inCohort = 0;
    for (let i = 0; i < USERS; i++) if (await client.variation(FLAG, { kind: 'user', key: user(i) }, false)) inCohort++;
    return (100 * inCohort) / USERS;
  };
  await td.usePreconfiguredFlag(rollout(1000));
  const t = process.hrtime.bigint();
  for (let i = 0; i < SPEED_USERS; i++) await client.variation(FLAG, { kind: 'user', key: user(i) }, false);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const result = {
    library: '@launchdarkly/node-server-sdk (TestData, offline)',
    decisionsPerSecond: SPEED_USERS / seconds,
    shareAt01: await share(100),
    shareAt1: await share(1000),
    granularity: '0.001% (weights of 100,000)',
  };
  client.close();
  return result;
}

async function unleash(): Promise<CohortResult> {
  // Its clients want a backup folder even when nothing is written there.
  const backups = mkdtempSync(path.join(os.tmpdir(), 'unleash-bench-'));
  try {
    return await unleashIn(backups);
  } finally {
    rmSync(backups, { recursive: true, force: true });
  }
}

async function unleashIn(backupPath: string): Promise<CohortResult> {
  const { Unleash, InMemStorageProvider } = await import('unleash-client');
  const toggle = (rollout: string): Record<string, unknown> => ({
    name: FLAG,
    enabled: true,
    strategies: [
      { name: 'flexibleRollout', parameters: { rollout, stickiness: 'userId', groupId: FLAG }, constraints: [] },
    ],
  });
  const make = async (rollout: string): Promise<InstanceType<typeof Unleash>> => {
    const client = new Unleash({
      appName: 'bench',
      url: 'http://127.0.0.1:9/api/', // never reached: bootstrapped, no refresh, no metrics
      refreshInterval: 0,
      disableMetrics: true,
      backupPath,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: [toggle(rollout)] as never },
      skipInstanceCountWarning: true,
    });
    client.on('error', () => undefined);
    client.on('warn', () => undefined);
    await new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      setTimeout(resolve, 2000);
    });
    return client;
  };
  const share = async (rollout: string): Promise<number> => {
    const client = await make(rollout);
    let inCohort = 0;
    for (let i = 0; i < USERS; i++) if (client.isEnabled(FLAG, { userId: user(i) })) inCohort++;
    client.destroy();
    return (100 * inCohort) / USERS;
  };
  const speed = await make('1');
  const t = process.hrtime.bigint();
  for (let i = 0; i < SPEED_USERS; i++) speed.isEnabled(FLAG, { userId: user(i) });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  speed.destroy();
  return {
    library: 'unleash-client (bootstrapped, offline)',
    decisionsPerSecond: SPEED_USERS / seconds,
    shareAt01: await share('0.1'),
    shareAt1: await share('1'),
    granularity: '1% (buckets 1–100)',
    note: 'a rollout of 0.1 admits nobody: its buckets are whole percents, so the 0.1% smoke phase cannot be expressed',
  };
}

function silentLogger(): { error: () => void; warn: () => void; info: () => void; debug: () => void } {
  const none = (): void => undefined;
  return { error: none, warn: none, info: none, debug: none };
}

export async function benchCohorts(): Promise<CohortResult[]> {
  const results: CohortResult[] = [ours()];
  for (const [library, run] of [
    ['@launchdarkly/node-server-sdk', launchDarkly],
    ['unleash-client', unleash],
  ] as const) {
    try {
      results.push(await run());
    } catch (err) {
      results.push({ library, granularity: 'n/a', note: `could not be run: ${(err as Error).message.slice(0, 200)}` });
    }
  }
  return results;
}
