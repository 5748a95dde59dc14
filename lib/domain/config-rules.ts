import { AGENT_LAYER_TABLE } from './appconfig-agent-layers';
import type { ConfigIssue } from './config-errors';
import type { RolloutConfig } from './config-schema';
import { OFF_PHASE } from './names';
import { findRetirement, MODEL_RETIREMENTS } from './retired-models';
import { servedPercent } from './holdback';
import { ROLLBACK_TARGET_SECONDS, worstCaseTimeToRollback } from './time-to-rollback';

/** Days ahead of a model's retirement from which synth warns. */
const RETIREMENT_WARNING_DAYS = 60;

export interface RuleFindings {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

/**
 * Rules that relate one part of the config to another. Each finding names the key, the
 * value and the fix. `today` (YYYY-MM-DD) decides which models are retired.
 */
export function checkConfigRules(config: RolloutConfig, today: string): RuleFindings {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  checkModels(config, today, errors, warnings);
  checkPhases(config, errors);
  checkAlarms(config, errors);
  checkNotifications(config, errors);
  checkGatewayTimeouts(config, errors);
  checkTimeToRollback(config, warnings);
  checkSpend(config, errors);
  checkAgentLayer(config, errors);
  return { errors, warnings };
}

function checkAgentLayer(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { region } = config.aws;
  const override = config.appConfig.agentLayerArn;
  if (override) {
    const layerRegion = override.split(':')[3];
    if (layerRegion !== region) {
      errors.push({
        path: 'appConfig.agentLayerArn',
        value: override,
        message: `is a layer of ${layerRegion ?? '?'}, but the stack deploys to aws.region ${region}; Lambda only attaches layers of its own region`,
      });
    }
    return;
  }
  if (!Object.hasOwn(AGENT_LAYER_TABLE.regions, region)) {
    errors.push({
      path: 'aws.region',
      value: region,
      message: `has no pinned AppConfig Agent layer (table of extension ${AGENT_LAYER_TABLE.version}); set appConfig.agentLayerArn to the region's arm64 layer ARN from the AWS AppConfig User Guide ("Understanding available versions of the AWS AppConfig Agent Lambda extension")`,
    });
  }
}

function checkModels(config: RolloutConfig, today: string, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  const { llm } = config;
  const aliases = Object.keys(llm.models);
  const known = aliases.length ? aliases.join(', ') : 'none';
  for (const key of ['defaultModel', 'newModelAlias'] as const) {
    const alias = llm[key];
    if (!Object.hasOwn(llm.models, alias)) {
      errors.push({
        path: `llm.${key}`,
        value: alias,
        message: `is not in llm.models (known aliases: ${known}); add "${alias}" to llm.models with its vendorModelId and prices, or name a known alias`,
      });
    }
  }
  if (llm.defaultModel === llm.newModelAlias) {
    errors.push({
      path: 'llm.newModelAlias',
      value: llm.newModelAlias,
      message: 'is the same model as llm.defaultModel; the new model must differ from the default it replaces',
    });
  } else {
    const a = llm.models[llm.defaultModel];
    const b = llm.models[llm.newModelAlias];
    if (a && b && a.vendorModelId === b.vendorModelId) {
      errors.push({
        path: `llm.models.${llm.newModelAlias}.vendorModelId`,
        value: b.vendorModelId,
        message: `is the same vendor model as llm.models.${llm.defaultModel}; the new model must differ from the default it replaces`,
      });
    }
  }
  for (const [alias, model] of Object.entries(llm.models)) {
    if (model.requestRules?.includes('clampMaxTokens') && model.maxOutputTokens === undefined) {
      errors.push({
        path: `llm.models.${alias}.maxOutputTokens`,
        value: undefined,
        message: `is required by the clampMaxTokens rule in llm.models.${alias}.requestRules: set it to the model's largest max_tokens (the Models API's max_tokens, e.g. 64000 for Claude Haiku 4.5), or remove clampMaxTokens`,
      });
    }
  }
  const horizon = addDays(today, RETIREMENT_WARNING_DAYS);
  for (const [alias, model] of Object.entries(llm.models)) {
    const path = `llm.models.${alias}.vendorModelId`;
    const retired = findRetirement(model.vendorModelId, today);
    if (retired) {
      errors.push({
        path,
        value: model.vendorModelId,
        message: `was retired by Anthropic on ${retired.retiredOn}: calls to it fail; use a live model such as ${retired.replacement}`,
      });
      continue;
    }
    const soon = MODEL_RETIREMENTS.find((r) => r.vendorModelId === model.vendorModelId && r.retiredOn <= horizon);
    if (soon) {
      warnings.push({
        path,
        value: model.vendorModelId,
        message: `retires on ${soon.retiredOn}; plan a move to ${soon.replacement} before then`,
      });
    }
  }
}

function checkPhases(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { phases } = config.rollout;
  const seen = new Set<string>();
  phases.forEach((phase, i) => {
    const at = `rollout.phases[${i}]`;
    if (phase.name === OFF_PHASE) {
      errors.push({
        path: `${at}.name`,
        value: phase.name,
        message: `'${OFF_PHASE}' is reserved for the kill-switch version; pick another name`,
      });
    } else if (seen.has(phase.name)) {
      errors.push({
        path: `${at}.name`,
        value: phase.name,
        message: 'is used by an earlier phase; phase names must be unique',
      });
    }
    seen.add(phase.name);
    const previous = phases[i - 1];
    if (previous && phase.rolloutPercent <= previous.rolloutPercent) {
      errors.push({
        path: `${at}.rolloutPercent`,
        value: phase.rolloutPercent,
        message: `does not grow from the phase before (${previous.name}: ${previous.rolloutPercent}); each phase must admit more users than the last, e.g. 0.1, 1, 5, 25, 100`,
      });
    }
    const holdback = config.judge.holdbackPercent;
    if (previous && phase.rolloutPercent > previous.rolloutPercent) {
      if (servedPercent(phase.rolloutPercent, holdback) <= previous.rolloutPercent) {
        errors.push({
          path: 'judge.holdbackPercent',
          value: holdback,
          message: `leaves ${phase.name} at ${servedPercent(phase.rolloutPercent, holdback)}% of users, no more than ${previous.name} (${previous.rolloutPercent}%); lower the holdback below ${100 - previous.rolloutPercent}`,
        });
      }
    }
    const { min, max } = phase.watchWindowHours;
    if (max !== undefined && max < min) {
      errors.push({
        path: `${at}.watchWindowHours.max`,
        value: max,
        message: `is below watchWindowHours.min (${min}); the window must end after it starts`,
      });
    }
  });
}

function checkAlarms(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { evaluationPeriods, datapointsToAlarm } = config.alarms;
  if (datapointsToAlarm > evaluationPeriods) {
    errors.push({
      path: 'alarms.datapointsToAlarm',
      value: datapointsToAlarm,
      message: `is more than alarms.evaluationPeriods (${evaluationPeriods}); an alarm needs M ≤ N datapoints to fire`,
    });
  }
}

function checkNotifications(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { onCallEmails, onCallHttpsEndpoints } = config.notifications;
  if (onCallEmails.length + onCallHttpsEndpoints.length === 0) {
    errors.push({
      path: 'notifications',
      value: config.notifications,
      message:
        'has no on-call subscriber; add an address to notifications.onCallEmails or a pager URL to notifications.onCallHttpsEndpoints, or nobody is told of a rollback',
    });
  }
}

function checkGatewayTimeouts(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { newModelTimeoutMs, defaultModelTimeoutMs, timeoutSeconds } = config.gateway;
  if (newModelTimeoutMs + defaultModelTimeoutMs >= timeoutSeconds * 1000) {
    errors.push({
      path: 'gateway.timeoutSeconds',
      value: timeoutSeconds,
      message: `leaves no time to fall back: the new model's timeout (${newModelTimeoutMs} ms) plus the default model's (${defaultModelTimeoutMs} ms) must be below the Lambda timeout; raise it or lower the model timeouts`,
    });
  }
}

function checkSpend(config: RolloutConfig, errors: ConfigIssue[]): void {
  const { expectedDailyVendorUsd, traffic } = config.spend;
  if (expectedDailyVendorUsd === undefined && traffic === undefined) {
    errors.push({
      path: 'spend',
      value: config.spend,
      message:
        'gives no expected vendor spend: set spend.expectedDailyVendorUsd, or spend.traffic {requestsPerDay, averageInputTokens, averageOutputTokens} to derive it per phase',
    });
  }
}

function checkTimeToRollback(config: RolloutConfig, warnings: ConfigIssue[]): void {
  const { totalSeconds } = worstCaseTimeToRollback(config);
  if (totalSeconds > ROLLBACK_TARGET_SECONDS) {
    warnings.push({
      path: 'alarms.periodMinutes',
      value: config.alarms.periodMinutes,
      message: `with appConfig.agentPollIntervalSeconds ${config.appConfig.agentPollIntervalSeconds}, a bad phase takes up to ${totalSeconds} s to roll back (target ${ROLLBACK_TARGET_SECONDS} s); see npm run time-to-rollback`,
    });
  }
}

function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new RangeError(`today must be a date as YYYY-MM-DD (got ${isoDate})`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
