import { flagValueForPhase } from '../../lib/domain/flag-document';
import { servedPercent, servedPercentLabel } from '../../lib/domain/holdback';
import { RolloutConfigError } from '../../lib/domain/config-errors';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import { TODAY, configWith, withChange } from '../fixtures/config';

describe('the holdback: a 100% phase keeps the judge a baseline on the default model', () => {
  it.each([
    [0.1, 1, 0.1],
    [25, 1, 25],
    [100, 1, 99],
    [100, 2.5, 97.5],
    [100, 0, 100],
  ])('a phase at %p%% with a %p%% holdback serves %p%%', (rolloutPercent, holdback, served) => {
    expect(servedPercent(rolloutPercent, holdback)).toBe(served);
  });

  it('says so where the share is shown, and only for the 100% phase', () => {
    expect(servedPercentLabel(100, 1)).toBe("99% of users (1% held back on the default model as the judge's baseline)");
    expect(servedPercentLabel(25, 1)).toBe('25% of users');
    expect(servedPercentLabel(100, 0)).toBe('100% of users');
  });

  it('puts the served share in the full phase flag (1% held back by default; 0 turns it off)', () => {
    expect(
      flagValueForPhase(
        configWith(() => undefined),
        'full',
      ).rolloutPercent,
    ).toBe(99);
    expect(
      flagValueForPhase(
        configWith(() => undefined),
        'phase-3',
      ).rolloutPercent,
    ).toBe(25);
    const noHoldback = configWith((c) => {
      c.judge.holdbackPercent = 0;
    });
    expect(flagValueForPhase(noHoldback, 'full').rolloutPercent).toBe(100);
  });

  it('refuses a holdback that would leave the 100% phase no bigger than the phase before, naming the fix', () => {
    const input = withChange((c) => {
      c.rollout.phases[3]!.rolloutPercent = 95;
      (c as { judge?: object }).judge = { holdbackPercent: 5 };
    });
    const parse = () => parseRolloutConfig(input, { today: TODAY });
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(
      /judge\.holdbackPercent: leaves full at 95% of users, no more than phase-3 \(95%\); lower the holdback below 5/,
    );
  });

  it('refuses a holdback above 10% (a baseline, not a phase)', () => {
    const input = withChange((c) => {
      (c as { judge?: object }).judge = { holdbackPercent: 12 };
    });
    expect(() => parseRolloutConfig(input, { today: TODAY })).toThrow(/judge\.holdbackPercent: must be ≤ 10 percent/);
  });
});
