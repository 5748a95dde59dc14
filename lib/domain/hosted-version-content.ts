import { featureFlagsSchemaViolations } from './feature-flags-schema-check';
import type { FeatureFlagsDocument } from './flag-document';
import { FeatureFlagsSchemaError, FlagVersionRejectedError } from './flag-version-errors';
import { checkFeatureFlagsDocument } from './retrieved-flag';

/**
 * The content of the hosted version labelled `versionLabel`: `document` as JSON, once it
 * passes both checks AppConfig makes when the version is created —
 * - AWS's published schema for the document's shape (key patterns, `oneOf` value types, …),
 *   run on the JSON itself, exactly what is uploaded;
 * - each flag value against its own attribute constraints (range, enum, required), which the
 *   schema cannot express.
 * Throws FlagVersionRejectedError naming the version and every problem.
 */
export function hostedVersionContent(document: FeatureFlagsDocument, versionLabel: string): string {
  const content = JSON.stringify(document);
  const violations = featureFlagsSchemaViolations(JSON.parse(content) as unknown);
  const schemaError = violations.length ? new FeatureFlagsSchemaError(violations) : undefined;
  const problems = [...(schemaError ? [schemaError.message] : []), ...checkFeatureFlagsDocument(document)];
  if (problems.length)
    throw new FlagVersionRejectedError(versionLabel, problems, schemaError ? { cause: schemaError } : undefined);
  return content;
}
