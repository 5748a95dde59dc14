import fc from 'fast-check';
import { OutputModerator, type OutputCheck, type ModerationVerdict } from '../../../lib/gateway/moderation';

const SSN: OutputCheck = { name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', flags: '' };
const SECRET_WORD: OutputCheck = { name: 'secret-word', pattern: 'swordfish', flags: 'i' };

describe('OutputModerator', () => {
  it('passes an answer when nothing matches and the model did not refuse', () => {
    const moderator = new OutputModerator([SSN, SECRET_WORD]);
    expect(moderator.check('Here is a haiku about spring.', 'end_turn')).toEqual<ModerationVerdict>({
      flagged: false,
      reasons: [],
    });
    expect(moderator.check('', null)).toEqual<ModerationVerdict>({ flagged: false, reasons: [] });
    expect(moderator.check('text', undefined)).toEqual<ModerationVerdict>({ flagged: false, reasons: [] });
  });

  it("always flags a refusal (stop_reason 'refusal'), even without checks", () => {
    expect(new OutputModerator([]).check('', 'refusal')).toEqual<ModerationVerdict>({
      flagged: true,
      reasons: ['refusal'],
    });
    expect(new OutputModerator([SSN]).check('I cannot help with that.', 'refusal')).toEqual<ModerationVerdict>({
      flagged: true,
      reasons: ['refusal'],
    });
  });

  it('does not treat other stop reasons as refusals', () => {
    const moderator = new OutputModerator([]);
    for (const reason of ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'Refusal', 'refusal ']) {
      expect(moderator.check('x', reason).flagged).toBe(false);
    }
  });

  it('flags a pattern match and names the check', () => {
    const moderator = new OutputModerator([SSN, SECRET_WORD]);
    expect(moderator.check('My number is 123-45-6789.', 'end_turn')).toEqual<ModerationVerdict>({
      flagged: true,
      reasons: ['ssn'],
    });
  });

  it('applies the check flags (i: case-insensitive; without i: case-sensitive)', () => {
    expect(new OutputModerator([SECRET_WORD]).check('The password is SwordFish', 'end_turn').reasons).toEqual([
      'secret-word',
    ]);
    const caseSensitive = new OutputModerator([{ ...SECRET_WORD, flags: '' }]);
    expect(caseSensitive.check('The password is SwordFish', 'end_turn').flagged).toBe(false);
    expect(caseSensitive.check('the password is swordfish', 'end_turn').flagged).toBe(true);
  });

  it('applies the m and s flags', () => {
    const multiline = new OutputModerator([{ name: 'line', pattern: '^BEGIN KEY$', flags: 'm' }]);
    expect(multiline.check('intro\nBEGIN KEY\noutro', null).reasons).toEqual(['line']);
    expect(
      new OutputModerator([{ name: 'line', pattern: '^BEGIN KEY$', flags: '' }]).check('intro\nBEGIN KEY\noutro', null)
        .flagged,
    ).toBe(false);
    const dotAll = new OutputModerator([{ name: 'span', pattern: 'start.end', flags: 's' }]);
    expect(dotAll.check('start\nend', null).flagged).toBe(true);
    expect(
      new OutputModerator([{ name: 'span', pattern: 'start.end', flags: '' }]).check('start\nend', null).flagged,
    ).toBe(false);
  });

  it('lists every reason, the refusal first and then the checks in config order', () => {
    const moderator = new OutputModerator([SECRET_WORD, SSN]);
    expect(moderator.check('swordfish 123-45-6789', 'refusal')).toEqual<ModerationVerdict>({
      flagged: true,
      reasons: ['refusal', 'secret-word', 'ssn'],
    });
  });

  it("tolerates the 'g' flag: a check matches on every call, not every other one", () => {
    const moderator = new OutputModerator([{ name: 'global', pattern: 'swordfish', flags: 'gi' }]);
    for (let i = 0; i < 5; i++) {
      expect(moderator.check('swordfish', 'end_turn')).toEqual<ModerationVerdict>({
        flagged: true,
        reasons: ['global'],
      });
    }
    // And a match on a long text does not leave state that makes a later short text miss.
    expect(moderator.check('.......................swordfish', null).flagged).toBe(true);
    expect(moderator.check('swordfish', null).flagged).toBe(true);
  });

  it('gives the same verdict for the same input on repeated calls (no regex state)', () => {
    const moderator = new OutputModerator([SSN, SECRET_WORD, { name: 'global', pattern: '\\d+', flags: 'g' }]);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.option(fc.constantFrom('end_turn', 'refusal', 'max_tokens'), { nil: null }),
        (text, stop) => {
          const first = moderator.check(text, stop);
          expect(moderator.check(text, stop)).toEqual(first);
          expect(moderator.check(text, stop)).toEqual(first);
        },
      ),
    );
  });

  it('reasons are check names (or refusal), never output text', () => {
    const checks: OutputCheck[] = [SSN, SECRET_WORD, { name: 'anything', pattern: '.', flags: 's' }];
    const names = new Set(['refusal', ...checks.map((c) => c.name)]);
    const moderator = new OutputModerator(checks);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('end_turn', 'refusal'), (text, stop) => {
        const verdict = moderator.check(`${text} 123-45-6789 swordfish`, stop);
        expect(verdict.flagged).toBe(true);
        for (const reason of verdict.reasons) expect(names.has(reason)).toBe(true);
        expect(JSON.stringify(verdict)).not.toContain('123-45-6789');
        expect(JSON.stringify(verdict)).not.toContain('swordfish');
      }),
    );
  });

  it('flagged is true exactly when there is a reason', () => {
    const moderator = new OutputModerator([SSN]);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.option(fc.constantFrom('end_turn', 'refusal'), { nil: undefined }),
        (text, stop) => {
          const verdict = moderator.check(text, stop);
          expect(verdict.flagged).toBe(verdict.reasons.length > 0);
        },
      ),
    );
  });

  it('rejects an invalid pattern when constructed (the config validates patterns first)', () => {
    expect(() => new OutputModerator([{ name: 'bad', pattern: '(', flags: '' }])).toThrow(SyntaxError);
  });
});
