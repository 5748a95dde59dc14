import { Duration, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmCatalog, roundUsd } from '../domain/alarm-catalog';
import { ALARM_NAMES, alarmNamePrefix, ownerText } from '../domain/alarm-names';
import type { RolloutConfig } from '../domain/config-schema';
import { vendorSpendBasis, type VendorSpendBasis } from '../domain/spend';
import { notifySns, RolloutAlarmFactory } from './alarm-factory';
import type { GatewayMetrics } from './gateway-metrics';

export interface SpendGuardProps {
  readonly config: RolloutConfig;
  readonly metrics: GatewayMetrics;
  /** Where spend alerts go (budget notifications and the vendor-spend alarms). */
  readonly alertTopic: sns.Topic;
}

/**
 * Watches both bills: an AWS Budget on the stack's own AWS costs (by its cost allocation tag),
 * and CloudWatch alarms on the vendor spend the gateway estimates from token usage — vendor
 * API spend never appears in AWS billing, so a budget alone would watch the wrong bill.
 */
export class SpendGuard extends Construct {
  public readonly budget: budgets.CfnBudget;
  public readonly dailyVendorSpendAlarm: cloudwatch.Alarm;
  public readonly vendorBurnRateAlarm: cloudwatch.Alarm;
  public readonly basis: VendorSpendBasis;

  public constructor(scope: Construct, id: string, props: SpendGuardProps) {
    super(scope, id);
    const { config, metrics, alertTopic } = props;
    const { spend } = config;
    const stack = Stack.of(this);

    // AWS Budgets publishes as a service principal (the topic's key already lets it encrypt).
    alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [
      { subscriptionType: 'SNS', address: alertTopic.topicArn },
      ...spend.alertEmails.map((address) => ({ subscriptionType: 'EMAIL', address })),
    ];
    const notifyAt = (
      notificationType: 'ACTUAL' | 'FORECASTED',
    ): budgets.CfnBudget.NotificationWithSubscribersProperty => ({
      notification: {
        notificationType,
        comparisonOperator: 'GREATER_THAN',
        threshold: spend.alertAtPercentOfExpected,
        thresholdType: 'PERCENTAGE',
      },
      subscribers,
    });
    this.budget = new budgets.CfnBudget(this, 'AwsBudget', {
      budget: {
        // Budget names are unique per account (Budgets is a global service): the region keeps the
        // same stack name deployable in a second region.
        budgetName: `${config.stackName}-${stack.region}-aws-costs`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: spend.expectedMonthlyAwsUsd, unit: 'USD' },
        // Only this stack's resources: they all carry the cost allocation tag (activate it
        // once in the Billing console, see README).
        costFilters: { TagKeyValue: [`user:${spend.costAllocationTag}$${config.stackName}`] },
      },
      notificationsWithSubscribers: [notifyAt('ACTUAL'), notifyAt('FORECASTED')],
    });
    // The subscriber must exist (and accept Budgets) before the budget is created.
    this.budget.node.addDependency(alertTopic);

    this.basis = vendorSpendBasis(config);
    const factory = new RolloutAlarmFactory(this, {
      namePrefix: alarmNamePrefix(config),
      evaluation: { period: Duration.minutes(config.alarms.periodMinutes), evaluationPeriods: 1, datapointsToAlarm: 1 },
      owner: ownerText(config),
    });
    const models = Object.keys(config.llm.models);
    const totalCost = (period: Duration): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: models.map((_, i) => `FILL(c${i}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(
          models.map((m, i) => [`c${i}`, metrics.metric('EstimatedCostUsd', m, 'Sum', period)]),
        ),
        period,
        label: 'Estimated vendor spend (USD)',
      });
    const page = notifySns(alertTopic);
    const catalog = alarmCatalog(config);
    this.dailyVendorSpendAlarm = factory.addCountAlarm('DailyVendorSpend', ALARM_NAMES.vendorSpendDaily, {
      metric: totalCost(Duration.days(1)),
      threshold: roundUsd(this.basis.dailyAlertUsd),
      firstBreach: true,
      action: page,
      docs: catalog.vendorSpendDaily,
    });
    this.vendorBurnRateAlarm = factory.addCountAlarm('VendorBurnRate', ALARM_NAMES.vendorSpendBurnRate, {
      metric: totalCost(Duration.hours(1)),
      threshold: roundUsd(this.basis.hourlyAlertUsd),
      firstBreach: true,
      action: page,
      docs: catalog.vendorSpendBurnRate,
    });
  }
}
