import {
  AppConfigClient,
  GetDeploymentCommand,
  ListApplicationsCommand,
  ListConfigurationProfilesCommand,
  ListDeploymentsCommand,
  ListDeploymentStrategiesCommand,
  ListEnvironmentsCommand,
  ListHostedConfigurationVersionsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
  type DeploymentSummary,
} from '@aws-sdk/client-appconfig';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../lib/cli/main';
import { SHIPPED_CONFIG_FILE } from '../fixtures/config';

const appconfig = mockClient(AppConfigClient);
const cloudwatch = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
const NOW = new Date('2026-11-25T12:00:00Z');
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);
const LABELS = ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'];
/** Version number of each label: off=1, smoke=2, ... ; an older "smoke" (version 0) must be ignored. */
const VERSION = Object.fromEntries(LABELS.map((l, i) => [l, String(i + 1)])) as Record<string, string>;
const STRATEGY = Object.fromEntries(LABELS.map((l) => [l, `strat-${l}`])) as Record<string, string>;

function deployment(
  n: number,
  label: string,
  state: DeploymentSummary['State'],
  completedHoursAgo?: number,
  extra: Partial<DeploymentSummary> = {},
): DeploymentSummary {
  return {
    DeploymentNumber: n,
    ConfigurationProfileId: 'prof-1',
    ConfigurationVersion: VERSION[label],
    State: state,
    StartedAt: completedHoursAgo === undefined ? hoursAgo(0.1) : hoursAgo(completedHoursAgo + 0.5),
    CompletedAt: completedHoursAgo === undefined ? undefined : hoursAgo(completedHoursAgo),
    ...extra,
  };
}

function given(
  deployments: DeploymentSummary[],
  alarms: { name: string; state: 'OK' | 'ALARM' }[] = [],
  firedHoursAgo: number[] = [],
): void {
  appconfig.on(ListApplicationsCommand).resolves({
    Items: [
      { Id: 'other', Name: 'other-app' },
      { Id: 'app-1', Name: 'llm-model-rollout' },
    ],
  });
  appconfig
    .on(ListEnvironmentsCommand, { ApplicationId: 'app-1' })
    .resolves({ Items: [{ Id: 'env-1', Name: 'production' }] });
  appconfig
    .on(ListConfigurationProfilesCommand, { ApplicationId: 'app-1' })
    .resolves({ Items: [{ Id: 'prof-1', Name: 'model-flags' }] });
  appconfig
    .on(ListHostedConfigurationVersionsCommand, { ApplicationId: 'app-1', ConfigurationProfileId: 'prof-1' })
    .resolves({
      Items: [
        { VersionNumber: 0, VersionLabel: 'smoke' },
        ...LABELS.map((l) => ({ VersionNumber: Number(VERSION[l]), VersionLabel: l })),
      ],
    });
  appconfig
    .on(ListDeploymentStrategiesCommand)
    .resolves({ Items: LABELS.map((l) => ({ Id: STRATEGY[l], Name: `llm-model-rollout-${l}` })) });
  appconfig
    .on(ListDeploymentsCommand, { ApplicationId: 'app-1', EnvironmentId: 'env-1' })
    .resolves({ Items: deployments });
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    CompositeAlarms: alarms
      .filter((a) => a.name.endsWith('/rollback'))
      .map((a) => ({ AlarmName: a.name, StateValue: a.state, StateReason: 'child alarm' })),
    MetricAlarms: alarms
      .filter((a) => !a.name.endsWith('/rollback'))
      .map((a) => ({ AlarmName: a.name, StateValue: a.state })),
  });
  cloudwatch.on(DescribeAlarmHistoryCommand).resolves({
    AlarmHistoryItems: firedHoursAgo.map((h) => ({
      Timestamp: hoursAgo(h),
      HistoryData: JSON.stringify({ oldState: { stateValue: 'OK' }, newState: { stateValue: 'ALARM' } }),
    })),
  });
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runWith(async () => true, argv);
}
run.withConfirm =
  (confirm: (q: string) => Promise<boolean>) =>
  (...argv: string[]) =>
    runWith(confirm, argv);

async function runWith(
  confirm: (q: string) => Promise<boolean>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => {
    errors.push(line);
  });
  try {
    const code = await main([...argv, '--config', SHIPPED_CONFIG_FILE], {
      print: (l) => lines.push(l),
      // Progress shows on a terminal only; here it is captured beside the output to check it.
      progress: (l) => lines.push(l),
      env: {},
      now: () => NOW,
      awsClients: () => ({
        appconfig: new AppConfigClient({ region: 'us-east-1' }),
        cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
        ssm: new SSMClient({ region: 'us-east-1' }),
      }),
      deploymentOptions: { pollIntervalMs: 0, sleep: async () => undefined },
      confirm,
    });
    return { code, out: lines.join('\n'), err: errors.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

const writes = (): string[] =>
  [
    ...appconfig.calls().map((c) => c.args[0].constructor.name),
    ...cloudwatch.calls().map((c) => c.args[0].constructor.name),
  ].filter((n) => /Start|Stop|Disable|Enable/.test(n));

/**
 * GetMetricData for a healthy gateway: every series the judge asks for answers one minute, at
 * the start of the range — a million calls to each model, none failed, a few fast samples.
 */
function healthyMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
  const volume = (id: string): number =>
    id === 'n_requests' || id === 'd_requests' ? 1_000_000 : /_(latency_samples|moderation_checked)$/.test(id) ? 3 : 0;
  return {
    $metadata: {},
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      Timestamps: [input.StartTime ?? NOW],
      Values: [volume(q.Id ?? '')],
      StatusCode: 'Complete',
    })),
  };
}

beforeEach(() => {
  appconfig.reset();
  cloudwatch.reset();
  ssm.reset();
  // The judge's reads (status and advance run its code): no window reset, no gateway metrics yet.
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/LlmModelRollout/judge/window-reset', Value: '{}' } });
  cloudwatch.on(GetMetricDataCommand).callsFake(healthyMetricData);
});

describe('rollout status', () => {
  it('reports an off flag and says how to start', async () => {
    given([]);
    const { code, out } = await run('status');
    expect(code).toBe(0);
    expect(out).toContain('Live phase: off — nobody');
    expect(out).toContain('In flight: nothing');
    expect(out).toContain('Next: The flag is off. Start the rollout with npx rollout advance (deploys smoke).');
  });

  it('reports the live phase, the watch window, the deployment in flight and every alarm', async () => {
    given(
      [
        deployment(3, 'phase-2', 'BAKING', undefined, {
          PercentageComplete: 100,
          DeploymentDurationInMinutes: 30,
          FinalBakeTimeInMinutes: 1440,
        }),
        deployment(2, 'canary', 'COMPLETE', 30),
      ],
      [
        { name: 'LlmModelRollout/rollback', state: 'OK' },
        { name: 'LlmModelRollout/new-model-error-rate', state: 'OK' },
      ],
    );
    const { out } = await run('status');
    expect(out).toContain('Live phase: canary — 1% of users + 2 allowlisted (deployment #2)');
    expect(out).toContain('Live for: 30.0 h of its watch window 24–72 h');
    expect(out).toMatch(/In flight: deployment #3 of phase-2 — BAKING, 100% of environments, bake ends in \d+ min/);
    expect(out).toMatch(/OK\s+LlmModelRollout\/rollback/);
    expect(out).toMatch(/OK\s+LlmModelRollout\/new-model-error-rate/);
    expect(out).toMatch(/Next: Deployment of phase-2 is BAKING \(100%\): wait for it to complete/);
    expect(writes()).toEqual([]);
  });

  it('warns about an alarm whose actions are disabled (e.g. left so by an unfinished kill switch)', async () => {
    given([deployment(4, 'off', 'COMPLETE', 1)]);
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [{ AlarmName: 'LlmModelRollout/rollback', StateValue: 'OK', ActionsEnabled: false }],
    });
    appconfig
      .on(GetDeploymentCommand, { DeploymentNumber: 4 })
      .resolves({ ...deployment(4, 'off', 'COMPLETE', 1), Description: 'by hand' });
    const { out } = await run('status');
    expect(out).toContain(
      'LlmModelRollout/rollback — ACTIONS DISABLED: no page, no AppConfig rollback (aws cloudwatch enable-alarm-actions --alarm-names LlmModelRollout/rollback)',
    );
  });

  it('names who paused the rollback alarm’s actions, from the off deployment’s Description', async () => {
    given([deployment(4, 'off', 'COMPLETE', 1)]);
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [{ AlarmName: 'LlmModelRollout/rollback', StateValue: 'OK', ActionsEnabled: false }],
    });
    appconfig.on(GetDeploymentCommand, { DeploymentNumber: 4 }).resolves({
      ...deployment(4, 'off', 'COMPLETE', 1),
      Description: 'rollback guard: x in ALARM [alarm actions paused by rollback guard]',
    });
    const { out } = await run('status');
    expect(out).toContain(
      "LlmModelRollout/rollback — ACTIONS DISABLED for rollback guard's off deployment #4 (COMPLETE): no page",
    );
  });

  it('puts a firing alarm first in the next step', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30)], [{ name: 'LlmModelRollout/rollback', state: 'ALARM' }]);
    const { out } = await run('status');
    expect(out).toMatch(/ALARM\s+LlmModelRollout\/rollback — child alarm/);
    expect(out).toContain('Next: Alarm LlmModelRollout/rollback is in ALARM: do not advance.');
  });
});

describe('rollout advance', () => {
  it("deploys the next phase's labelled version with its strategy", async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30), deployment(1, 'smoke', 'COMPLETE', 60)]);
    appconfig
      .on(StartDeploymentCommand)
      .resolves({ DeploymentNumber: 3, ConfigurationVersion: VERSION['phase-2'], State: 'DEPLOYING' });
    const { code, out } = await run('advance', '--yes');
    expect(code).toBe(0);
    expect(appconfig.commandCalls(StartDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      {
        ApplicationId: 'app-1',
        EnvironmentId: 'env-1',
        ConfigurationProfileId: 'prof-1',
        ConfigurationVersion: VERSION['phase-2'],
        DeploymentStrategyId: STRATEGY['phase-2'],
        Description: 'rollout advance: canary → phase-2',
      },
    ]);
    expect(out).toContain(
      'Started deployment #3 (version 4, phase-2): deploy flag version 4 (phase-2: 5% of users) with strategy llm-model-rollout-phase-2.',
    );
    expect(cloudwatch.commandCalls(DescribeAlarmHistoryCommand)[0]!.args[0].input).toMatchObject({
      // CloudWatch API Reference, DescribeAlarmHistory: AlarmTypes — "If you omit this parameter,
      // only metric alarms are returned"; the rollback alarm is a composite alarm.
      AlarmName: 'LlmModelRollout/rollback',
      AlarmTypes: expect.arrayContaining(['CompositeAlarm']),
      HistoryItemType: 'StateUpdate',
      StartDate: hoursAgo(30),
      EndDate: NOW,
    });
  });

  it('starts from off with the first phase, and only says what it would do with --dry-run', async () => {
    given([]);
    const { code, out } = await run('advance', '--dry-run');
    expect(code).toBe(0);
    expect(out).toBe(
      'Would deploy flag version 2 (smoke: 0.1% of users) with strategy llm-model-rollout-smoke (dry run: nothing done).',
    );
    expect(writes()).toEqual([]);
  });

  it('acts without --yes when there is no terminal to ask on (docs/ARCHITECTURE.md, CLI: advance [--to PHASE] [--wait])', async () => {
    given([]);
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1, State: 'DEPLOYING' });
    const { code } = await run('advance');
    expect(code).toBe(0);
    expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(1);
  });

  it('does nothing when the operator answers no on the terminal (exit 5)', async () => {
    given([]);
    const questions: string[] = [];
    const { code, out } = await run.withConfirm(async (q) => {
      questions.push(q);
      return false;
    })('advance');
    expect(code).toBe(5);
    expect(questions).toEqual([
      'off → smoke: deploy flag version 2 (smoke: 0.1% of users) with strategy llm-model-rollout-smoke. Go ahead?',
    ]);
    expect(out).toContain('Not confirmed: nothing done.');
    expect(writes()).toEqual([]);
  });

  it.each([
    [
      'a deployment in flight',
      [deployment(3, 'phase-2', 'DEPLOYING'), deployment(2, 'canary', 'COMPLETE', 30)],
      [],
      [],
      /deployment #3 \(phase-2\) is DEPLOYING: AppConfig runs one deployment per environment/,
    ],
    [
      'a watch window not yet over',
      [deployment(2, 'canary', 'COMPLETE', 10)],
      [],
      [],
      /canary has been live 10\.0 h of its 24 h minimum watch window; it can advance from 2026-11-26T02:00:00\.000Z/,
    ],
    [
      'an alarm in ALARM now',
      [deployment(2, 'canary', 'COMPLETE', 30)],
      [{ name: 'LlmModelRollout/new-model-latency-p99', state: 'ALARM' as const }],
      [],
      /alarm\(s\) in ALARM now: LlmModelRollout\/new-model-latency-p99/,
    ],
    [
      'a rollback alarm firing during the window',
      [deployment(2, 'canary', 'COMPLETE', 30)],
      [],
      [5],
      /the rollback alarm fired during canary's watch window \(last at 2026-11-25T07:00:00\.000Z\)/,
    ],
  ])('refuses with %s, saying why (exit 4)', async (_what, deployments, alarms, fired, reason) => {
    given(deployments, alarms, fired);
    const { code, out } = await run('advance', '--yes');
    expect(code).toBe(4);
    expect(out).toMatch(/^Refusing to advance canary → phase-2:/);
    expect(out).toMatch(reason);
    expect(writes()).toEqual([]);
  });

  it('says when it could go when only the watch window blocks', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 10)]);
    const { out } = await run('advance', '--yes');
    expect(out).toContain('It can go from 2026-11-26T02:00:00.000Z.');
  });

  it('refuses to skip phases, and names unknown ones', async () => {
    given([deployment(1, 'smoke', 'COMPLETE', 30)]);
    const skip = await run('advance', '--to', 'phase-3', '--yes');
    expect(skip.code).toBe(4);
    expect(skip.out).toContain('phase-3 skips canary, phase-2: advance one phase at a time');
    const unknown = await run('advance', '--to', 'phase-9');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("'phase-9' is not a phase; phases: smoke, canary, phase-2, phase-3, full.");
    const off = await run('advance', '--to', 'off');
    expect(off.code).toBe(2);
    expect(off.err).toContain('npx rollout rollback');
  });

  it('follows the deployment with --wait until it completes', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30)]);
    appconfig
      .on(StartDeploymentCommand)
      .resolves({ DeploymentNumber: 3, ConfigurationVersion: VERSION['phase-2'], State: 'DEPLOYING' });
    appconfig
      .on(GetDeploymentCommand)
      .resolvesOnce({ DeploymentNumber: 3, State: 'DEPLOYING', PercentageComplete: 40 })
      .resolvesOnce({ DeploymentNumber: 3, State: 'BAKING', PercentageComplete: 100 })
      .resolves({ DeploymentNumber: 3, State: 'COMPLETE', PercentageComplete: 100 });
    const { code, out } = await run('advance', '--yes', '--wait');
    expect(code).toBe(0);
    expect(out).toMatch(/DEPLOYING\s+40%/);
    expect(out).toMatch(/BAKING\s+100%/);
    expect(out).toContain('phase-2 is live: 5% of users. Watch it for at least 48 h.');
  });

  // AppConfig's longest deployment (24 h) plus its longest final bake (24 h) is the default wait;
  // if that runs out, the deployment's fate is unknown: no rollback is claimed.
  it('exits 6, not 3, when the 48 h wait runs out while the deployment is still BAKING', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30)]);
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 3, State: 'DEPLOYING' });
    appconfig.on(GetDeploymentCommand).resolves({ DeploymentNumber: 3, State: 'BAKING', PercentageComplete: 100 });
    let clock = NOW.getTime();
    const now = jest.spyOn(Date, 'now').mockImplementation(() => (clock += 3_600_000));
    const { code, out } = await run('advance', '--yes', '--wait').finally(() => now.mockRestore());
    expect(out).not.toContain('the flag is back on the previous version');
    expect(code).toBe(6);
    expect(out).toContain(
      'Deployment #3 is still BAKING after 48.0 h of waiting: it has neither completed nor rolled back yet.',
    );
  });

  it('exits 3 when the deployment it follows is rolled back', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30)]);
    appconfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 3, State: 'DEPLOYING' });
    appconfig
      .on(GetDeploymentCommand)
      .resolvesOnce({ DeploymentNumber: 3, State: 'ROLLING_BACK' })
      .resolves({ DeploymentNumber: 3, State: 'ROLLED_BACK' });
    const { code, out } = await run('advance', '--yes', '--wait');
    expect(code).toBe(3);
    expect(out).toContain('Deployment #3 ended ROLLED_BACK: the flag is back on the previous version.');
  });
});

describe('rollout rollback', () => {
  it('stops the deployment in flight, then deploys the off version with alarm actions paused', async () => {
    given([deployment(3, 'phase-2', 'DEPLOYING'), deployment(2, 'canary', 'COMPLETE', 30)]);
    // Each plan reads afresh: the stop's rollback, then the off version, show up in the list.
    appconfig
      .on(ListDeploymentsCommand, { ApplicationId: 'app-1', EnvironmentId: 'env-1' })
      .resolvesOnce({ Items: [deployment(3, 'phase-2', 'DEPLOYING'), deployment(2, 'canary', 'COMPLETE', 30)] })
      .resolvesOnce({ Items: [deployment(3, 'phase-2', 'ROLLED_BACK'), deployment(2, 'canary', 'COMPLETE', 30)] })
      .resolves({
        Items: [
          deployment(4, 'off', 'COMPLETE', 0),
          deployment(3, 'phase-2', 'ROLLED_BACK'),
          deployment(2, 'canary', 'COMPLETE', 30),
        ],
      });
    appconfig.on(StopDeploymentCommand).resolves({ DeploymentNumber: 3, State: 'ROLLING_BACK' });
    appconfig
      .on(StartDeploymentCommand)
      .resolves({ DeploymentNumber: 4, ConfigurationVersion: VERSION.off, State: 'DEPLOYING' });
    appconfig.on(GetDeploymentCommand, { DeploymentNumber: 3 }).resolves({ DeploymentNumber: 3, State: 'ROLLED_BACK' });
    appconfig
      .on(GetDeploymentCommand, { DeploymentNumber: 4 })
      .resolves({ DeploymentNumber: 4, ConfigurationVersion: VERSION.off, State: 'COMPLETE' });
    cloudwatch.on(DisableAlarmActionsCommand).resolves({});
    cloudwatch.on(EnableAlarmActionsCommand).resolves({});
    const { code, out } = await run('rollback', '--yes');
    expect(code).toBe(0);
    expect(appconfig.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { ApplicationId: 'app-1', EnvironmentId: 'env-1', DeploymentNumber: 3 },
    ]);
    expect(appconfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      EnvironmentId: 'env-1',
      ConfigurationProfileId: 'prof-1',
      ConfigurationVersion: VERSION.off,
      DeploymentStrategyId: STRATEGY.off,
      Description: 'rollout rollback (kill switch) [alarm actions paused by rollout rollback]',
    });
    expect(cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    expect(cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['LlmModelRollout/rollback'],
    });
    // Stop first; the off version only after the alarm's actions are paused, and they are restored after.
    const stop = appconfig.commandCalls(StopDeploymentCommand)[0]!;
    const start = appconfig.commandCalls(StartDeploymentCommand)[0]!;
    const disable = cloudwatch.commandCalls(DisableAlarmActionsCommand)[0]!;
    const enable = cloudwatch.commandCalls(EnableAlarmActionsCommand)[0]!;
    expect(stop.calledBefore(disable)).toBe(true);
    expect(disable.calledBefore(start)).toBe(true);
    expect(start.calledBefore(enable)).toBe(true);
    expect(out).toContain('Stopped deployment #3 (version 4, phase-2): now ROLLED_BACK.');
    expect(out).toContain('Every gateway environment picks it up within 15 s');
    expect(out).toContain(
      'The flag stays off until a phase is advanced again (npx rollout advance): no cdk deploy changes the live phase.',
    );
  });

  it('does nothing when the flag is already off', async () => {
    given([deployment(4, 'off', 'COMPLETE', 1)]);
    const { code, out } = await run('rollback', '--yes');
    expect(code).toBe(0);
    expect(out).toContain('The flag is already off');
    expect(writes()).toEqual([]);
  });

  it('only says what it would do with --dry-run', async () => {
    given([deployment(2, 'canary', 'COMPLETE', 30)]);
    const { out } = await run('rollback', '--dry-run');
    expect(out).toBe(
      'Would deploy the off version all at once with strategy llm-model-rollout-off (dry run: nothing done).',
    );
    expect(writes()).toEqual([]);
  });
});

describe('errors on-call can act on', () => {
  it('names missing credentials', async () => {
    appconfig
      .on(ListApplicationsCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const { code, err } = await run('status');
    expect(code).toBe(1);
    expect(err).toContain('No AWS credentials found to find the rollout in AppConfig: set AWS_PROFILE');
  });

  it('names the application it could not find, and where', async () => {
    appconfig.on(ListApplicationsCommand).resolves({ Items: [] });
    const { code, err } = await run('status');
    expect(code).toBe(1);
    expect(err).toContain(
      "AppConfig application 'llm-model-rollout' not found in us-east-1: deploy the stack first (npx cdk deploy)",
    );
  });

  it('explains throttling and a conflicting deployment', async () => {
    appconfig
      .on(ListApplicationsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect((await run('status')).err).toContain(
      'AWS throttled the calls to find the rollout in AppConfig, even after retries',
    );
    appconfig.reset();
    given([deployment(2, 'canary', 'COMPLETE', 30)]);
    appconfig.on(StartDeploymentCommand).rejects(Object.assign(new Error('busy'), { name: 'ConflictException' }));
    const conflict = await run('advance', '--yes');
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('another deployment is in progress in this environment');
  });
});

describe('rollout advance from a version no phase of the config owns', () => {
  it('refuses: the watch window of an unknown version cannot be checked', async () => {
    given([
      {
        DeploymentNumber: 9,
        ConfigurationProfileId: 'prof-1',
        ConfigurationVersion: '99',
        State: 'COMPLETE',
        StartedAt: hoursAgo(200),
        CompletedAt: hoursAgo(100),
      },
    ]);
    const { code, out } = await run('advance', '--to', 'full', '--yes');
    expect(code).toBe(4);
    expect(out).toContain('the live flag version (version 99) is not a phase of this config');
    expect(writes()).toEqual([]);
  });
});
