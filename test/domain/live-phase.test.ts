import { undoneAtOf } from '../../lib/domain/deployment-events';
import type { DeploymentView } from '../../lib/domain/rollback-plan';
import { inFlightOf, livePhaseOf } from '../../lib/domain/rollout-progress';

const at = (h: number): Date => new Date(Date.UTC(2026, 10, 20) + h * 3_600_000);
const labelOf = (v: string): string | undefined => ({ '1': 'off', '2': 'smoke', '3': 'canary' })[v];

describe('livePhaseOf: the watch window restarts at a rollback or revert', () => {
  const canary: DeploymentView = { number: 2, version: '3', state: 'COMPLETE', startedAt: at(0), completedAt: at(1) };

  // A reverted deployment keeps the CompletedAt of its original completion: the revert's own
  // time is only in its event log (GetDeployment EventLog, REVERT_COMPLETED).
  it('takes the time the later deployment was undone, not its CompletedAt', () => {
    const reverted: DeploymentView = {
      number: 3,
      version: '4',
      state: 'REVERTED',
      startedAt: at(30),
      completedAt: at(31),
      undoneAt: at(50),
    };
    expect(livePhaseOf([reverted, canary], labelOf)).toMatchObject({ phase: 'canary', since: at(50) });
  });

  it('falls back to CompletedAt, then StartedAt, when the event log was not read', () => {
    const rolledBack: DeploymentView = { number: 3, version: '4', state: 'ROLLED_BACK', startedAt: at(30) };
    expect(livePhaseOf([rolledBack, canary], labelOf).since).toEqual(at(30));
  });
});

describe('undoneAtOf', () => {
  it('is the newest rollback or revert completion, else the rollback start', () => {
    expect(
      undoneAtOf([
        { type: 'ROLLBACK_COMPLETED', occurredAt: at(5) },
        { type: 'ROLLBACK_STARTED', occurredAt: at(4) },
        { type: 'DEPLOYMENT_STARTED', occurredAt: at(1) },
      ]),
    ).toEqual(at(5));
    expect(
      undoneAtOf([
        { type: 'REVERT_COMPLETED', occurredAt: at(9) },
        { type: 'DEPLOYMENT_COMPLETED', occurredAt: at(2) },
      ]),
    ).toEqual(at(9));
    expect(undoneAtOf([{ type: 'ROLLBACK_STARTED', occurredAt: at(4) }])).toEqual(at(4));
    expect(undoneAtOf([{ type: 'DEPLOYMENT_COMPLETED', occurredAt: at(2) }])).toBeUndefined();
  });
});

describe('inFlightOf', () => {
  it('counts a ROLLING_BACK deployment as in flight: AppConfig starts nothing else until it settles', () => {
    const rolling: DeploymentView = { number: 3, version: '4', state: 'ROLLING_BACK' };
    expect(inFlightOf([rolling, { number: 2, version: '3', state: 'COMPLETE' }])).toBe(rolling);
  });
});
