import { z } from 'zod';
import { FLAG_KEY_PATTERN, PHASE_NAME_PATTERN } from './names';
import { isValidRolloutPercent } from './percent';
import { JudgeConfigSchema } from './judge/judge-config-schema';
import { REQUEST_RULE_NAMES } from './request-rules';

/**
 * The rollout config schema: one JSON file (rollout.config.json) that the CDK app, the
 * gateway Lambda and the CLI all read. Pure module: no AWS import.
 *
 * Field-level rules live here; rules that relate fields to each other (phases grow, aliases
 * exist in the catalog, ...) live in config-rules.ts so each message can name the fix.
 */

export { FLAG_KEY_PATTERN, OFF_PHASE, PHASE_NAME_PATTERN } from './names';
/** AppConfig resource names (application, environment, profile): 1–64 characters. */
/** An arm64 AppConfig Agent layer (the gateway is arm64). */
const AGENT_LAYER_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:AWS-AppConfig-Extension-Arm64:\d+$/;

const APPCONFIG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MODEL_ALIAS_PATTERN = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const email = z.string().regex(EMAIL_PATTERN, { error: 'must be an email address such as oncall@example.com' });
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const nonNegativeUsd = z.number().nonnegative({ error: 'must be a number of US dollars ≥ 0' });
const positiveInt = z.number().int({ error: 'must be a whole number' }).positive({ error: 'must be > 0' });

const percent = z.number({ error: 'must be a number between 0 and 100' }).refine(isValidRolloutPercent, {
  error: 'must be between 0 and 100 in steps of 0.001 (e.g. 0.1, 1, 5, 25, 100)',
});

/** A list of user or client keys; AppConfig caps string attribute values at 1,024 characters. */
const keyList = z
  .array(z.string().min(1, { error: 'must not be empty' }).max(1024, { error: 'must be at most 1024 characters' }))
  .default([]);

export const ModelSchema = z.strictObject({
  /** The id the vendor API takes in `model` (e.g. `claude-haiku-4-5-20251001`). */
  vendorModelId: z.string().min(1, { error: 'must name the vendor model id, e.g. claude-haiku-4-5-20251001' }),
  /** USD per million input tokens, from the vendor's price list. */
  inputUsdPerMillionTokens: nonNegativeUsd,
  /** USD per million output tokens, from the vendor's price list. */
  outputUsdPerMillionTokens: nonNegativeUsd,
  /** The model's largest `max_tokens` (the Models API's `ModelInfo.max_tokens`); clampMaxTokens needs it. */
  maxOutputTokens: positiveInt.optional(),
  /**
   * How a request written for the default model is adapted before it goes to this model as the
   * new model (lib/domain/request-rules.ts), in order. Only the new model's call is adapted.
   */
  requestRules: z
    .array(
      z.enum(REQUEST_RULE_NAMES, {
        error: `is not a request rule; known rules: ${REQUEST_RULE_NAMES.join(', ')}. Correct the spelling or remove it`,
      }),
    )
    .optional(),
});

const minutes = (max: number) =>
  z
    .number()
    .int({ error: 'must be a whole number of minutes' })
    .min(0, { error: 'must be ≥ 0' })
    .max(max, { error: `must be ≤ ${max} minutes (AppConfig limit)` });

export const PhaseDeploymentSchema = z.strictObject({
  /** How long AppConfig takes to reach every Lambda environment (0–1440 min). */
  durationMinutes: minutes(1440),
  /** AppConfig growth factor: percentage of environments added per step (1–100). */
  growthFactor: z
    .number()
    .min(1, { error: 'must be ≥ 1 (AppConfig limit)' })
    .max(100, { error: 'must be ≤ 100 (AppConfig limit)' }),
  growthType: z.enum(['LINEAR', 'EXPONENTIAL'], { error: "must be 'LINEAR' or 'EXPONENTIAL'" }).default('LINEAR'),
  /** Time after the deployment during which AppConfig still rolls back on alarm (0–1440 min). */
  finalBakeMinutes: minutes(1440),
});

export const PhaseSchema = z.strictObject({
  name: z.string().regex(PHASE_NAME_PATTERN, {
    error: 'must be lower-case letters, digits and dashes, starting with a letter (e.g. canary)',
  }),
  /**
   * The phase's flag version description. AppConfig takes it as an HTTP header
   * (CreateHostedConfigurationVersion `Description`), so printable ASCII only.
   */
  description: z
    .string()
    .max(1024)
    .regex(/^[\x20-\x7E]*$/, {
      error:
        "must be printable ASCII (AppConfig sends it as an HTTP header): replace characters such as — or ’ with - or '",
    })
    .optional(),
  /** Share of users (0–100, steps of 0.001) bucketed into the new model. */
  rolloutPercent: percent,
  /** User keys always in the cohort (internal QA). */
  allowlist: keyList,
  /**
   * Client ids whose users are eligible for the percentage in this phase (low-risk clients
   * for the smoke phase). Empty: every client is eligible.
   */
  clientSegments: keyList,
  /** The phase's watch window: advance no sooner than min, decide by max. */
  watchWindowHours: z.strictObject({
    min: z.number().min(0, { error: 'must be ≥ 0 hours' }),
    max: z.number().positive({ error: 'must be > 0 hours' }).optional(),
  }),
  deployment: PhaseDeploymentSchema,
});

export const AlarmThresholdsSchema = z.strictObject({
  /** Alarm period. One minute keeps the worst-case time to rollback under five minutes. */
  periodMinutes: z
    .union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)], {
      error: 'must be one of 1, 5, 10, 15, 30, 60',
    })
    .default(1),
  evaluationPeriods: positiveInt.default(3),
  datapointsToAlarm: positiveInt.default(2),
  /** Requests per period below which rate alarms do not judge (minimum-sample guard). */
  minRequestsPerPeriod: positiveInt.default(20),
  /**
   * Errors in one period that are judged even below minRequestsPerPeriod, so a total failure
   * at a 0.1% phase's trickle of traffic is not hidden by the minimum-sample guard.
   */
  minErrorsToJudge: positiveInt.default(3),
  /** Flag read failures per period that page (a malformed flag version rolls back). */
  flagErrorsPerPeriod: positiveInt.default(10),
  /** Gateway function errors, throttles or Function URL 5xx per period that page. */
  gatewayErrorsPerPeriod: positiveInt.default(5),
  errorRatePercent: z.number().gt(0).max(100).default(5),
  throttleRatePercent: z.number().gt(0).max(100).default(10),
  moderationFlagRatePercent: z.number().gt(0).max(100).default(1),
  /**
   * Share (%) of the new model's rollout calls it refused with a 4xx that the default model then
   * answered (IncompatibleRequests): requests the new model cannot take as written. Pages only.
   */
  incompatibleRequestPercent: z.number().gt(0).max(100).default(1),
  latencyP99Ms: positiveInt.default(30_000),
  timeToFirstTokenP99Ms: positiveInt.default(5_000),
});

export const SpendSchema = z.strictObject({
  /** Expected monthly AWS cost of this stack (USD). */
  expectedMonthlyAwsUsd: z
    .number({ error: 'must be a number of US dollars' })
    .positive({ error: 'must be > 0 US dollars' }),
  /** Expected daily vendor (Anthropic) spend at the current traffic (USD). Derived from traffic when absent. */
  expectedDailyVendorUsd: z.number().positive({ error: 'must be > 0 US dollars' }).optional(),
  /** Alert when spend reaches this percentage of the expectation. */
  alertAtPercentOfExpected: z
    .number()
    .gt(100, { error: 'must be > 100 (an alert at or below the expectation fires every month)' })
    .default(120),
  /** Traffic estimate used to derive expected vendor spend per phase. */
  traffic: z
    .strictObject({
      requestsPerDay: positiveInt,
      averageInputTokens: positiveInt,
      averageOutputTokens: positiveInt,
    })
    .optional(),
  /**
   * The fast alarm: the last hour's vendor spend, projected to a day, at this many times the
   * alert level (peak hours run above the daily average, so it sits above the daily alarm).
   */
  hourlyBurnMultiple: z.number().min(1, { error: 'must be ≥ 1' }).default(2),
  /** Who receives the AWS Budget emails (the page topic always does). */
  alertEmails: z
    .array(email)
    .max(10, { error: 'AWS Budgets allows at most 10 email subscribers per notification' })
    .default([]),
  /** The cost allocation tag put on every resource of the stack; the budget filters on it. */
  costAllocationTag: z
    .string()
    .regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, { error: 'must be a valid AWS tag key' })
    .default('llm-rollout:stack'),
});

const ContactSchema = z.strictObject({
  name: z.string().min(1),
  email: email.optional(),
  phone: z.string().optional(),
  url: httpsUrl.optional(),
  notes: z.string().optional(),
});

const OutputCheckSchema = z.strictObject({
  /** Name reported in logs when the check flags an output. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { error: 'must be lower-case letters, digits and dashes' }),
  /** A JavaScript regular expression tested against the output text. */
  pattern: z
    .string()
    .min(1)
    .refine((p) => isRegExp(p), { error: 'must be a valid JavaScript regular expression' }),
  /** Regular-expression flags, e.g. "i". */
  flags: z
    .string()
    .regex(/^[imsu]*$/, { error: 'may only hold the flags i, m, s, u' })
    .default(''),
});

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const GatewaySchema = z.strictObject({
  /** Secrets Manager secret (name) holding the vendor API key; created by the operator, never in the template. */
  vendorApiKeySecretName: z.string().min(1).default('llm-model-rollout/anthropic-api-key'),
  /**
   * The customer managed KMS key that encrypts that secret, when it is not the account's
   * `aws/secretsmanager` key: reading the secret then needs kms:Decrypt on it, which the gateway
   * is granted. Unset: the AWS managed key, which needs no grant.
   */
  vendorApiKeySecretKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
      error:
        'must be the ARN of a KMS key, such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (an alias does not work in a grant)',
    })
    .optional(),
  /** CloudWatch namespace of the gateway's metrics. */
  metricsNamespace: z
    .string()
    .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, { error: 'must be a CloudWatch namespace such as ModelRollout' })
    .default('ModelRollout'),
  /**
   * Time to the new model's first byte before falling back (the gateway streams every vendor
   * call, also for non-streaming clients, so a long answer is not a timeout).
   */
  newModelTimeoutMs: positiveInt.default(30_000),
  /** Time to the default model's first byte. */
  defaultModelTimeoutMs: positiveInt.default(60_000),
  /** SDK retries on the default model (the new model never retries: the fallback is faster). */
  defaultModelMaxRetries: z.number().int().min(0).max(5).default(2),
  /** Longest silence allowed inside a streamed answer before it is ended with an error event. */
  streamIdleTimeoutMs: positiveInt
    .max(900_000, { error: 'must be ≤ 900000 ms (15 minutes, the longest a Lambda invocation runs)' })
    .default(60_000),
  /** How long the gateway reuses a flag reading (per user during an entity-based deployment). */
  flagCacheMs: z.number().int().min(0).max(60_000, { error: 'must be ≤ 60000 ms' }).default(1000),
  /** Largest request body accepted (bytes); Lambda Function URLs cap payloads at 6 MB. */
  maxRequestBytes: positiveInt
    .max(6_291_456, { error: 'must be ≤ 6291456 bytes (the Lambda payload limit)' })
    .default(6_000_000),
  circuitBreaker: z
    .strictObject({
      /** Consecutive new-model failures (within the window) that open the breaker. */
      failureThreshold: positiveInt.default(5),
      windowSeconds: positiveInt.default(60),
      /** How long the cohort goes straight to the default model once open. */
      cooldownSeconds: positiveInt.default(30),
    })
    .prefault({}),
  moderation: z
    .strictObject({
      /** Output checks run on new-model answers; `stop_reason: refusal` is always counted. */
      outputChecks: z.array(OutputCheckSchema).default([]),
      /** Answer from the default model instead when a non-streaming new-model answer is flagged. */
      blockFlaggedOutputs: z.boolean().default(false),
    })
    .prefault({}),
  /** IAM role or user ARNs allowed to call the gateway's Function URL. */
  callerArns: z
    .array(
      z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, {
        error: 'must be an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/app',
      }),
    )
    .default([]),
  /** Lambda memory (MB) and timeout (s). */
  memoryMb: z.number().int().min(128).max(10_240).default(512),
  timeoutSeconds: z.number().int().min(10).max(900, { error: 'must be ≤ 900 seconds (Lambda limit)' }).default(300),
});

export const RolloutConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** CloudFormation stack name. */
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, {
      error: 'must start with a letter and hold only letters, digits and dashes',
    })
    .default('LlmModelRollout'),
  aws: z.strictObject({
    /** The region to deploy to; the AppConfig Agent layer ARN is per region. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, { error: 'must be an AWS region such as us-east-1' }),
    /** Optional account pin; without it the CLI's credentials decide. */
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' })
      .optional(),
  }),
  llm: z.strictObject({
    /** Alias (key of llm.models) of the model users get today, and the fallback. */
    defaultModel: z.string({ error: 'must name the current default model (a key of llm.models)' }),
    /** Alias (key of llm.models) of the model being rolled out. */
    newModelAlias: z.string({ error: 'must name the model being rolled out (a key of llm.models)' }),
    /** The AppConfig feature flag key. */
    useNewModelFlagKey: z.string().regex(FLAG_KEY_PATTERN, {
      error: 'must match ^[a-z][a-zA-Z0-9_-]{0,63}$ (AppConfig flag key rule), e.g. enable_claude_haiku_4_5',
    }),
    models: z.record(
      z.string().regex(MODEL_ALIAS_PATTERN, { error: 'model aliases are lower-case letters, digits, dots and dashes' }),
      ModelSchema,
    ),
  }),
  appConfig: z.strictObject({
    applicationName: z
      .string()
      .regex(APPCONFIG_NAME_PATTERN, { error: 'must be 1–64 letters, digits, dots, dashes or underscores' }),
    environmentName: z
      .string()
      .regex(APPCONFIG_NAME_PATTERN, { error: 'must be 1–64 letters, digits, dots, dashes or underscores' }),
    profileName: z
      .string()
      .regex(APPCONFIG_NAME_PATTERN, { error: 'must be 1–64 letters, digits, dots, dashes or underscores' }),
    /** How often the AppConfig Agent in each Lambda environment polls for a new flag version. */
    agentPollIntervalSeconds: z
      .number()
      .int()
      .min(15, { error: 'must be ≥ 15 seconds' })
      .max(3600, { error: 'must be ≤ 3600 seconds' })
      .default(45),
    /**
     * The arm64 AppConfig Agent layer to use instead of the pinned one (a region the table lacks,
     * or a newer agent). Must support entity-based gradual deployments.
     */
    agentLayerArn: z
      .string()
      .regex(AGENT_LAYER_ARN_PATTERN, {
        error:
          'must be an arm64 AppConfig Agent layer ARN: arn:aws:lambda:<region>:<account>:layer:AWS-AppConfig-Extension-Arm64:<version>',
      })
      .optional(),
  }),
  rollout: z.strictObject({
    /**
     * Removed: `cdk deploy` no longer deploys a phase. Kept in the schema only to tell a config
     * that still has it where phases are advanced now.
     */
    currentPhase: z
      .never({
        error:
          "is no longer used: cdk deploy never changes the live phase. Advance phases with npx rollout advance (or deploy the phase's version in the AppConfig console), turn the flag off with npx rollout rollback; then delete this key",
      })
      .optional(),
    phases: z.array(PhaseSchema).min(1, { error: 'must list at least one phase' }),
  }),
  gateway: GatewaySchema.prefault({}),
  guard: z
    .strictObject({
      /**
       * Roll back after AppConfig's bake has ended: on the rollback alarm, stop or revert the
       * phase's deployment, or deploy the "off" version.
       */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  alarms: AlarmThresholdsSchema.prefault({}),
  /** Canary-versus-default comparison margins (docs/DETECTION.md); optional, with defaults. */
  judge: JudgeConfigSchema.prefault({}),
  spend: SpendSchema,
  notifications: z.strictObject({
    onCallEmails: z.array(email).default([]),
    onCallHttpsEndpoints: z.array(httpsUrl).default([]),
    stakeholderEmails: z.array(email).default([]),
  }),
  contacts: z.strictObject({
    owner: ContactSchema,
    vendor: ContactSchema,
    escalation: z.array(ContactSchema).default([]),
  }),
});

/** The config as written in the file (defaults optional). */
export type RolloutConfigInput = z.input<typeof RolloutConfigSchema>;
/** The validated config, defaults applied. */
export type RolloutConfig = z.output<typeof RolloutConfigSchema>;
export type Phase = z.output<typeof PhaseSchema>;
export type PhaseDeployment = z.output<typeof PhaseDeploymentSchema>;
export type ModelEntry = z.output<typeof ModelSchema>;
export type AlarmThresholds = z.output<typeof AlarmThresholdsSchema>;
export type GatewayConfig = z.output<typeof GatewaySchema>;
