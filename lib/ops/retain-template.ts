import { isObject, parseTemplate, type JsonObject, type JsonValue, type TemplateDocument } from './template-json';

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

export interface PolicyChange {
  readonly logicalId: string;
  readonly attribute: RetainAttribute;
  /** The value before (undefined: not set, which means Delete). */
  readonly from: JsonValue | undefined;
}

export interface RetainPlan {
  /** Logical ids of every AWS::AppConfig::Deployment in the template. */
  readonly deployments: readonly string[];
  /** What the transform sets; empty when every deployment already retains. */
  readonly changes: readonly PolicyChange[];
  readonly template: TemplateDocument;
  /** The transformed template, minified (the smallest body to send). */
  readonly body: string;
}

/**
 * Sets DeletionPolicy and UpdateReplacePolicy to Retain on every AWS::AppConfig::Deployment of
 * a deployed template, and changes nothing else: no property, no other resource, no other
 * section. Any property change on AWS::AppConfig::Deployment would make CloudFormation replace
 * it, i.e. start a new AppConfig deployment over the live phase (CloudFormation User Guide,
 * AWS::AppConfig::Deployment: every property "Update requires: Replacement").
 */
export function retainAppConfigDeployments(templateBody: string): RetainPlan {
  const original = parseTemplate(templateBody);
  const deployments: string[] = [];
  const changes: PolicyChange[] = [];
  const resources: { [logicalId: string]: JsonValue } = {};
  for (const [logicalId, resource] of Object.entries(original.Resources)) {
    if (!isObject(resource) || resource.Type !== APPCONFIG_DEPLOYMENT) {
      resources[logicalId] = resource;
      continue;
    }
    deployments.push(logicalId);
    const retained: JsonObject = { ...resource };
    for (const attribute of RETAIN_ATTRIBUTES) {
      if (resource[attribute] === 'Retain') continue;
      changes.push({ logicalId, attribute, from: resource[attribute] });
      retained[attribute] = 'Retain';
    }
    resources[logicalId] = retained;
  }
  const template: TemplateDocument = { ...original, Resources: resources };
  return { deployments, changes, template, body: JSON.stringify(template) };
}

/** "FlagsCurrentPhaseDeployment26275208: DeletionPolicy not set → Retain; UpdateReplacePolicy Delete → Retain" per resource. */
export function describeChanges(changes: readonly PolicyChange[]): string[] {
  const byResource = new Map<string, PolicyChange[]>();
  for (const change of changes) byResource.set(change.logicalId, [...(byResource.get(change.logicalId) ?? []), change]);
  return [...byResource].map(([logicalId, list]) => `${logicalId}: ${list.map((c) => `${c.attribute} ${shown(c.from)} → Retain`).join('; ')}`);
}

function shown(value: JsonValue | undefined): string {
  if (value === undefined) return 'not set';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
