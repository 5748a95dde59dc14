import { AWS_MAX_ATTEMPTS } from '../../lib/ops/rollout-reader';
import {
  APPCONFIG_INTERNAL_SERVER_EXCEPTION,
  CLOUDWATCH_INTERNAL_FAILURE,
  CLOUDWATCH_SERVICE_UNAVAILABLE,
  type AwsErrorReply,
} from '../helpers/fake-aws/error-replies';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { completedPhase, shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';
import { runRollout, type RolloutRun } from '../helpers/fake-aws/run-rollout';

/**
 * When AWS itself fails — AWS AppConfig API Reference: InternalServerException (HTTP 500) on
 * every action; Amazon CloudWatch API Reference, Common Errors: InternalFailure (HTTP 500) and
 * ServiceUnavailable (HTTP 503) — on-call gets one paragraph: what failed, the AWS error name,
 * the request id to quote to AWS Support, and whether running it again is safe. Never a stack
 * trace or the SDK's error object.
 *
 * The SDK retries these (the CLI's clients make AWS_MAX_ATTEMPTS attempts) before giving up; the
 * fake counts the attempts, and the request id reported is the last attempt's, as the SDK does.
 */
const CLIENT_ATTEMPTS = AWS_MAX_ATTEMPTS;
const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3_600_000);

let world: ShippedRollout;
let fake: FakeAws;
beforeEach(() => {
  world = shippedRollout(hoursAgo(200));
  completedPhase(world.appconfig, 'smoke', 60);
  completedPhase(world.appconfig, 'canary', 30);
});
afterEach(async () => {
  await fake.close();
});

async function failing(operation: string, error: AwsErrorReply, args: string[]): Promise<RolloutRun> {
  fake = await startFakeAws(world);
  fake.fail(operation, error);
  return runRollout(args, fake.url);
}

/** The single `rollout <command>: ...` paragraph, checked for what on-call needs and nothing else. */
function expectOneParagraph(run: RolloutRun, command: string, error: AwsErrorReply, operation: string): string {
  const requestId = fake.requests.filter((r) => r.operation === operation).at(-1)?.requestId ?? 'no request';
  const output = `${run.stdout}\n${run.stderr}`;
  const paragraphs = output.split('\n').filter((line) => line.startsWith(`rollout ${command}: `));
  expect(paragraphs).toHaveLength(1);
  const paragraph = paragraphs[0] ?? '';
  expect(paragraph).toContain(error.code);
  expect(paragraph).toContain(`HTTP ${error.status}`);
  expect(paragraph).toContain(`request id ${requestId}`);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain('$metadata');
  expect(output).not.toContain('$fault');
  expect(run.code).toBe(1);
  expect(fake.count(operation)).toBe(CLIENT_ATTEMPTS);
  return paragraph;
}

describe('AWS server errors reach on-call as one paragraph', () => {
  it('status: AppConfig InternalServerException (500) on a read says it is safe to run again', async () => {
    const run = await failing('ListApplications', APPCONFIG_INTERNAL_SERVER_EXCEPTION, ['status']);
    const paragraph = expectOneParagraph(run, 'status', APPCONFIG_INTERNAL_SERVER_EXCEPTION, 'ListApplications');
    expect(paragraph).toContain('find the rollout in AppConfig');
    expect(paragraph).toContain(`after ${CLIENT_ATTEMPTS} attempts`);
    expect(paragraph).toMatch(/safe to run it again/);
  });

  it('status: CloudWatch ServiceUnavailable (503) names the alarm read that failed', async () => {
    const run = await failing('DescribeAlarms', CLOUDWATCH_SERVICE_UNAVAILABLE, ['status']);
    const paragraph = expectOneParagraph(run, 'status', CLOUDWATCH_SERVICE_UNAVAILABLE, 'DescribeAlarms');
    expect(paragraph).toContain('read the rollout alarms');
    expect(paragraph).toMatch(/safe to run it again/);
  });

  it('advance: CloudWatch InternalFailure (500) on the alarm history refuses to guess, and deploys nothing', async () => {
    const run = await failing('DescribeAlarmHistory', CLOUDWATCH_INTERNAL_FAILURE, ['advance', '--yes']);
    const paragraph = expectOneParagraph(run, 'advance', CLOUDWATCH_INTERNAL_FAILURE, 'DescribeAlarmHistory');
    expect(paragraph).toContain('read the rollback alarm history');
    expect(paragraph).toMatch(/safe to run it again/);
    expect(fake.count('StartDeployment')).toBe(0);
  });

  it('advance: AppConfig InternalServerException (500) on StartDeployment says to check status first, as it may have taken effect', async () => {
    const run = await failing('StartDeployment', APPCONFIG_INTERNAL_SERVER_EXCEPTION, ['advance', '--yes']);
    const paragraph = expectOneParagraph(run, 'advance', APPCONFIG_INTERNAL_SERVER_EXCEPTION, 'StartDeployment');
    expect(paragraph).toContain('start the phase-2 deployment');
    expect(paragraph).toContain('may still have taken effect');
    expect(paragraph).toContain('npx rollout status');
    expect(paragraph).not.toMatch(/safe to run it again/);
  });

  it('rollback: AppConfig InternalServerException (500) on StopDeployment says to check status first', async () => {
    world.appconfig.addDeployment({
      version: world.appconfig.versionOf('phase-2'),
      strategyId: world.appconfig.strategyIdOf('llm-model-rollout-phase-2'),
      state: 'DEPLOYING',
      percentComplete: 20,
      startedAt: hoursAgo(0.2),
    });
    const run = await failing('StopDeployment', APPCONFIG_INTERNAL_SERVER_EXCEPTION, ['rollback', '--yes']);
    const paragraph = expectOneParagraph(run, 'rollback', APPCONFIG_INTERNAL_SERVER_EXCEPTION, 'StopDeployment');
    expect(paragraph).toContain('stop deployment #3');
    expect(paragraph).toContain('npx rollout status');
  });
});
