import * as z from 'zod/mini';
import type { RolloutConfig } from '../config-schema';
import { judgeSettingsFrom, type JudgeSettings } from './judge-settings';

/**
 * What the scheduled judge needs from the rollout config, small enough for a Lambda
 * environment variable: where the gateway's metrics are, which two models to compare, and the
 * judge's own settings. zod/mini keeps the config's full zod schema out of the bundle (as in
 * gateway-settings.ts); `judgeRuntimeSettingsFrom` is type-checked against this schema.
 * Pure module: no AWS import.
 */
const RateMarginsSchema = z.object({
  errorRate: z.number(),
  throttleRate: z.number(),
  refusalRate: z.number(),
  slowCallShare: z.number(),
});

export const JudgeRuntimeSettingsSchema = z.object({
  /** CloudWatch namespace of the gateway's metrics. */
  namespace: z.string().check(z.minLength(1)),
  /** `Model` dimension values (catalog aliases) of the two models compared. */
  newModel: z.string().check(z.minLength(1)),
  defaultModel: z.string().check(z.minLength(1)),
  /** Phase names in order, so the judge can say which phase it judged. */
  phases: z.array(z.string()),
  judge: z.object({
    alpha: z.number(),
    intervalMinutes: z.number(),
    marginPoints: RateMarginsSchema,
    slowCallMs: z.number(),
    incompatibleMaxRate: z.number(),
    deadModel: z.object({ failedCalls: z.number(), defaultFailingRate: z.number() }),
    holdbackPercent: z.number(),
  }),
});

export type JudgeRuntimeSettings = z.output<typeof JudgeRuntimeSettingsSchema>;

export function judgeRuntimeSettingsFrom(config: RolloutConfig): JudgeRuntimeSettings {
  const judge: JudgeSettings = judgeSettingsFrom(config.judge);
  return {
    namespace: config.gateway.metricsNamespace,
    newModel: config.llm.newModelAlias,
    defaultModel: config.llm.defaultModel,
    phases: config.rollout.phases.map((p) => p.name),
    judge,
  };
}

/** Parses settings serialized by judgeRuntimeSettingsFrom (the judge Lambda's environment variable). */
export function parseJudgeRuntimeSettings(json: string): JudgeRuntimeSettings {
  return z.parse(JudgeRuntimeSettingsSchema, JSON.parse(json));
}
