import fc from 'fast-check';
import type { CohortDecision } from '../../../lib/domain/cohort';
import { gatewaySettingsFrom, type GatewaySettings, type ModelRoute } from '../../../lib/domain/gateway-settings';
import {
  namesDefaultModel,
  OTHER_MODEL,
  planRoute,
  type CallTarget,
  type RoutePlan,
} from '../../../lib/gateway/routing';
import { shippedConfig } from '../../fixtures/config';

const IN: CohortDecision = { inCohort: true, reason: 'in-percentage' };
const ALLOWLISTED: CohortDecision = { inCohort: true, reason: 'allowlist' };
const OUT: CohortDecision = { inCohort: false, reason: 'outside-percentage' };

const shipped = gatewaySettingsFrom(shippedConfig());

/** The shipped settings, with a default model whose vendor id differs from its alias. */
const DATED_SONNET = 'claude-sonnet-4-6-20260101';
const settings: GatewaySettings = (() => {
  const defaultModel: ModelRoute = { ...shipped.defaultModel, vendorModelId: DATED_SONNET };
  return {
    ...shipped,
    defaultModel,
    models: shipped.models.map((m) => (m.alias === defaultModel.alias ? defaultModel : m)),
    gateway: {
      ...shipped.gateway,
      newModelTimeoutMs: 12_345,
      defaultModelTimeoutMs: 54_321,
      defaultModelMaxRetries: 3,
    },
  };
})();

const DEFAULT_TARGET: CallTarget = {
  role: 'default',
  metricsModel: 'claude-sonnet-4-6',
  vendorModelId: DATED_SONNET,
  model: settings.defaultModel,
  timeoutMs: 54_321,
  maxRetries: 3,
  fallBackOn: [],
};

const NEW_TARGET: CallTarget = {
  role: 'new',
  metricsModel: 'claude-haiku-4-5',
  vendorModelId: 'claude-haiku-4-5-20251001',
  model: settings.newModel,
  timeoutMs: 12_345,
  maxRetries: 0,
  fallBackOn: ['throttle', 'model-error', 'flagged', 'client-error', 'credential'],
};

describe('namesDefaultModel', () => {
  it('is true for the default model alias and for its vendor id', () => {
    expect(namesDefaultModel(settings, 'claude-sonnet-4-6')).toBe(true);
    expect(namesDefaultModel(settings, DATED_SONNET)).toBe(true);
  });

  it('is false for the new model, other models and near misses', () => {
    for (const model of [
      'claude-haiku-4-5',
      'claude-haiku-4-5-20251001',
      'claude-opus-4-1',
      'CLAUDE-SONNET-4-6',
      'claude-sonnet-4-6 ',
      '',
    ]) {
      expect(namesDefaultModel(settings, model)).toBe(false);
    }
  });

  it('holds for the shipped config, where alias and vendor id coincide', () => {
    expect(shipped.defaultModel.alias).toBe(shipped.defaultModel.vendorModelId);
    expect(namesDefaultModel(shipped, 'claude-sonnet-4-6')).toBe(true);
  });
});

describe('planRoute', () => {
  describe.each(['claude-sonnet-4-6', DATED_SONNET])('a request naming the default model as %p', (requested) => {
    it('in the cohort: new model first (no retries, new-model timeout, falls back on throttle/model-error/flagged/client-error/credential), then the default', () => {
      expect(
        planRoute({ settings, requestedModel: requested, decision: IN, newModelAllowed: true }),
      ).toEqual<RoutePlan>({
        variant: 'new',
        rolloutApplies: true,
        circuitOpen: false,
        targets: [NEW_TARGET, DEFAULT_TARGET],
      });
      expect(
        planRoute({ settings, requestedModel: requested, decision: ALLOWLISTED, newModelAllowed: true }).targets,
      ).toEqual([NEW_TARGET, DEFAULT_TARGET]);
    });

    it('in the cohort with the breaker open: the default model only, marked circuitOpen', () => {
      expect(
        planRoute({ settings, requestedModel: requested, decision: IN, newModelAllowed: false }),
      ).toEqual<RoutePlan>({
        variant: 'new',
        rolloutApplies: true,
        circuitOpen: true,
        targets: [DEFAULT_TARGET],
      });
    });

    it('outside the cohort: the default model only', () => {
      const expected: RoutePlan = {
        variant: 'default',
        rolloutApplies: true,
        circuitOpen: false,
        targets: [DEFAULT_TARGET],
      };
      expect(planRoute({ settings, requestedModel: requested, decision: OUT, newModelAllowed: true })).toEqual(
        expected,
      );
      expect(planRoute({ settings, requestedModel: requested, decision: OUT, newModelAllowed: false })).toEqual(
        expected,
      );
      expect(
        planRoute({
          settings,
          requestedModel: requested,
          decision: { inCohort: false, reason: 'no-user-key' },
          newModelAllowed: true,
        }),
      ).toEqual(expected);
      expect(
        planRoute({
          settings,
          requestedModel: requested,
          decision: { inCohort: false, reason: 'flag-off' },
          newModelAllowed: true,
        }),
      ).toEqual(expected);
    });
  });

  it('the default model is always the last target and never falls back further', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('claude-sonnet-4-6', DATED_SONNET),
        (inCohort, allowed, requested) => {
          const plan = planRoute({
            settings,
            requestedModel: requested,
            decision: inCohort ? IN : OUT,
            newModelAllowed: allowed,
          });
          const last = plan.targets[plan.targets.length - 1];
          expect(last).toEqual(DEFAULT_TARGET);
          expect(plan.targets.filter((t) => t.role === 'new').every((t) => t.maxRetries === 0)).toBe(true);
          expect(plan.targets).toHaveLength(inCohort && allowed ? 2 : 1);
        },
      ),
    );
  });

  describe('a request naming another catalog model passes through unchanged', () => {
    it.each([
      ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
      ['claude-haiku-4-5', 'claude-haiku-4-5'],
    ])('%p → metrics model %p, vendor model id unchanged, whatever the cohort', (requested, alias) => {
      for (const [decision, allowed] of [
        [IN, true],
        [IN, false],
        [OUT, true],
      ] as const) {
        expect(
          planRoute({ settings, requestedModel: requested, decision: decision, newModelAllowed: allowed }),
        ).toEqual<RoutePlan>({
          variant: 'default',
          rolloutApplies: false,
          circuitOpen: false,
          targets: [
            {
              role: 'requested',
              metricsModel: alias,
              vendorModelId: requested,
              model: settings.newModel,
              timeoutMs: 54_321,
              maxRetries: 3,
              fallBackOn: [],
            },
          ],
        });
      }
    });
  });

  it("a request naming a model outside the catalog is counted as 'other', with no prices", () => {
    expect(OTHER_MODEL).toBe('other');
    const plan = planRoute({
      settings,
      requestedModel: 'claude-opus-4-1-20250805',
      decision: IN,
      newModelAllowed: true,
    });
    expect(plan).toEqual<RoutePlan>({
      variant: 'default',
      rolloutApplies: false,
      circuitOpen: false,
      targets: [
        {
          role: 'requested',
          metricsModel: 'other',
          vendorModelId: 'claude-opus-4-1-20250805',
          model: undefined,
          timeoutMs: 54_321,
          maxRetries: 3,
          fallBackOn: [],
        },
      ],
    });
  });

  it('property: any model that does not name the default passes through as requested, exactly once', () => {
    const catalogIds = new Set(settings.models.flatMap((m) => [m.alias, m.vendorModelId]));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(...catalogIds)),
        fc.boolean(),
        fc.boolean(),
        (model, inCohort, allowed) => {
          fc.pre(!namesDefaultModel(settings, model));
          const plan = planRoute({
            settings,
            requestedModel: model,
            decision: inCohort ? IN : OUT,
            newModelAllowed: allowed,
          });
          expect(plan.rolloutApplies).toBe(false);
          expect(plan.variant).toBe('default');
          expect(plan.circuitOpen).toBe(false);
          expect(plan.targets).toHaveLength(1);
          const [target] = plan.targets;
          expect(target?.role).toBe('requested');
          expect(target?.vendorModelId).toBe(model);
          expect(target?.fallBackOn).toEqual([]);
          expect(target?.metricsModel).toBe(
            catalogIds.has(model)
              ? settings.models.find((m) => m.alias === model || m.vendorModelId === model)?.alias
              : 'other',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses the shipped defaults (30 s new model, 60 s default model, 2 retries)', () => {
    const plan = planRoute({
      settings: shipped,
      requestedModel: 'claude-sonnet-4-6',
      decision: IN,
      newModelAllowed: true,
    });
    expect(plan.targets.map((t) => [t.role, t.vendorModelId, t.timeoutMs, t.maxRetries])).toEqual([
      ['new', 'claude-haiku-4-5-20251001', 30_000, 0],
      ['default', 'claude-sonnet-4-6', 60_000, 2],
    ]);
  });
});
