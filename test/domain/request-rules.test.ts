import {
  adaptiveThinking,
  applyRequestRules,
  clampMaxTokens,
  isRequestRuleName,
  noSamplingParameters,
  oneSamplingParameter,
  REQUEST_RULE_NAMES,
  RequestRuleConfigError,
  type RuleBody,
} from '../../lib/domain/request-rules';

const messages = [{ role: 'user', content: 'hi' }];

function body(extra: Record<string, unknown> = {}): RuleBody {
  return { model: 'claude-sonnet-4-6', max_tokens: 1024, messages, ...extra };
}

describe('request rules', () => {
  it('exports every rule name once', () => {
    expect([...REQUEST_RULE_NAMES]).toEqual([
      'oneSamplingParameter',
      'noSamplingParameters',
      'adaptiveThinking',
      'clampMaxTokens',
    ]);
    expect(isRequestRuleName('clampMaxTokens')).toBe(true);
    expect(isRequestRuleName('clampMaxToken')).toBe(false);
    expect(isRequestRuleName(3)).toBe(false);
  });

  describe('oneSamplingParameter', () => {
    it('keeps temperature and drops top_p when both are set', () => {
      expect(oneSamplingParameter(body({ temperature: 0.2, top_p: 0.9, top_k: 5 }))).toEqual(
        body({ temperature: 0.2, top_k: 5 }),
      );
    });

    it.each([{ temperature: 0.2 }, { top_p: 0.9 }, { temperature: null, top_p: 0.9 }, {}])(
      'leaves %j alone',
      (extra) => {
        expect(oneSamplingParameter(body(extra))).toBeUndefined();
      },
    );
  });

  describe('noSamplingParameters', () => {
    it('drops temperature, top_p and top_k', () => {
      expect(noSamplingParameters(body({ temperature: 1, top_p: 0.99, top_k: 40, stream: true }))).toEqual(
        body({ stream: true }),
      );
    });

    it('changes nothing without sampling parameters', () => {
      expect(noSamplingParameters(body())).toBeUndefined();
    });
  });

  describe('adaptiveThinking', () => {
    it('turns enabled thinking with a budget into adaptive, keeping display', () => {
      expect(
        adaptiveThinking(body({ thinking: { type: 'enabled', budget_tokens: 2048, display: 'summarized' } })),
      ).toEqual(body({ thinking: { type: 'adaptive', display: 'summarized' } }));
      expect(adaptiveThinking(body({ thinking: { type: 'enabled', budget_tokens: 2048 } }))).toEqual(
        body({ thinking: { type: 'adaptive' } }),
      );
    });

    it.each([{ thinking: { type: 'disabled' } }, { thinking: { type: 'adaptive' } }, { thinking: null }, {}])(
      'leaves %j alone',
      (extra) => {
        expect(adaptiveThinking(body(extra))).toBeUndefined();
      },
    );
  });

  describe('clampMaxTokens', () => {
    it('lowers max_tokens above the limit to it', () => {
      expect(clampMaxTokens(body({ max_tokens: 100_000 }), { maxOutputTokens: 64_000 })).toEqual(
        body({ max_tokens: 64_000 }),
      );
    });

    it('leaves max_tokens at or below the limit', () => {
      expect(clampMaxTokens(body({ max_tokens: 64_000 }), { maxOutputTokens: 64_000 })).toBeUndefined();
    });

    it('refuses to run without maxOutputTokens', () => {
      expect(() => clampMaxTokens(body(), {})).toThrow(RequestRuleConfigError);
    });
  });

  describe('applyRequestRules', () => {
    it('applies the rules in order, reports the ones that changed the body and never mutates it', () => {
      const original = body({ temperature: 0.3, top_p: 0.8, max_tokens: 90_000, thinking: { type: 'enabled' } });
      const snapshot = structuredClone(original);
      const result = applyRequestRules(original, ['oneSamplingParameter', 'adaptiveThinking', 'clampMaxTokens'], {
        maxOutputTokens: 64_000,
      });
      expect(result.applied).toEqual(['oneSamplingParameter', 'adaptiveThinking', 'clampMaxTokens']);
      expect(result.body).toEqual(body({ temperature: 0.3, max_tokens: 64_000, thinking: { type: 'adaptive' } }));
      expect(original).toEqual(snapshot);
    });

    it('returns the same body and no rules when nothing applies', () => {
      const original = body();
      const result = applyRequestRules(original, ['oneSamplingParameter', 'clampMaxTokens'], {
        maxOutputTokens: 64_000,
      });
      expect(result.body).toBe(original);
      expect(result.applied).toEqual([]);
    });
  });
});
