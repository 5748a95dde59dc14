import { offDeploymentDescription, pausedNote, pauserOf } from '../../lib/domain/alarm-pause';

describe('who paused the rollback alarm’s actions', () => {
  it('is recorded in the off deployment’s Description and read back', () => {
    const guard = offDeploymentDescription('rollback guard: LlmModelRollout/rollback in ALARM', 'rollback guard');
    expect(guard).toBe('rollback guard: LlmModelRollout/rollback in ALARM [alarm actions paused by rollback guard]');
    expect(pauserOf(guard)).toBe('rollback guard');
    expect(pauserOf(offDeploymentDescription('rollout rollback (kill switch)', 'rollout rollback'))).toBe(
      'rollout rollback',
    );
  });

  it('says nothing for a Description without the mark (a console deployment)', () => {
    expect(pauserOf(undefined)).toBeUndefined();
    expect(pauserOf('deployed by hand')).toBeUndefined();
  });

  it('keeps the Description within AppConfig’s 1024 characters, mark included', () => {
    const long = offDeploymentDescription('x'.repeat(2000), 'rollout rollback');
    expect(long).toHaveLength(1024);
    expect(pauserOf(long)).toBe('rollout rollback');
  });

  it('tells on-call how the paused actions get restored', () => {
    expect(pausedNote('A/rollback')).toContain('aws cloudwatch enable-alarm-actions --alarm-names A/rollback');
  });
});
