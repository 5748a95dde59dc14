import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { expectedSpendByPhase, formatSpendTable, requestCostUsd, vendorSpendBasis } from '../../lib/domain/spend';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

function template(config: RolloutConfig = shippedConfig()): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-iam:minimizePolicies': true } });
  return Template.fromStack(new ModelRolloutStack(app, 'LlmModelRollout', { config }));
}

type Alarm = {
  Properties: {
    AlarmName: string;
    Threshold: number;
    Metrics: {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] };
        Period: number;
        Stat: string;
      };
    }[];
    EvaluationPeriods: number;
    DatapointsToAlarm: number;
    AlarmActions: unknown[];
  };
};

function alarm(t: Template, name: string): Alarm['Properties'] {
  const found = Object.values(
    t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }),
  ) as Alarm[];
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

describe('expected vendor spend', () => {
  it('prices one request from the catalog', () => {
    expect(
      requestCostUsd({ vendorModelId: 'x', inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 }, 1200, 400),
    ).toBeCloseTo(0.0096, 10);
  });

  it("blends the two models by each phase's share (shipped config)", () => {
    const byPhase = expectedSpendByPhase(shippedConfig())!;
    // 200,000 requests/day; Sonnet $0.0096 and Haiku $0.0032 per request.
    expect(byPhase.map((p) => [p.phase, Number(p.dailyUsd.toFixed(2))])).toEqual([
      ['off', 1920],
      ['smoke', 1918.72],
      ['canary', 1907.2],
      ['phase-2', 1856],
      ['phase-3', 1600],
      ['full', 640],
    ]);
    expect(byPhase[5]!.monthlyUsd).toBeCloseTo(640 * 30.4, 6);
  });

  it('alarms on the highest phase unless the operator gives the figure', () => {
    const derived = vendorSpendBasis(shippedConfig());
    expect(derived.expectedDailyUsd).toBeCloseTo(1920, 6);
    expect(derived.source).toBe('derived from spend.traffic: the highest phase (off)');
    expect(derived.dailyAlertUsd).toBeCloseTo(2304, 6);
    expect(derived.hourlyAlertUsd).toBeCloseTo((2304 * 2) / 24, 6);
    const given = vendorSpendBasis(
      configWith((c) => {
        c.spend.expectedDailyVendorUsd = 500;
        c.spend.alertAtPercentOfExpected = 150;
      }),
    );
    expect(given).toEqual({
      expectedDailyUsd: 500,
      source: 'spend.expectedDailyVendorUsd',
      dailyAlertUsd: 750,
      hourlyAlertUsd: 62.5,
    });
  });

  it('is the table README shows', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(formatSpendTable(shippedConfig()));
  });
});

describe('SpendGuard', () => {
  it("budgets the stack's AWS costs by its cost allocation tag, alerting at 120% actual and forecast", () => {
    const t = template(
      configWith((c) => {
        c.spend.alertEmails = ['finance@example.com'];
      }),
    );
    t.resourceCountIs('AWS::Budgets::Budget', 1);
    const subscribers = [
      { SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('NotificationsPageTopic') } },
      { SubscriptionType: 'EMAIL', Address: 'finance@example.com' },
    ];
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'LlmModelRollout-us-east-1-aws-costs',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 150, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:llm-rollout:stack$LlmModelRollout'] },
      },
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'ACTUAL',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 120,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscribers,
        },
        {
          Notification: {
            NotificationType: 'FORECASTED',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 120,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscribers,
        },
      ],
    });
  });

  it('uses the configured alert percentage', () => {
    const t = template(
      configWith((c) => {
        c.spend.alertAtPercentOfExpected = 135;
      }),
    );
    t.hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: Match.arrayWith([
        Match.objectLike({ Notification: Match.objectLike({ Threshold: 135 }) }),
      ]),
    });
  });

  it('lets AWS Budgets publish to the alert topic, and tags every resource for the budget', () => {
    const t = template();
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowBudgetsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('NotificationsPageTopic') },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Topic', {
      Tags: Match.arrayWith([{ Key: 'llm-rollout:stack', Value: 'LlmModelRollout' }]),
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([{ Key: 'llm-rollout:stack', Value: 'LlmModelRollout' }]),
    });
  });

  it('alarms on a day of vendor spend over both models at the threshold computed from config', () => {
    const config = shippedConfig();
    const a = alarm(template(config), 'LlmModelRollout/vendor-spend-daily');
    expect(a.Threshold).toBe(Math.round(vendorSpendBasis(config).dailyAlertUsd * 100) / 100);
    expect(a.Threshold).toBe(2304);
    expect(a.Metrics.find((m) => m.Expression)!.Expression).toBe('FILL(c0, 0) + FILL(c1, 0)');
    const inputs = a.Metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!);
    expect(inputs.map((i) => [i.Metric.MetricName, i.Metric.Dimensions, i.Period, i.Stat])).toEqual([
      ['EstimatedCostUsd', [{ Name: 'Model', Value: 'claude-sonnet-4-6' }], 86400, 'Sum'],
      ['EstimatedCostUsd', [{ Name: 'Model', Value: 'claude-haiku-4-5' }], 86400, 'Sum'],
    ]);
    expect([a.EvaluationPeriods, a.DatapointsToAlarm]).toEqual([1, 1]);
    expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/NotificationsPageTopic/) }]);
  });

  it('catches a runaway within the hour: the last hour projected to a day at the burn multiple', () => {
    const config = configWith((c) => {
      c.spend.expectedDailyVendorUsd = 480;
      c.spend.hourlyBurnMultiple = 3;
    });
    const a = alarm(template(config), 'LlmModelRollout/vendor-spend-burn-rate');
    expect(a.Threshold).toBe(72); // 480 × 120% × 3 / 24
    expect(a.Metrics.filter((m) => m.MetricStat).every((m) => m.MetricStat!.Period === 3600)).toBe(true);
  });
});

describe('spend config validation', () => {
  it.each([
    [
      'no expectation at all',
      (c: RolloutConfig) => {
        delete c.spend.traffic;
      },
      /spend: gives no expected vendor spend: set spend\.expectedDailyVendorUsd, or spend\.traffic/,
    ],
    [
      'a negative AWS expectation',
      (c: RolloutConfig) => {
        c.spend.expectedMonthlyAwsUsd = -5;
      },
      /spend\.expectedMonthlyAwsUsd: must be > 0 US dollars \(got -5\)/,
    ],
    [
      'an alert at 100%',
      (c: RolloutConfig) => {
        c.spend.alertAtPercentOfExpected = 100;
      },
      /spend\.alertAtPercentOfExpected: must be > 100/,
    ],
    [
      'a burn multiple below 1',
      (c: RolloutConfig) => {
        c.spend.hourlyBurnMultiple = 0.5;
      },
      /spend\.hourlyBurnMultiple: must be ≥ 1/,
    ],
    [
      'eleven budget emails',
      (c: RolloutConfig) => {
        c.spend.alertEmails = Array.from({ length: 11 }, (_, i) => `a${i}@example.com`);
      },
      /at most 10 email subscribers/,
    ],
    [
      'no on-call subscriber',
      (c: RolloutConfig) => {
        c.notifications.onCallEmails = [];
      },
      /notifications: has no on-call subscriber/,
    ],
  ])('refuses %s', (_what, change, message) => {
    expect(() => configWith(change)).toThrow(message);
  });
});
