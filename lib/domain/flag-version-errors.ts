import type { SchemaViolation } from './feature-flags-schema-check';

/** A document breaks AWS's published `AWS.AppConfig.FeatureFlags` schema. */
export class FeatureFlagsSchemaError extends Error {
  public constructor(
    public readonly violations: readonly SchemaViolation[],
    options?: ErrorOptions,
  ) {
    super(
      `the document does not match AWS's published AWS.AppConfig.FeatureFlags schema: ${violations
        .map((v) => `${v.path || '(the document)'} ${v.message} [${v.keyword} at ${v.schemaPath}]`)
        .join('; ')}`,
      options,
    );
    this.name = 'FeatureFlagsSchemaError';
  }
}

/**
 * A hosted configuration version would be refused by AppConfig when CloudFormation creates
 * it: raised at synth so the mistake never reaches a deploy (or a rollback mid-rollout).
 */
export class FlagVersionRejectedError extends Error {
  public constructor(
    public readonly versionLabel: string,
    public readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `The flag version for phase '${versionLabel}' would be rejected by AppConfig: ${problems.join('; ')}`,
      options,
    );
    this.name = 'FlagVersionRejectedError';
  }
}
