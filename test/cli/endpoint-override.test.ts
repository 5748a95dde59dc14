import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { completedPhase, shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';
import { runRollout } from '../helpers/fake-aws/run-rollout';

/**
 * The CLI honours the SDK's standard endpoint variables (AWS_ENDPOINT_URL_APPCONFIG,
 * AWS_ENDPOINT_URL_CLOUDWATCH), so it can be driven against a local fake: one endpoint that
 * speaks both AppConfig (REST JSON) and CloudWatch (JSON 1.0).
 */
describe('rollout against a local fake through AWS_ENDPOINT_URL_*', () => {
  let world: ShippedRollout;
  let fake: FakeAws;
  beforeAll(async () => {
    world = shippedRollout(new Date(Date.now() - 200 * 3_600_000));
    completedPhase(world.appconfig, 'smoke', 60);
    completedPhase(world.appconfig, 'canary', 30);
    fake = await startFakeAws(world);
  });
  afterAll(async () => {
    await fake.close();
  });

  it('status reads AppConfig and CloudWatch from the fake', async () => {
    const { code, stdout } = await runRollout(['status'], fake.url);
    expect(code).toBe(0);
    expect(stdout).toContain('Live phase: canary — 1% of users');
    expect(stdout).toMatch(/OK\s+LlmModelRollout\/rollback/);
    expect(stdout).toMatch(/OK\s+LlmModelRollout\/new-model-error-rate/);
    expect(fake.count('DescribeAlarms')).toBeGreaterThan(0);
  });

  it("advance --yes starts the next phase's deployment on the fake", async () => {
    const { code, stdout } = await runRollout(['advance', '--yes'], fake.url);
    expect(code).toBe(0);
    expect(stdout).toContain('Started deployment #3 (version 4, phase-2)');
    const start = fake.requests.find((r) => r.operation === 'StartDeployment');
    expect(start?.path).toBe(
      `/applications/${world.appconfig.applicationId}/environments/${world.appconfig.environmentId}/deployments`,
    );
    expect(start?.input).toEqual({
      ConfigurationProfileId: world.appconfig.profileId,
      ConfigurationVersion: '4',
      DeploymentStrategyId: world.appconfig.strategyIdOf('llm-model-rollout-phase-2'),
      Description: 'rollout advance: canary → phase-2',
    });
  });
});
