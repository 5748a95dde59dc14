import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { completedPhase, shippedRollout, type ShippedRollout } from '../helpers/fake-aws/shipped-rollout';
import { runRollout } from '../helpers/fake-aws/run-rollout';

/**
 * The advance gate "the rollback alarm has not fired during the watch window" reads the
 * rollback alarm's history, and that alarm is a composite alarm. CloudWatch API Reference,
 * DescribeAlarmHistory: AlarmTypes — "If you omit this parameter, only metric alarms are
 * returned." So the gate only works if it asks for composite alarms' history, which a mock
 * that answers whatever it is asked cannot show; the fake answers as CloudWatch does.
 */
const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3_600_000);

describe("rollout advance gate on the composite rollback alarm's history", () => {
  let world: ShippedRollout;
  let fake: FakeAws;
  beforeEach(async () => {
    world = shippedRollout(hoursAgo(200));
    completedPhase(world.appconfig, 'smoke', 60);
    completedPhase(world.appconfig, 'canary', 30);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('refuses when the rollback alarm entered ALARM inside the watch window, even though it is OK now', async () => {
    const firedAt = hoursAgo(5);
    world.cloudwatch.setState(
      world.rollbackAlarm,
      'ALARM',
      firedAt,
      'Alarm rule became true: new-model-error-rate in ALARM',
    );
    world.cloudwatch.setState(world.rollbackAlarm, 'OK', hoursAgo(4), 'Alarm rule became false');
    fake = await startFakeAws(world);

    const { code, stdout } = await runRollout(['advance', '--yes'], fake.url);

    expect(stdout).toMatch(/^Refusing to advance canary → phase-2:/);
    expect(stdout).toContain(
      `the rollback alarm fired during canary's watch window (last at ${firedAt.toISOString()})`,
    );
    expect(code).toBe(4);
    expect(fake.count('StartDeployment')).toBe(0);
    const history = fake.requests.find((r) => r.operation === 'DescribeAlarmHistory');
    expect(history?.input).toMatchObject({
      AlarmName: 'LlmModelRollout/rollback',
      AlarmTypes: expect.arrayContaining(['CompositeAlarm']),
    });
  });

  it('still advances when the rollback alarm fired only before the watch window began', async () => {
    world.cloudwatch
      .setState(world.rollbackAlarm, 'ALARM', hoursAgo(40))
      .setState(world.rollbackAlarm, 'OK', hoursAgo(39));
    fake = await startFakeAws(world);

    const { code, stdout } = await runRollout(['advance', '--yes'], fake.url);

    expect(stdout).toContain('Started deployment #3');
    expect(code).toBe(0);
    expect(fake.count('StartDeployment')).toBe(1);
  });
});
