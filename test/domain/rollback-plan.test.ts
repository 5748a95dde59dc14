import {
  describe as describeDeployment,
  isInFlight,
  planGuardRollback,
  REVERT_WINDOW_MS,
  type DeploymentState,
  type DeploymentView,
} from '../../lib/domain/rollback-plan';

const NOW = new Date('2026-11-25T12:00:00Z');
const OFF = '1';
const HOUR = 3_600_000;

function hoursBefore(hours: number): Date {
  return new Date(NOW.getTime() - hours * HOUR);
}

function deployment(over: Partial<DeploymentView> = {}): DeploymentView {
  return { number: 7, version: '3', label: 'canary', state: 'COMPLETE', startedAt: hoursBefore(2), completedAt: hoursBefore(1), ...over };
}

describe('planGuardRollback', () => {
  it('does nothing when the flag was never deployed', () => {
    const step = planGuardRollback([], OFF, NOW);
    expect(step.kind).toBe('none');
    expect(step.reason).toMatch(/never deployed/);
  });

  it.each<DeploymentState>(['COMPLETE', 'DEPLOYING', 'BAKING', 'VALIDATING'])('does nothing when the latest deployment is the off version, %s', (state) => {
    const step = planGuardRollback([deployment({ version: OFF, label: 'off', state, completedAt: hoursBefore(200) })], OFF, NOW);
    expect(step.kind).toBe('none');
    expect(step.reason).toContain('deployment #7 (version 1, off)');
    expect(step.reason).toMatch(/off version/);
  });

  it.each<DeploymentState>(['DEPLOYING', 'BAKING', 'VALIDATING'])('stops a phase deployment that is %s', (state) => {
    const d = deployment({ state, completedAt: undefined });
    const step = planGuardRollback([d], OFF, NOW);
    expect(step).toEqual({ kind: 'stop', deployment: d, reason: `deployment #7 (version 3, canary) is ${state}` });
  });

  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])('does nothing when the deployment was %s and the flag is off before it', (state) => {
    const off = deployment({ number: 6, version: OFF, label: 'off', state: 'COMPLETE', completedAt: hoursBefore(50) });
    const step = planGuardRollback([deployment({ state }), off], OFF, NOW);
    expect(step).toEqual({ kind: 'none', reason: `deployment #7 (version 3, canary) is already ${state}, and before it the flag was off` });
    expect(planGuardRollback([deployment({ state })], OFF, NOW).kind).toBe('none');
  });

  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])('turns the flag off when the deployment was %s but an earlier phase still sends users to the new model', (state) => {
    const canary = deployment({ number: 6, version: '2', label: 'smoke', state: 'COMPLETE', completedAt: hoursBefore(50) });
    const step = planGuardRollback([deployment({ state }), canary], OFF, NOW);
    expect(step).toEqual({ kind: 'deploy-off', reason: `deployment #7 (version 3, canary) is already ${state}, but deployment #6 (version 2, smoke) is live and still sends users to the new model` });
  });

  it('waits for a rollback in progress before deciding', () => {
    const rolling = deployment({ state: 'ROLLING_BACK' });
    expect(planGuardRollback([rolling], OFF, NOW)).toEqual({ kind: 'wait', deployment: rolling, reason: 'deployment #7 (version 3, canary) is ROLLING_BACK' });
  });

  // Regression: an undone kill switch (the off deployment rolled back or reverted) is acted on.
  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])('turns the flag off again when the off deployment itself was undone (%s)', (state) => {
    const step = planGuardRollback([deployment({ version: OFF, label: 'off', state, completedAt: hoursBefore(1) })], OFF, NOW);
    expect(step.kind).toBe('deploy-off');
  });

  it.each([1, 71.9])('reverts a phase that completed %s h ago (inside the 72 h window)', (hours) => {
    const d = deployment({ completedAt: hoursBefore(hours), startedAt: hoursBefore(hours + 1) });
    const step = planGuardRollback([d], OFF, NOW);
    expect(step.kind).toBe('revert');
    if (step.kind !== 'revert') return;
    expect(step.deployment).toBe(d);
    expect(step.reason).toContain('deployment #7 (version 3, canary)');
    expect(step.reason).toContain(`completed ${hours.toFixed(1)} h ago`);
  });

  it('deploys the off version when the phase completed 72.1 h ago (past the revert window)', () => {
    const step = planGuardRollback([deployment({ completedAt: hoursBefore(72.1), startedAt: hoursBefore(73) })], OFF, NOW);
    expect(step.kind).toBe('deploy-off');
    expect(step.reason).toContain('deployment #7 (version 3, canary)');
    expect(step.reason).toMatch(/more than 72 h ago/);
  });

  it('treats exactly 72 h as outside the window (AppConfig refuses the revert then)', () => {
    const step = planGuardRollback([deployment({ completedAt: new Date(NOW.getTime() - REVERT_WINDOW_MS) })], OFF, NOW);
    expect(step.kind).toBe('deploy-off');
    expect(REVERT_WINDOW_MS).toBe(72 * HOUR);
  });

  it('uses startedAt when a COMPLETE deployment has no completedAt', () => {
    const recent = planGuardRollback([deployment({ completedAt: undefined, startedAt: hoursBefore(10) })], OFF, NOW);
    expect(recent.kind).toBe('revert');
    expect(recent.reason).toContain('completed 10.0 h ago');
    const old = planGuardRollback([deployment({ completedAt: undefined, startedAt: hoursBefore(80) })], OFF, NOW);
    expect(old.kind).toBe('deploy-off');
  });

  it('deploys the off version when a COMPLETE deployment has neither timestamp (cannot prove it is revertible)', () => {
    const step = planGuardRollback([deployment({ completedAt: undefined, startedAt: undefined })], OFF, NOW);
    expect(step.kind).toBe('deploy-off');
  });

  it('names the deployment without a label when it has none', () => {
    const step = planGuardRollback([deployment({ number: 12, version: '5', label: undefined, state: 'BAKING' })], OFF, NOW);
    expect(step.reason).toBe('deployment #12 (version 5) is BAKING');
  });
});

describe('rollback-plan helpers', () => {
  it('describes a deployment by number, version and label', () => {
    expect(describeDeployment(deployment())).toBe('deployment #7 (version 3, canary)');
  });

  it('counts DEPLOYING, BAKING and VALIDATING as in flight, nothing else', () => {
    const states: DeploymentState[] = ['BAKING', 'VALIDATING', 'DEPLOYING', 'COMPLETE', 'ROLLING_BACK', 'ROLLED_BACK', 'REVERTED'];
    expect(states.filter((state) => isInFlight(deployment({ state })))).toEqual(['BAKING', 'VALIDATING', 'DEPLOYING']);
  });
});
