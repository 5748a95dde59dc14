import {
  describe as describeDeployment,
  isInFlight,
  isOffDeployment,
  isUnsettled,
  liveBefore,
  planGuardRollback,
  REVERT_WINDOW_MS,
  type DeploymentState,
  type DeploymentView,
} from '../../lib/domain/rollback-plan';
import { planKillSwitch } from '../../lib/domain/kill-switch-plan';

const NOW = new Date('2026-11-25T12:00:00Z');
const OFF = '1';
const HOUR = 3_600_000;

function hoursBefore(hours: number): Date {
  return new Date(NOW.getTime() - hours * HOUR);
}

function deployment(over: Partial<DeploymentView> = {}): DeploymentView {
  return {
    number: 7,
    version: '3',
    label: 'canary',
    state: 'COMPLETE',
    startedAt: hoursBefore(2),
    completedAt: hoursBefore(1),
    ...over,
  };
}

/** The phase before `deployment()`: what a revert puts back. */
const SMOKE = deployment({
  number: 6,
  version: '2',
  label: 'smoke',
  completedAt: hoursBefore(100),
  startedAt: hoursBefore(101),
});

describe('planGuardRollback', () => {
  it('does nothing when the flag was never deployed', () => {
    const step = planGuardRollback([], OFF, NOW);
    expect(step.kind).toBe('none');
    expect(step.reason).toMatch(/never deployed/);
  });

  // Every property of AWS::AppConfig::HostedConfigurationVersion requires replacement: an edit of
  // the flag makes a new off version, while the older one labelled off may be what is live.
  it('counts an older version labelled off as off (the flag was edited since it was deployed)', () => {
    const olderOff = deployment({ number: 9, version: '7', label: 'off', completedAt: hoursBefore(2) });
    expect(planGuardRollback([olderOff, SMOKE], '12', NOW)).toMatchObject({ kind: 'none' });
    expect(planKillSwitch([olderOff, SMOKE], '12')).toMatchObject({ kind: 'none' });
    expect(isOffDeployment(olderOff, '12')).toBe(true);
    expect(isOffDeployment(SMOKE, '12')).toBe(false);
  });

  it('does nothing when the latest deployment is the off version, COMPLETE', () => {
    const step = planGuardRollback(
      [deployment({ version: OFF, label: 'off', completedAt: hoursBefore(200) })],
      OFF,
      NOW,
    );
    expect(step.kind).toBe('none');
    expect(step.reason).toContain('deployment #7 (version 1, off)');
    expect(step.reason).toMatch(/off version/);
  });

  // Was 'none': an off deployment in flight has not taken yet — AppConfig's monitor can still
  // roll it back — so the guard waits for it to settle before calling the flag safe.
  it.each<DeploymentState>(['DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK'])(
    'waits for an off deployment that is %s',
    (state) => {
      const off = deployment({ version: OFF, label: 'off', state, completedAt: undefined });
      const step = planGuardRollback([off, SMOKE], OFF, NOW);
      expect(step).toEqual({
        kind: 'wait',
        deployment: off,
        reason: `deployment #7 (version 1, off), the off version, is ${state}`,
      });
    },
  );

  // AWS AppConfig API Reference, StopDeployment: "This API action works only on deployments that
  // have a status of DEPLOYING, unless an AllowRevert parameter is supplied." So only a
  // DEPLOYING deployment is stopped without it; a bake (or validation) needs AllowRevert.
  it.each<[DeploymentState, boolean]>([
    ['DEPLOYING', false],
    ['BAKING', true],
    ['VALIDATING', true],
  ])('stops a phase deployment that is %s (AllowRevert: %s)', (state, allowRevert) => {
    const d = deployment({ state, completedAt: undefined });
    const step = planGuardRollback([d], OFF, NOW);
    expect(step).toEqual({
      kind: 'stop',
      deployment: d,
      allowRevert,
      reason: `deployment #7 (version 3, canary) is ${state}`,
    });
  });

  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])(
    'does nothing when the deployment was %s and the flag is off before it',
    (state) => {
      const off = deployment({
        number: 6,
        version: OFF,
        label: 'off',
        state: 'COMPLETE',
        completedAt: hoursBefore(50),
      });
      const step = planGuardRollback([deployment({ state }), off], OFF, NOW);
      expect(step).toEqual({
        kind: 'none',
        reason: `deployment #7 (version 3, canary) is already ${state}, and before it the flag was off`,
      });
      expect(planGuardRollback([deployment({ state })], OFF, NOW).kind).toBe('none');
    },
  );

  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])(
    'turns the flag off when the deployment was %s but an earlier phase still sends users to the new model',
    (state) => {
      const canary = deployment({
        number: 6,
        version: '2',
        label: 'smoke',
        state: 'COMPLETE',
        completedAt: hoursBefore(50),
      });
      const step = planGuardRollback([deployment({ state }), canary], OFF, NOW);
      expect(step).toEqual({
        kind: 'deploy-off',
        reason: `deployment #7 (version 3, canary) is already ${state}, but deployment #6 (version 2, smoke) is live and still sends users to the new model`,
      });
    },
  );

  it('waits for a rollback in progress before deciding', () => {
    const rolling = deployment({ state: 'ROLLING_BACK' });
    expect(planGuardRollback([rolling], OFF, NOW)).toEqual({
      kind: 'wait',
      deployment: rolling,
      reason: 'deployment #7 (version 3, canary) is ROLLING_BACK',
    });
  });

  // Regression: an undone kill switch (the off deployment rolled back or reverted) is acted on.
  it.each<DeploymentState>(['ROLLED_BACK', 'REVERTED'])(
    'turns the flag off again when the off deployment itself was undone (%s)',
    (state) => {
      const step = planGuardRollback(
        [deployment({ version: OFF, label: 'off', state, completedAt: hoursBefore(1) })],
        OFF,
        NOW,
      );
      expect(step.kind).toBe('deploy-off');
    },
  );

  it.each([1, 71.9])('reverts a phase that completed %s h ago (inside the 72 h window)', (hours) => {
    const d = deployment({ completedAt: hoursBefore(hours), startedAt: hoursBefore(hours + 1) });
    const step = planGuardRollback([d, SMOKE], OFF, NOW);
    expect(step.kind).toBe('revert');
    if (step.kind !== 'revert') return;
    expect(step.deployment).toBe(d);
    expect(step.reason).toContain('deployment #7 (version 3, canary)');
    expect(step.reason).toContain(`completed ${hours.toFixed(1)} h ago`);
  });

  it('deploys the off version when the phase completed 72.1 h ago (past the revert window)', () => {
    const step = planGuardRollback(
      [deployment({ completedAt: hoursBefore(72.1), startedAt: hoursBefore(73) }), SMOKE],
      OFF,
      NOW,
    );
    expect(step.kind).toBe('deploy-off');
    expect(step.reason).toContain('deployment #7 (version 3, canary)');
    expect(step.reason).toMatch(/more than 72 h ago/);
  });

  it('treats exactly 72 h as outside the window (AppConfig refuses the revert then)', () => {
    const step = planGuardRollback(
      [deployment({ completedAt: new Date(NOW.getTime() - REVERT_WINDOW_MS) }), SMOKE],
      OFF,
      NOW,
    );
    expect(step.kind).toBe('deploy-off');
    expect(REVERT_WINDOW_MS).toBe(72 * HOUR);
  });

  it('uses startedAt when a COMPLETE deployment has no completedAt', () => {
    const recent = planGuardRollback(
      [deployment({ completedAt: undefined, startedAt: hoursBefore(10) }), SMOKE],
      OFF,
      NOW,
    );
    expect(recent.kind).toBe('revert');
    expect(recent.reason).toContain('completed 10.0 h ago');
    const old = planGuardRollback(
      [deployment({ completedAt: undefined, startedAt: hoursBefore(80) }), SMOKE],
      OFF,
      NOW,
    );
    expect(old.kind).toBe('deploy-off');
  });

  it('deploys the off version when a COMPLETE deployment has neither timestamp (cannot prove it is revertible)', () => {
    const step = planGuardRollback([deployment({ completedAt: undefined, startedAt: undefined }), SMOKE], OFF, NOW);
    expect(step.kind).toBe('deploy-off');
  });

  // A revert puts back "the previous configuration version" (AWS AppConfig API Reference,
  // StopDeployment, AllowRevert); the flag's first deployment has none, so it is turned off.
  it('deploys the off version instead of reverting the very first deployment', () => {
    const first = deployment({ number: 1, completedAt: hoursBefore(1) });
    expect(planGuardRollback([first], OFF, NOW)).toEqual({
      kind: 'deploy-off',
      reason: 'deployment #1 (version 3, canary) is the first deployment: there is no earlier version to revert to',
    });
    const afterRollbacks = [first, deployment({ number: 0, state: 'ROLLED_BACK', completedAt: undefined })];
    expect(planGuardRollback(afterRollbacks, OFF, NOW).kind).toBe('deploy-off');
  });

  it('reverts when the version before it is the off version (that is what the revert puts back)', () => {
    const off = deployment({ number: 6, version: OFF, label: 'off', completedAt: hoursBefore(90) });
    expect(planGuardRollback([deployment(), off], OFF, NOW).kind).toBe('revert');
  });

  it('names the deployment without a label when it has none', () => {
    const step = planGuardRollback(
      [deployment({ number: 12, version: '5', label: undefined, state: 'BAKING' })],
      OFF,
      NOW,
    );
    expect(step.reason).toBe('deployment #12 (version 5) is BAKING');
  });
});

describe('rollback-plan helpers', () => {
  it('describes a deployment by number, version and label', () => {
    expect(describeDeployment(deployment())).toBe('deployment #7 (version 3, canary)');
  });

  it('counts DEPLOYING, BAKING and VALIDATING as in flight, nothing else', () => {
    const states: DeploymentState[] = [
      'BAKING',
      'VALIDATING',
      'DEPLOYING',
      'COMPLETE',
      'ROLLING_BACK',
      'ROLLED_BACK',
      'REVERTED',
    ];
    expect(states.filter((state) => isInFlight(deployment({ state })))).toEqual(['BAKING', 'VALIDATING', 'DEPLOYING']);
    expect(states.filter((state) => isUnsettled(deployment({ state })))).toEqual([
      'BAKING',
      'VALIDATING',
      'DEPLOYING',
      'ROLLING_BACK',
    ]);
  });

  it('liveBefore is the newest COMPLETE deployment after the index, skipping rolled-back and reverted ones', () => {
    const list = [
      deployment({ number: 9, state: 'REVERTED' }),
      deployment({ number: 8, state: 'ROLLED_BACK' }),
      deployment({ number: 7 }),
      SMOKE,
    ];
    expect(liveBefore(list, 0)?.number).toBe(7);
    expect(liveBefore(list, 2)?.number).toBe(6);
    expect(liveBefore(list, 3)).toBeUndefined();
  });
});
