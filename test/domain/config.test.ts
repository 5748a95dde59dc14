import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutConfigError } from '../../lib/domain/config-errors';
import type { RolloutConfigInput } from '../../lib/domain/config-schema';
import { loadRolloutConfig, parseRolloutConfig } from '../../lib/domain/load-config';
import { isValidRolloutPercent, percentToBuckets } from '../../lib/domain/percent';
import { SHIPPED_CONFIG_FILE, TODAY, validConfigInput, withChange } from '../fixtures/config';

/** Escapes `text` for use inside a RegExp. */
function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `fn` and returns the RolloutConfigError it throws (fails the test otherwise). */
function thrownBy(fn: () => unknown): RolloutConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RolloutConfigError) return error;
    throw error;
  }
  throw new Error('expected a RolloutConfigError, but nothing was thrown');
}

function parseAt(input: unknown, today: string = TODAY) {
  return () => parseRolloutConfig(input, { today });
}

interface ExpectedIssue {
  /** Dotted path of the offending key. */
  readonly path: string;
  /** The value the issue must carry. */
  readonly value: unknown;
  /** The part of the message that says what to do. */
  readonly fix: RegExp;
  /** How the value appears in the message; default JSON.stringify(value). */
  readonly shown?: string;
}

/**
 * Asserts `input` is rejected with exactly one issue: the thrown error is a RolloutConfigError,
 * its message has one line naming the key, the fix and the bad value, and `issues` holds exactly
 * that issue.
 */
function expectSingleIssue(input: unknown, expected: ExpectedIssue, today: string = TODAY): void {
  const parse = parseAt(input, today);
  expect(parse).toThrow(RolloutConfigError);
  const shown = expected.shown ?? JSON.stringify(expected.value);
  expect(parse).toThrow(
    new RegExp(`^  - ${esc(expected.path)}: .*${expected.fix.source}.*\\(got ${esc(shown)}\\)$`, 'm'),
  );
  expect(thrownBy(parse).issues).toEqual([
    { path: expected.path, value: expected.value, message: expect.stringMatching(expected.fix) },
  ]);
}

const DEFAULT_ALARMS = {
  periodMinutes: 1,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  minRequestsPerPeriod: 20,
  minErrorsToJudge: 3,
  flagErrorsPerPeriod: 10,
  gatewayErrorsPerPeriod: 5,
  errorRatePercent: 5,
  throttleRatePercent: 10,
  moderationFlagRatePercent: 1,
  incompatibleRequestPercent: 1,
  latencyP99Ms: 30000,
  timeToFirstTokenP99Ms: 5000,
};

describe('test fixture', () => {
  it('validConfigInput returns an independent deep copy each time', () => {
    const a = validConfigInput();
    a.rollout.phases[0]!.rolloutPercent = 42;
    expect(validConfigInput().rollout.phases[0]?.rolloutPercent).toBe(0.1);
  });

  it('withChange applies the mutator to a copy only', () => {
    const changed = withChange((c) => {
      c.stackName = 'Changed';
    });
    expect(changed.stackName).toBe('Changed');
    expect(validConfigInput().stackName).toBe('LlmModelRollout');
  });
});

describe('parseRolloutConfig: the shipped config', () => {
  it('parses with no warnings on 2026-11-25', () => {
    const { config, warnings } = parseRolloutConfig(validConfigInput(), { today: TODAY });
    expect(warnings).toEqual([]);
    expect(config.llm.defaultModel).toBe('claude-sonnet-4-6');
    expect(config.llm.newModelAlias).toBe('claude-haiku-4-5');
    expect(config.llm.useNewModelFlagKey).toBe('enable_claude_haiku_4_5');
    expect(config.rollout).not.toHaveProperty('currentPhase');
    expect(config.rollout.phases.map((p) => [p.name, p.rolloutPercent])).toEqual([
      ['smoke', 0.1],
      ['canary', 1],
      ['phase-2', 5],
      ['phase-3', 25],
      ['full', 100],
    ]);
  });

  it('names a live default model (the plan example claude-2.1 is retired)', () => {
    const { config } = parseRolloutConfig(validConfigInput(), { today: TODAY });
    const defaultEntry = config.llm.models[config.llm.defaultModel];
    expect(defaultEntry?.vendorModelId).toBe('claude-sonnet-4-6');
  });

  it('applies defaults inside the phases, rollout and appConfig', () => {
    const { config } = parseRolloutConfig(validConfigInput(), { today: TODAY });
    const full = config.rollout.phases[4];
    expect(full?.name).toBe('full');
    expect(full?.allowlist).toEqual([]);
    expect(full?.clientSegments).toEqual([]);
    expect(config.rollout.phases[1]?.clientSegments).toEqual([]);
    expect(config.contacts.escalation).toHaveLength(1);
  });

  it('fills every alarm threshold with its default when `alarms` is removed', () => {
    const input = withChange((c) => {
      delete c.alarms;
    });
    expect(input).not.toHaveProperty('alarms');
    const { config } = parseRolloutConfig(input, { today: TODAY });
    expect(config.alarms).toEqual(DEFAULT_ALARMS);
  });

  it('fills missing alarm keys with defaults when `alarms` is partial', () => {
    const input = withChange((c) => {
      c.alarms = { errorRatePercent: 7 };
    });
    const { config } = parseRolloutConfig(input, { today: TODAY });
    expect(config.alarms).toEqual({ ...DEFAULT_ALARMS, errorRatePercent: 7 });
  });

  it('defaults growthType, stackName, agentPollIntervalSeconds and notification lists', () => {
    const input = withChange((c) => {
      delete c.stackName;
      delete c.appConfig.agentPollIntervalSeconds;
      delete c.rollout.phases[0]?.deployment.growthType;
      delete c.notifications.stakeholderEmails;
      delete c.notifications.onCallHttpsEndpoints;
    });
    const { config } = parseRolloutConfig(input, { today: TODAY });
    expect(config.stackName).toBe('LlmModelRollout');
    expect(config.appConfig.agentPollIntervalSeconds).toBe(45);
    expect(config.rollout.phases[0]?.deployment.growthType).toBe('LINEAR');
    expect(config.notifications.stakeholderEmails).toEqual([]);
    expect(config.notifications.onCallHttpsEndpoints).toEqual([]);
  });

  // cdk deploy no longer owns the live phase: a config that still names one is told where
  // phases are advanced now, whatever value it has.
  it.each(['off', 'canary'])('refuses rollout.currentPhase (%s), saying where phases are advanced now', (phase) => {
    const input = withChange((c) => {
      (c.rollout as Record<string, unknown>).currentPhase = phase;
    });
    expectSingleIssue(input, {
      path: 'rollout.currentPhase',
      value: phase,
      fix: /is no longer used: cdk deploy never changes the live phase\. Advance phases with npx rollout advance .*then delete this key/,
    });
  });
});

describe('parseRolloutConfig: rolloutPercent', () => {
  it('rejects 101', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[4]!.rolloutPercent = 101;
      }),
      {
        path: 'rollout.phases[4].rolloutPercent',
        value: 101,
        fix: /must be between 0 and 100 in steps of 0\.001 \(e\.g\. 0\.1, 1, 5, 25, 100\)/,
      },
    );
  });

  it('rejects -1', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.rolloutPercent = -1;
      }),
      { path: 'rollout.phases[0].rolloutPercent', value: -1, fix: /must be between 0 and 100 in steps of 0\.001/ },
    );
  });

  it('rejects 0.0005 (finer than the 0.001 step)', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.rolloutPercent = 0.0005;
      }),
      { path: 'rollout.phases[0].rolloutPercent', value: 0.0005, fix: /must be between 0 and 100 in steps of 0\.001/ },
    );
  });

  it('rejects a string', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.rolloutPercent = '5' as unknown as number;
      }),
      { path: 'rollout.phases[0].rolloutPercent', value: '5', fix: /must be a number between 0 and 100/ },
    );
  });
});

describe('parseRolloutConfig: phases', () => {
  // AppConfig CreateHostedConfigurationVersion sends the version's Description as an HTTP
  // header: a non-ASCII character cannot travel there.
  it('rejects a phase description that is not printable ASCII', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.description = 'QA sign-off — then canary';
      }),
      {
        path: 'rollout.phases[0].description',
        value: 'QA sign-off — then canary',
        fix: /must be printable ASCII \(AppConfig sends it as an HTTP header\)/,
      },
    );
  });

  it('rejects a phase whose percentage equals the one before', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[2]!.rolloutPercent = 1;
      }),
      {
        path: 'rollout.phases[2].rolloutPercent',
        value: 1,
        fix: /does not grow from the phase before \(canary: 1\); each phase must admit more users than the last, e\.g\. 0\.1, 1, 5, 25, 100/,
      },
    );
  });

  it('rejects a phase whose percentage decreases', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[3]!.rolloutPercent = 2;
      }),
      {
        path: 'rollout.phases[3].rolloutPercent',
        value: 2,
        fix: /does not grow from the phase before \(phase-2: 5\); each phase must admit more users/,
      },
    );
  });

  it("rejects a phase named 'off'", () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[1]!.name = 'off';
      }),
      {
        path: 'rollout.phases[1].name',
        value: 'off',
        fix: /'off' is reserved for the kill-switch version; pick another name/,
      },
    );
  });

  it('rejects duplicate phase names', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[1]!.name = 'smoke';
      }),
      {
        path: 'rollout.phases[1].name',
        value: 'smoke',
        fix: /is used by an earlier phase; phase names must be unique/,
      },
    );
  });

  it("rejects the phase name 'Canary!'", () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[1]!.name = 'Canary!';
      }),
      {
        path: 'rollout.phases[1].name',
        value: 'Canary!',
        fix: /must be lower-case letters, digits and dashes, starting with a letter \(e\.g\. canary\)/,
      },
    );
  });

  it('rejects watchWindowHours.max below min', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[1]!.watchWindowHours = { min: 24, max: 12 };
      }),
      {
        path: 'rollout.phases[1].watchWindowHours.max',
        value: 12,
        fix: /is below watchWindowHours\.min \(24\); the window must end after it starts/,
      },
    );
  });

  it('rejects an empty phase list', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases = [];
      }),
      { path: 'rollout.phases', value: [], fix: /must list at least one phase/ },
    );
  });
});

describe('parseRolloutConfig: phase deployment', () => {
  it('rejects durationMinutes 1441', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.deployment.durationMinutes = 1441;
      }),
      {
        path: 'rollout.phases[0].deployment.durationMinutes',
        value: 1441,
        fix: /must be ≤ 1440 minutes \(AppConfig limit\)/,
      },
    );
  });

  it('rejects finalBakeMinutes 2000', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[2]!.deployment.finalBakeMinutes = 2000;
      }),
      {
        path: 'rollout.phases[2].deployment.finalBakeMinutes',
        value: 2000,
        fix: /must be ≤ 1440 minutes \(AppConfig limit\)/,
      },
    );
  });

  it('rejects growthFactor 0.5', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.deployment.growthFactor = 0.5;
      }),
      { path: 'rollout.phases[0].deployment.growthFactor', value: 0.5, fix: /must be ≥ 1 \(AppConfig limit\)/ },
    );
  });

  it('rejects growthFactor 101', () => {
    expectSingleIssue(
      withChange((c) => {
        c.rollout.phases[0]!.deployment.growthFactor = 101;
      }),
      { path: 'rollout.phases[0].deployment.growthFactor', value: 101, fix: /must be ≤ 100 \(AppConfig limit\)/ },
    );
  });
});

describe('parseRolloutConfig: models', () => {
  it('rejects newModelAlias equal to defaultModel', () => {
    expectSingleIssue(
      withChange((c) => {
        c.llm.newModelAlias = 'claude-sonnet-4-6';
      }),
      {
        path: 'llm.newModelAlias',
        value: 'claude-sonnet-4-6',
        fix: /is the same model as llm\.defaultModel; the new model must differ from the default it replaces/,
      },
    );
  });

  it('rejects two aliases with the same vendorModelId', () => {
    expectSingleIssue(
      withChange((c) => {
        const haiku = c.llm.models['claude-haiku-4-5'];
        if (!haiku) throw new Error('fixture lacks claude-haiku-4-5');
        haiku.vendorModelId = 'claude-sonnet-4-6';
      }),
      {
        path: 'llm.models.claude-haiku-4-5.vendorModelId',
        value: 'claude-sonnet-4-6',
        fix: /is the same vendor model as llm\.models\.claude-sonnet-4-6; the new model must differ from the default it replaces/,
      },
    );
  });

  it('ships the request rules Claude Haiku 4.5 needs (not adaptiveThinking: it has extended thinking only) and every model its output limit', () => {
    const { config } = parseRolloutConfig(validConfigInput(), { today: TODAY });
    expect(config.llm.models['claude-haiku-4-5']).toMatchObject({
      maxOutputTokens: 64_000,
      requestRules: ['oneSamplingParameter', 'clampMaxTokens'],
    });
    for (const [alias, model] of Object.entries(config.llm.models))
      expect([alias, model.maxOutputTokens]).toEqual([alias, expect.any(Number)]);
  });

  it('rejects an unknown request rule, naming the key, the value, the known rules and the fix', () => {
    expectSingleIssue(
      withChange((c) => {
        const haiku = c.llm.models['claude-haiku-4-5'];
        if (!haiku) throw new Error('fixture lacks claude-haiku-4-5');
        haiku.requestRules = ['oneSamplingParameter', 'clampMaxToken' as 'clampMaxTokens'];
      }),
      {
        path: 'llm.models.claude-haiku-4-5.requestRules[1]',
        value: 'clampMaxToken',
        fix: /is not a request rule; known rules: oneSamplingParameter, noSamplingParameters, adaptiveThinking, clampMaxTokens\. Correct the spelling or remove it/,
      },
    );
  });

  it('rejects clampMaxTokens without maxOutputTokens', () => {
    expectSingleIssue(
      withChange((c) => {
        const haiku = c.llm.models['claude-haiku-4-5'];
        if (!haiku) throw new Error('fixture lacks claude-haiku-4-5');
        delete haiku.maxOutputTokens;
      }),
      {
        path: 'llm.models.claude-haiku-4-5.maxOutputTokens',
        value: undefined,
        shown: 'missing',
        fix: /is required by the clampMaxTokens rule in llm\.models\.claude-haiku-4-5\.requestRules: set it to the model's largest max_tokens .*, or remove clampMaxTokens/,
      },
    );
  });

  it('rejects a maxOutputTokens that is not a positive whole number', () => {
    expectSingleIssue(
      withChange((c) => {
        const sonnet = c.llm.models['claude-sonnet-4-6'];
        if (!sonnet) throw new Error('fixture lacks claude-sonnet-4-6');
        sonnet.maxOutputTokens = 0;
      }),
      { path: 'llm.models.claude-sonnet-4-6.maxOutputTokens', value: 0, fix: /must be > 0/ },
    );
  });

  it('rejects a defaultModel alias missing from llm.models', () => {
    expectSingleIssue(
      withChange((c) => {
        c.llm.defaultModel = 'claude-sonnet-4-7';
      }),
      {
        path: 'llm.defaultModel',
        value: 'claude-sonnet-4-7',
        fix: /is not in llm\.models \(known aliases: claude-sonnet-4-6, claude-haiku-4-5\); add "claude-sonnet-4-7" to llm\.models with its vendorModelId and prices, or name a known alias/,
      },
    );
  });

  it('rejects a newModelAlias missing from llm.models', () => {
    expectSingleIssue(
      withChange((c) => {
        c.llm.newModelAlias = 'claude-haiku-4-6';
      }),
      {
        path: 'llm.newModelAlias',
        value: 'claude-haiku-4-6',
        fix: /is not in llm\.models \(known aliases: claude-sonnet-4-6, claude-haiku-4-5\); add "claude-haiku-4-6" to llm\.models/,
      },
    );
  });

  it("rejects the flag key 'Enable-Haiku'", () => {
    expectSingleIssue(
      withChange((c) => {
        c.llm.useNewModelFlagKey = 'Enable-Haiku';
      }),
      {
        path: 'llm.useNewModelFlagKey',
        value: 'Enable-Haiku',
        fix: /must match \^\[a-z\]\[a-zA-Z0-9_-\]\{0,63\}\$ \(AppConfig flag key rule\), e\.g\. enable_claude_haiku_4_5/,
      },
    );
  });

  it('rejects the retired vendor model claude-2.1, naming the date and a replacement', () => {
    expectSingleIssue(
      withChange((c) => {
        const sonnet = c.llm.models['claude-sonnet-4-6'];
        if (!sonnet) throw new Error('fixture lacks claude-sonnet-4-6');
        sonnet.vendorModelId = 'claude-2.1';
      }),
      {
        path: 'llm.models.claude-sonnet-4-6.vendorModelId',
        value: 'claude-2.1',
        fix: /was retired by Anthropic on 2025-07-21: calls to it fail; use a live model such as claude-sonnet-4-6/,
      },
    );
  });

  describe('claude-sonnet-4-5-20250929 (retires 2026-11-30)', () => {
    const input = () =>
      withChange((c) => {
        const sonnet = c.llm.models['claude-sonnet-4-6'];
        if (!sonnet) throw new Error('fixture lacks claude-sonnet-4-6');
        sonnet.vendorModelId = 'claude-sonnet-4-5-20250929';
      });
    const warning = {
      path: 'llm.models.claude-sonnet-4-6.vendorModelId',
      value: 'claude-sonnet-4-5-20250929',
      message: 'retires on 2026-11-30; plan a move to claude-sonnet-4-6 before then',
    };

    it('is a warning, not an error, on 2026-11-25', () => {
      const { config, warnings } = parseRolloutConfig(input(), { today: TODAY });
      expect(warnings).toEqual([warning]);
      expect(config.llm.models['claude-sonnet-4-6']?.vendorModelId).toBe('claude-sonnet-4-5-20250929');
    });

    it('is a warning from 60 days ahead (2026-10-01) and nothing the day before', () => {
      expect(parseRolloutConfig(input(), { today: '2026-10-01' }).warnings).toEqual([warning]);
      expect(parseRolloutConfig(input(), { today: '2026-09-30' }).warnings).toEqual([]);
    });

    it('is an error on 2026-12-01', () => {
      expectSingleIssue(
        input(),
        {
          path: 'llm.models.claude-sonnet-4-6.vendorModelId',
          value: 'claude-sonnet-4-5-20250929',
          fix: /was retired by Anthropic on 2026-11-30: calls to it fail; use a live model such as claude-sonnet-4-6/,
        },
        '2026-12-01',
      );
    });

    it('is an error on the retirement day itself (2026-11-30)', () => {
      expect(parseAt(input(), '2026-11-30')).toThrow(/retired by Anthropic on 2026-11-30/);
    });
  });
});

describe('parseRolloutConfig: alarms, spend, notifications, contacts', () => {
  it('rejects datapointsToAlarm greater than evaluationPeriods', () => {
    expectSingleIssue(
      withChange((c) => {
        c.alarms = { evaluationPeriods: 3, datapointsToAlarm: 4 };
      }),
      {
        path: 'alarms.datapointsToAlarm',
        value: 4,
        fix: /is more than alarms\.evaluationPeriods \(3\); an alarm needs M ≤ N datapoints to fire/,
      },
    );
  });

  it('rejects a config with no on-call subscriber', () => {
    const input = withChange((c) => {
      c.notifications.onCallEmails = [];
      c.notifications.onCallHttpsEndpoints = [];
    });
    const value = { onCallEmails: [], onCallHttpsEndpoints: [], stakeholderEmails: ['llm-platform@example.com'] };
    expectSingleIssue(input, {
      path: 'notifications',
      value,
      // describeValue truncates JSON longer than 80 characters to 77 plus '...'.
      shown: `${JSON.stringify(value).slice(0, 77)}...`,
      fix: /has no on-call subscriber; add an address to notifications\.onCallEmails or a pager URL to notifications\.onCallHttpsEndpoints/,
    });
  });

  it('accepts an https pager endpoint as the only on-call subscriber', () => {
    const input = withChange((c) => {
      c.notifications.onCallEmails = [];
      c.notifications.onCallHttpsEndpoints = ['https://pager.example.com/hook'];
    });
    expect(parseRolloutConfig(input, { today: TODAY }).config.notifications.onCallHttpsEndpoints).toEqual([
      'https://pager.example.com/hook',
    ]);
  });

  it('rejects an http (not https) on-call endpoint', () => {
    expectSingleIssue(
      withChange((c) => {
        c.notifications.onCallHttpsEndpoints = ['http://pager.example.com/hook'];
      }),
      {
        path: 'notifications.onCallHttpsEndpoints[0]',
        value: 'http://pager.example.com/hook',
        fix: /must be an https:\/\/ URL/,
      },
    );
  });

  it('rejects alertAtPercentOfExpected 100', () => {
    expectSingleIssue(
      withChange((c) => {
        c.spend.alertAtPercentOfExpected = 100;
      }),
      {
        path: 'spend.alertAtPercentOfExpected',
        value: 100,
        fix: /must be > 100 \(an alert at or below the expectation fires every month\)/,
      },
    );
  });

  it('rejects a negative expectedMonthlyAwsUsd', () => {
    expectSingleIssue(
      withChange((c) => {
        c.spend.expectedMonthlyAwsUsd = -5;
      }),
      { path: 'spend.expectedMonthlyAwsUsd', value: -5, fix: /must be > 0 US dollars/ },
    );
  });

  it('rejects a bad on-call email', () => {
    expectSingleIssue(
      withChange((c) => {
        c.notifications.onCallEmails = ['llm-oncall(at)example.com'];
      }),
      {
        path: 'notifications.onCallEmails[0]',
        value: 'llm-oncall(at)example.com',
        fix: /must be an email address such as oncall@example\.com/,
      },
    );
  });

  it("rejects a bad owner's email", () => {
    expectSingleIssue(
      withChange((c) => {
        c.contacts.owner.email = 'llm platform@example.com';
      }),
      {
        path: 'contacts.owner.email',
        value: 'llm platform@example.com',
        fix: /must be an email address such as oncall@example\.com/,
      },
    );
  });
});

describe('parseRolloutConfig: review findings', () => {
  it('does not take an inherited property name (toString) for a model alias', () => {
    const parse = parseAt(
      withChange((c) => {
        c.llm.defaultModel = 'toString';
      }),
    );
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(/llm\.defaultModel: is not in llm\.models/);
  });

  it('refuses a malformed today with a RangeError that names the format', () => {
    expect(() => parseRolloutConfig(validConfigInput(), { today: '2026-1-5' })).toThrow(
      /today must be a date as YYYY-MM-DD \(got 2026-1-5\)/,
    );
  });

  it('refuses model timeouts that leave the Lambda no time to fall back', () => {
    const parse = parseAt(
      withChange((c) => {
        Object.assign(c, {
          gateway: { newModelTimeoutMs: 200_000, defaultModelTimeoutMs: 100_000, timeoutSeconds: 300 },
        });
      }),
    );
    expect(parse).toThrow(/gateway\.timeoutSeconds: leaves no time to fall back: .* \(got 300\)/);
  });

  it('refuses a stream idle timeout longer than any Lambda invocation (a timer that long would fire at once)', () => {
    const parse = parseAt(
      withChange((c) => {
        Object.assign(c, { gateway: { streamIdleTimeoutMs: 2 ** 31 } });
      }),
    );
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(/gateway\.streamIdleTimeoutMs: must be ≤ 900000 ms .*\(got 2147483648\)/);
    expect(
      parseAt(
        withChange((c) => {
          Object.assign(c, { gateway: { streamIdleTimeoutMs: 900_000 } });
        }),
      )().config.gateway.streamIdleTimeoutMs,
    ).toBe(900_000);
  });
});

describe('parseRolloutConfig: gateway.vendorApiKeySecretKmsKeyArn', () => {
  const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('is optional, and a key ARN is kept', () => {
    expect(parseAt(validConfigInput())().config.gateway.vendorApiKeySecretKmsKeyArn).toBeUndefined();
    const input = withChange((c) => {
      Object.assign(c, { gateway: { vendorApiKeySecretKmsKeyArn: key } });
    });
    expect(parseAt(input)().config.gateway.vendorApiKeySecretKmsKeyArn).toBe(key);
  });

  it('refuses an alias (a grant needs the key itself), naming a key ARN to use', () => {
    const alias = 'arn:aws:kms:us-east-1:123456789012:alias/vendor-secrets';
    expectSingleIssue(
      withChange((c) => {
        Object.assign(c, { gateway: { vendorApiKeySecretKmsKeyArn: alias } });
      }),
      {
        path: 'gateway.vendorApiKeySecretKmsKeyArn',
        value: alias,
        fix: /must be the ARN of a KMS key, such as arn:aws:kms:.*an alias does not work in a grant/,
      },
    );
  });
});

describe('parseRolloutConfig: unknown and missing keys', () => {
  it('names an unknown key (typo rollout.phasse next to rollout.phases)', () => {
    const input = withChange((c) => {
      Object.assign(c.rollout, { phasse: [] });
    });
    const parse = parseAt(input);
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(
      /^ {2}- rollout\.phasse: is not a known key; check its spelling against README \(the config table\) \(got \[\]\)$/m,
    );
    expect(thrownBy(parse).issues).toEqual([
      {
        path: 'rollout.phasse',
        value: [],
        message: 'is not a known key; check its spelling against README (the config table)',
      },
    ]);
  });

  it('reports both the unknown key and the missing key when rollout.phases is misspelt', () => {
    const input = withChange((c) => {
      const phases = c.rollout.phases;
      Reflect.deleteProperty(c.rollout, 'phases');
      Object.assign(c.rollout, { phasse: phases });
    });
    const parse = parseAt(input);
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(/^ {2}- rollout\.phasse: is not a known key/m);
    expect(parse).toThrow(/^ {2}- rollout\.phases: is required: .*\(got missing\)$/m);
    const paths = thrownBy(parse).issues.map((i) => i.path);
    expect(paths.sort()).toEqual(['rollout.phases', 'rollout.phasse']);
  });

  it('names an unknown top-level key', () => {
    const input = withChange((c) => {
      Object.assign(c, { alarm: {} });
    });
    expect(thrownBy(parseAt(input)).issues).toEqual([
      { path: 'alarm', value: {}, message: 'is not a known key; check its spelling against README (the config table)' },
    ]);
  });

  it('reports a missing required section as required', () => {
    const input = withChange((c) => {
      Reflect.deleteProperty(c, 'spend');
    });
    const parse = parseAt(input);
    expect(parse).toThrow(/^ {2}- spend: is required: .*\(got missing\)$/m);
    expect(thrownBy(parse).issues).toEqual([
      { path: 'spend', value: undefined, message: expect.stringMatching(/^is required: /) },
    ]);
  });

  it('rejects a non-object config at the top level', () => {
    const parse = parseAt('not a config');
    expect(parse).toThrow(RolloutConfigError);
    expect(parse).toThrow(/^ {2}- \(top level\): .*\(got "not a config"\)$/m);
    expect(thrownBy(parse).issues).toEqual([{ path: '', value: 'not a config', message: expect.any(String) }]);
  });
});

describe('parseRolloutConfig: several errors at once', () => {
  it('reports every schema error in one throw', () => {
    const input = withChange((c) => {
      c.rollout.phases[0]!.rolloutPercent = 101;
      c.rollout.phases[1]!.deployment.growthFactor = 0.5;
      c.notifications.onCallEmails = ['nope'];
      c.llm.useNewModelFlagKey = 'Enable-Haiku';
    });
    const error = thrownBy(parseAt(input));
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'llm.useNewModelFlagKey',
      'notifications.onCallEmails[0]',
      'rollout.phases[0].rolloutPercent',
      'rollout.phases[1].deployment.growthFactor',
    ]);
    expect(error.message.split('\n')).toHaveLength(5);
    expect(error.message).toMatch(/^Invalid rollout config rollout config:\n/);
  });

  it('reports every cross-field rule error in one throw', () => {
    const input = withChange((c) => {
      c.rollout.phases[3]!.name = 'canary';
      c.rollout.phases[2]!.name = 'canary';
      c.alarms = { evaluationPeriods: 2, datapointsToAlarm: 3 };
      c.notifications.onCallEmails = [];
      c.llm.newModelAlias = 'claude-sonnet-4-6';
    });
    const error = thrownBy(parseAt(input));
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'alarms.datapointsToAlarm',
      'llm.newModelAlias',
      'notifications',
      'rollout.phases[2].name',
      'rollout.phases[3].name',
    ]);
    expect(error.message.split('\n')).toHaveLength(6);
  });

  it('uses the source option in the message', () => {
    const input = withChange((c) => {
      c.rollout.phases[1]!.rolloutPercent = 0.1;
    });
    expect(() => parseRolloutConfig(input, { today: TODAY, source: 'my.json' })).toThrow(
      /^Invalid rollout config my\.json:\n {2}- rollout\.phases\[1\]\.rolloutPercent: /,
    );
  });
});

describe('loadRolloutConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-config-test-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the shipped file with no warnings', () => {
    const { config, warnings } = loadRolloutConfig(SHIPPED_CONFIG_FILE, { today: TODAY });
    expect(warnings).toEqual([]);
    expect(config).toEqual(parseRolloutConfig(validConfigInput(), { today: TODAY }).config);
  });

  it('throws a RolloutConfigError naming a missing file', () => {
    const file = path.join(dir, 'does-not-exist.json');
    const load = () => loadRolloutConfig(file, { today: TODAY });
    expect(load).toThrow(RolloutConfigError);
    expect(load).toThrow(
      new RegExp(
        `^Invalid rollout config ${esc(file)}:\\n  - \\(top level\\): cannot be read \\(ENOENT.*\\); pass the path of your rollout config`,
      ),
    );
    const error = thrownBy(load);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/^cannot be read \(ENOENT/) }]);
    // fs errors come from Node's realm, not Jest's sandbox, so check the shape, not the class.
    expect(error.cause).toMatchObject({ code: 'ENOENT', path: file });
  });

  it('throws a RolloutConfigError naming a file of invalid JSON', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{ "stackName": "LlmModelRollout", }');
    const load = () => loadRolloutConfig(file, { today: TODAY });
    expect(load).toThrow(RolloutConfigError);
    expect(load).toThrow(
      new RegExp(`^Invalid rollout config ${esc(file)}:\\n  - \\(top level\\): is not valid JSON: `),
    );
    const error = thrownBy(load);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/^is not valid JSON: /) }]);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('names the file when its JSON is valid but the config is not', () => {
    const file = path.join(dir, 'invalid-config.json');
    const input: RolloutConfigInput = withChange((c) => {
      c.rollout.phases[0]!.rolloutPercent = 101;
    });
    fs.writeFileSync(file, JSON.stringify(input));
    const load = () => loadRolloutConfig(file, { today: TODAY });
    expect(load).toThrow(
      new RegExp(`^Invalid rollout config ${esc(file)}:\\n  - rollout\\.phases\\[0\\]\\.rolloutPercent: `),
    );
  });
});

describe('percent helpers', () => {
  it.each([0, 0.001, 0.1, 99.999, 100])('isValidRolloutPercent(%p) is true', (value) => {
    expect(isValidRolloutPercent(value)).toBe(true);
  });

  it.each([-0.001, 100.001, 0.0001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'isValidRolloutPercent(%p) is false',
    (value) => {
      expect(isValidRolloutPercent(value)).toBe(false);
    },
  );

  it('percentToBuckets maps percentages onto 100,000 buckets', () => {
    expect(percentToBuckets(0.1)).toBe(100);
    expect(percentToBuckets(100)).toBe(100000);
    expect(percentToBuckets(0)).toBe(0);
    expect(percentToBuckets(0.001)).toBe(1);
    expect(percentToBuckets(99.999)).toBe(99999);
  });
});
