/**
 * Request rules: how a request written for the default model is adapted before it is sent to
 * the new model, for the differences a newer model refuses with a 400 (sampling parameters,
 * thinking modes, output limits). The catalog names a model's rules
 * (`llm.models.<alias>.requestRules`); the gateway applies them to the new model's call only,
 * and a replay tool can apply them offline. Pure module: no AWS import, no I/O.
 */

export const REQUEST_RULE_NAMES = [
  /** Both `temperature` and `top_p` set: keep `temperature`, drop `top_p` (Claude Haiku 4.5, Sonnet 4.5/4.6). */
  'oneSamplingParameter',
  /** Drop `temperature`, `top_p` and `top_k` (Claude Haiku 5.5 refuses nearly every value). */
  'noSamplingParameters',
  /** `thinking: {type: "enabled", budget_tokens}` becomes `{type: "adaptive"}` (models without manual budgets). */
  'adaptiveThinking',
  /** `max_tokens` above the model's limit is lowered to `maxOutputTokens`. */
  'clampMaxTokens',
] as const;

export type RequestRuleName = (typeof REQUEST_RULE_NAMES)[number];

/** The fields of a Messages request body the rules read; everything else is passed through untouched. */
export interface RuleBody {
  readonly max_tokens: number;
  readonly [field: string]: unknown;
}

/** What the rules need to know about the model the request is adapted for. */
export interface RuleModel {
  /** The model's largest `max_tokens` (the Models API's `max_tokens`); required by clampMaxTokens. */
  readonly maxOutputTokens?: number;
}

export interface RuleResult<B extends RuleBody> {
  /** The adapted body: a new object when a rule changed something, else the body given. */
  readonly body: B;
  /** The rules that changed the body, in the order they were applied. */
  readonly applied: readonly RequestRuleName[];
}

/** A rule cannot be applied as configured (e.g. clampMaxTokens without maxOutputTokens). */
export class RequestRuleConfigError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestRuleConfigError';
  }
}

export function isRequestRuleName(name: unknown): name is RequestRuleName {
  return typeof name === 'string' && (REQUEST_RULE_NAMES as readonly string[]).includes(name);
}

/** A field counts as set when it is present and not null (the API treats null as unset). */
function isSet(body: RuleBody, field: string): boolean {
  return body[field] !== undefined && body[field] !== null;
}

function without<B extends RuleBody>(body: B, fields: readonly string[]): B {
  const copy: Record<string, unknown> = { ...body };
  for (const field of fields) delete copy[field];
  return copy as B;
}

/** Both temperature and top_p set → keep temperature (the more common knob), drop top_p. */
export function oneSamplingParameter<B extends RuleBody>(body: B): B | undefined {
  if (!isSet(body, 'temperature') || !isSet(body, 'top_p')) return undefined;
  return without(body, ['top_p']);
}

const SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'] as const;

/** Drops temperature, top_p and top_k; unchanged when none is present. */
export function noSamplingParameters<B extends RuleBody>(body: B): B | undefined {
  if (!SAMPLING_FIELDS.some((field) => Object.hasOwn(body, field))) return undefined;
  return without(body, SAMPLING_FIELDS);
}

/**
 * Manual extended thinking (`type: "enabled"` with `budget_tokens`) becomes adaptive thinking;
 * `display` is kept (adaptive takes it too). The budget has no adaptive equivalent and is dropped.
 */
export function adaptiveThinking<B extends RuleBody>(body: B): B | undefined {
  const thinking = body['thinking'];
  if (typeof thinking !== 'object' || thinking === null || Array.isArray(thinking)) return undefined;
  const { type, display } = thinking as { type?: unknown; display?: unknown };
  if (type !== 'enabled') return undefined;
  return { ...body, thinking: { type: 'adaptive', ...(display !== undefined ? { display } : {}) } };
}

/** max_tokens above the model's limit is lowered to it. */
export function clampMaxTokens<B extends RuleBody>(body: B, model: RuleModel): B | undefined {
  const limit = model.maxOutputTokens;
  if (limit === undefined) {
    throw new RequestRuleConfigError(
      "the clampMaxTokens rule needs the model's maxOutputTokens; set llm.models.<alias>.maxOutputTokens",
    );
  }
  if (body.max_tokens <= limit) return undefined;
  return { ...body, max_tokens: limit };
}

const RULES: Readonly<Record<RequestRuleName, <B extends RuleBody>(body: B, model: RuleModel) => B | undefined>> = {
  oneSamplingParameter,
  noSamplingParameters,
  adaptiveThinking,
  clampMaxTokens,
};

/**
 * Applies `rules` in order to `body` (never mutated) for `model`; returns the adapted body and
 * the rules that changed it, so each application can be counted.
 */
export function applyRequestRules<B extends RuleBody>(
  body: B,
  rules: readonly RequestRuleName[],
  model: RuleModel,
): RuleResult<B> {
  let current = body;
  const applied: RequestRuleName[] = [];
  for (const rule of rules) {
    const next = RULES[rule](current, model);
    if (next === undefined) continue;
    current = next;
    applied.push(rule);
  }
  return { body: current, applied };
}
