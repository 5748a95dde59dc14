import { planKillSwitch } from '../../lib/domain/kill-switch-plan';
import type { DeploymentState, DeploymentView } from '../../lib/domain/rollback-plan';

const OFF = '1';

function d(number: number, version: string, state: DeploymentState): DeploymentView {
  return { number, version, state };
}

describe('planKillSwitch (rollout rollback)', () => {
  it('is done when the off version is live', () => {
    expect(planKillSwitch([d(4, OFF, 'COMPLETE'), d(3, '3', 'COMPLETE')], OFF).kind).toBe('none');
    // A phase rolled back to the off version before it: off is live.
    expect(planKillSwitch([d(5, '3', 'ROLLED_BACK'), d(4, OFF, 'COMPLETE')], OFF).kind).toBe('none');
  });

  it.each<DeploymentState>(['DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK'])(
    'waits for an off deployment that is %s and never stops it',
    (state) => {
      const step = planKillSwitch([d(5, OFF, state), d(4, '3', 'COMPLETE')], OFF);
      expect(step.kind).toBe('wait');
      expect(step.reason).toBe(`deployment #5 (version 1), the off version, is already ${state}`);
    },
  );

  it('waits for a phase that is ROLLING_BACK (a StartDeployment now is a ConflictException)', () => {
    expect(planKillSwitch([d(5, '4', 'ROLLING_BACK'), d(4, '3', 'COMPLETE')], OFF)).toMatchObject({
      kind: 'wait',
      deployment: { number: 5 },
    });
  });

  // AWS AppConfig API Reference, StopDeployment: only DEPLOYING stops without AllowRevert.
  it.each<[DeploymentState, boolean]>([
    ['DEPLOYING', false],
    ['BAKING', true],
    ['VALIDATING', true],
  ])('stops a phase deployment that is %s (AllowRevert: %s)', (state, allowRevert) => {
    expect(planKillSwitch([d(5, '4', state), d(4, '3', 'COMPLETE')], OFF)).toMatchObject({
      kind: 'stop',
      allowRevert,
      deployment: { number: 5 },
    });
  });

  it('deploys the off version when a phase is live, an off deployment was undone, or nothing was ever deployed', () => {
    expect(planKillSwitch([d(4, '3', 'COMPLETE')], OFF).kind).toBe('deploy-off');
    expect(planKillSwitch([d(5, '4', 'REVERTED'), d(4, '3', 'COMPLETE')], OFF).kind).toBe('deploy-off');
    expect(planKillSwitch([d(5, OFF, 'ROLLED_BACK'), d(4, '3', 'COMPLETE')], OFF).kind).toBe('deploy-off');
    expect(planKillSwitch([], OFF)).toEqual({ kind: 'deploy-off', reason: 'no version is live' });
  });
});
