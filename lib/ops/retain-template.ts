import { isObject, parseTemplate, type JsonObject, type JsonValue, type TemplateDocument } from './template-json';
import { TemplateNotEditableError } from './upgrade-errors';

export const APPCONFIG_DEPLOYMENT = 'AWS::AppConfig::Deployment';

/**
 * The two attributes that keep a resource when CloudFormation would delete it: DeletionPolicy
 * when it leaves the template, UpdateReplacePolicy when an update replaces it (CloudFormation
 * User Guide, "DeletionPolicy attribute" and "UpdateReplacePolicy attribute"). CloudFormation
 * applies the DeletionPolicy of the template currently deployed, so these must be deployed
 * before the release that drops the resource.
 */
export const RETAIN_ATTRIBUTES = ['DeletionPolicy', 'UpdateReplacePolicy'] as const;
export type RetainAttribute = (typeof RETAIN_ATTRIBUTES)[number];

/**
 * The resource the update adds next to the two policies, so that it is never an update of only
 * DeletionPolicy/UpdateReplacePolicy. CloudFormation has treated such an update as no change:
 * "a change of only UpdateReplacePolicy/DeletionPolicy is a no-op, meaning the original policies
 * are retained" (aws-cloudformation/cloudformation-coverage-roadmap#1543); a change set of only
 * removal-policy changes failed as one that "didn't contain changes" (aws/aws-cdk#11521); AWS's
 * own CLI added a dummy resource because "simply adding the replace policy will not trigger a
 * update" (aws-cloudformation/cloudformation-cli#855). AWS's procedure for letting go of a resource
 * is to "perform a stack update to apply the deletion policy" before removing it (CloudFormation
 * User Guide, "Reverting an import operation", resource-import-revert.html): the marker makes
 * that update a real one.
 *
 * An AWS::CloudFormation::WaitConditionHandle has no properties; all it does is give a presigned
 * URL that an associated AWS::CloudFormation::WaitCondition checks for signals, and it is never
 * updated ("Updates aren't supported for this resource") (CloudFormation Template Reference,
 * AWS::CloudFormation::WaitConditionHandle). The template has no WaitCondition, so nothing ever
 * reads it. CloudFormation charges nothing for AWS::* resource types (AWS CloudFormation pricing).
 * The next cdk deploy, whose template does not have it, deletes it: deleting a handle is as
 * harmless.
 */
export const RETAIN_MARKER_ID = 'RolloutUpgradeRetainMarker';
export const RETAIN_MARKER_TYPE = 'AWS::CloudFormation::WaitConditionHandle';

/**
 * What the update does with the marker. `add`: the deployed template lacks it. `remove`: it has
 * it (from an earlier run) but a deployment still lacks a policy, so adding it would be no change
 * and the update would again be one of only policies; taking it out is the real change instead.
 * `none`: nothing to update.
 */
export type MarkerChange = 'add' | 'remove' | 'none';

export interface PolicyChange {
  readonly logicalId: string;
  readonly attribute: RetainAttribute;
  /** The value before (undefined: not set, which means Delete). */
  readonly from: JsonValue | undefined;
}

export interface RetainPlan {
  /** Logical ids of every AWS::AppConfig::Deployment in the template. */
  readonly deployments: readonly string[];
  /** The policies the transform sets; empty when every deployment already retains. */
  readonly changes: readonly PolicyChange[];
  readonly marker: MarkerChange;
  readonly template: TemplateDocument;
  /** The transformed template, minified (the smallest body to send). */
  readonly body: string;
}

/** What a deployed template says about retention (read back after the update). */
export interface RetentionCheck {
  readonly deployments: readonly string[];
  /** Every policy of a deployment that is not Retain. */
  readonly missing: readonly PolicyChange[];
  readonly markerPresent: boolean;
}

/**
 * Sets DeletionPolicy and UpdateReplacePolicy to Retain on every AWS::AppConfig::Deployment of
 * a deployed template, adds (or, see MarkerChange, removes) RolloutUpgradeRetainMarker, and
 * changes nothing else: no property, no other resource, no other section, the order of keys
 * kept (the marker goes last in Resources). Any property change on AWS::AppConfig::Deployment
 * would make CloudFormation replace it, i.e. start a new AppConfig deployment over the live phase
 * (CloudFormation User Guide, AWS::AppConfig::Deployment: every property "Update requires:
 * Replacement").
 *
 * Nothing to do (marker `none`) only when every deployment retains and the marker is there: the
 * marker shows the policies came with a real update. Policies without it (set by hand, or by a
 * policy-only update CloudFormation may have taken as no change) are sent again with the marker.
 */
export function retainAppConfigDeployments(templateBody: string): RetainPlan {
  const original = parseTemplate(templateBody);
  const existingMarker = original.Resources[RETAIN_MARKER_ID];
  if (existingMarker !== undefined && !isRetainMarker(existingMarker)) {
    throw new TemplateNotEditableError(
      `it already has a resource ${RETAIN_MARKER_ID} that is not the bare ${RETAIN_MARKER_TYPE} this tool adds`,
    );
  }
  const { deployments, missing } = inspect(original.Resources);
  const markerPresent = existingMarker !== undefined;
  const marker: MarkerChange =
    deployments.length === 0
      ? 'none'
      : missing.length > 0
        ? markerPresent
          ? 'remove'
          : 'add'
        : markerPresent
          ? 'none'
          : 'add';

  const resources: { [logicalId: string]: JsonValue } = {};
  for (const [logicalId, resource] of Object.entries(original.Resources)) {
    if (logicalId === RETAIN_MARKER_ID && marker === 'remove') continue;
    if (!isObject(resource) || resource.Type !== APPCONFIG_DEPLOYMENT) {
      resources[logicalId] = resource;
      continue;
    }
    const retained: JsonObject = { ...resource };
    for (const attribute of RETAIN_ATTRIBUTES) retained[attribute] = 'Retain';
    resources[logicalId] = retained;
  }
  if (marker === 'add') resources[RETAIN_MARKER_ID] = { Type: RETAIN_MARKER_TYPE };
  const template: TemplateDocument = { ...original, Resources: resources };
  return { deployments, changes: missing, marker, template, body: JSON.stringify(template) };
}

/**
 * Reads a deployed template for what matters to the next cdk deploy; undefined when it is not a
 * JSON template with Resources. Unlike the transform it refuses nothing else: it only reads.
 */
export function retentionOf(templateBody: string): RetentionCheck | undefined {
  let value: unknown;
  try {
    value = JSON.parse(templateBody);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isObject(value.Resources)) return undefined;
  return { ...inspect(value.Resources), markerPresent: value.Resources[RETAIN_MARKER_ID] !== undefined };
}

/** "FlagsCurrentPhaseDeployment26275208: DeletionPolicy not set → Retain; UpdateReplacePolicy Delete → Retain" per resource. */
export function describeChanges(changes: readonly PolicyChange[]): string[] {
  return [...byResource(changes)].map(
    ([logicalId, list]) => `${logicalId}: ${list.map((c) => `${c.attribute} ${shown(c.from)} → Retain`).join('; ')}`,
  );
}

/** "FlagsCurrentPhaseDeployment26275208: DeletionPolicy not set, UpdateReplacePolicy Delete" per resource. */
export function describeMissing(missing: readonly PolicyChange[]): string[] {
  return [...byResource(missing)].map(
    ([logicalId, list]) => `${logicalId}: ${list.map((c) => `${c.attribute} ${shown(c.from)}`).join(', ')}`,
  );
}

function inspect(resources: JsonObject): { deployments: string[]; missing: PolicyChange[] } {
  const deployments: string[] = [];
  const missing: PolicyChange[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== APPCONFIG_DEPLOYMENT) continue;
    deployments.push(logicalId);
    for (const attribute of RETAIN_ATTRIBUTES) {
      if (resource[attribute] !== 'Retain') missing.push({ logicalId, attribute, from: resource[attribute] });
    }
  }
  return { deployments, missing };
}

/** The marker exactly as this tool writes it: the type and nothing else. */
function isRetainMarker(resource: JsonValue): boolean {
  return isObject(resource) && resource.Type === RETAIN_MARKER_TYPE && Object.keys(resource).length === 1;
}

function byResource(changes: readonly PolicyChange[]): Map<string, PolicyChange[]> {
  const map = new Map<string, PolicyChange[]>();
  for (const change of changes) map.set(change.logicalId, [...(map.get(change.logicalId) ?? []), change]);
  return map;
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined) return 'not set';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
