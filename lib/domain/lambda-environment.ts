/**
 * A Lambda's environment as a typed contract: the construct that sets the variables and the
 * handler that reads them share one declaration, so a renamed or forgotten variable fails a
 * test (or the handler's start) instead of a rollback in production.
 */

/** A variable the handler needs was not set. */
export class MissingEnvironmentError extends Error {
  public constructor(name: string, owner: string) {
    super(`Environment variable ${name} is not set; the function is deployed by ${owner}, which sets it.`);
    this.name = 'MissingEnvironmentError';
  }
}

/** The variables of one function: their names, and a reader that checks they are all set. */
export interface EnvironmentContract<K extends string> {
  readonly names: readonly K[];
  /** The values to put in the function's environment (the construct's side). */
  render(values: Readonly<Record<K, string>>): Record<K, string>;
  /** Reads every variable, or throws naming the first missing one (the handler's side). */
  read(env: Readonly<Record<string, string | undefined>>): Record<K, string>;
}

export function environmentContract<K extends string>(owner: string, names: readonly K[]): EnvironmentContract<K> {
  return {
    names,
    render: (values) => Object.fromEntries(names.map((n) => [n, values[n]])) as Record<K, string>,
    read: (env) =>
      Object.fromEntries(
        names.map((n) => {
          const value = env[n];
          if (!value) throw new MissingEnvironmentError(n, owner);
          return [n, value];
        }),
      ) as Record<K, string>,
  };
}

/** The rollback guard's environment (RolloutGuard sets it; lambda/guard/handler.ts reads it). */
export const GUARD_ENVIRONMENT = environmentContract('RolloutGuard', [
  'APPLICATION_ID',
  'ENVIRONMENT_ID',
  'PROFILE_ID',
  'OFF_VERSION',
  'KILL_SWITCH_STRATEGY_ID',
  'ROLLBACK_ALARM_NAME',
  'NOTIFY_TOPIC_ARN',
] as const);

/** The gateway's environment (ModelGateway sets it; lambda/gateway/handler.ts reads it). */
export const GATEWAY_ENVIRONMENT = environmentContract('ModelGateway', [
  'ROLLOUT_GATEWAY_SETTINGS',
  'VENDOR_API_KEY_SECRET_ID',
  'ID_HASH_KEY_SECRET_ID',
  /** The region's Secrets Manager endpoint (the AWS SDKs' own variable, read by the gateway's secret reader). */
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
] as const);

/** The scheduled judge's environment (RolloutJudge sets it; lambda/judge/handler.ts reads it). */
export const JUDGE_ENVIRONMENT = environmentContract('RolloutJudge', [
  /** JSON of judgeRuntimeSettingsFrom(config): namespace, the two models, the judge's settings. */
  'ROLLOUT_JUDGE_SETTINGS',
  'APPLICATION_ID',
  'ENVIRONMENT_ID',
  'PROFILE_ID',
  /** The off version's number: a deployment of it is a rollback or the kill switch, not a phase. */
  'OFF_VERSION',
  /** SSM parameter that records the last window reset (`rollout judge-reset`). */
  'WINDOW_RESET_PARAMETER',
] as const);
