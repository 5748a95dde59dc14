import { isDeepStrictEqual } from 'node:util';

/** What an update does to one resource, as CloudFormation decides it. */
export type ResourceEffectKind =
  | 'add'
  /** A new physical resource, then the old one deleted (unless its UpdateReplacePolicy retains it). */
  | 'replace'
  | 'modify'
  /** Only DeletionPolicy, UpdateReplacePolicy, Metadata, DependsOn or the like changed: no call to the resource's service. */
  | 'attributes-only'
  | 'delete'
  | 'retain';

export interface ResourceEffect {
  readonly logicalId: string;
  readonly type: string;
  readonly kind: ResourceEffectKind;
}

type Resources = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * Types whose every property is "Update requires: Replacement" (CloudFormation User Guide,
 * AWS::AppConfig::Deployment and AWS::AppConfig::HostedConfigurationVersion). Replacing an
 * AWS::AppConfig::Deployment starts a new AppConfig deployment.
 */
const REPLACED_ON_ANY_PROPERTY_CHANGE = new Set([
  'AWS::AppConfig::Deployment',
  'AWS::AppConfig::HostedConfigurationVersion',
]);

/** Retain keeps the resource when it leaves the template (CloudFormation User Guide, "DeletionPolicy attribute"). */
const RETAINING = new Set(['Retain', 'RetainExceptOnCreate']);

/** The two attributes CloudFormation has ignored when they were all that changed. */
const RETENTION_POLICIES = ['DeletionPolicy', 'UpdateReplacePolicy'] as const;

/**
 * The effect of moving a stack from `before` to `after`. A resource removed from the template
 * is deleted or kept according to the DeletionPolicy in `before`, the template deployed when
 * the update starts: the policy in the new template cannot apply to a resource it no longer has.
 */
export function updateEffects(before: unknown, after: unknown): ResourceEffect[] {
  const old = resourcesOf(before);
  const next = resourcesOf(after);
  const effects: ResourceEffect[] = [];
  for (const [logicalId, resource] of Object.entries(next)) {
    const type = String(resource.Type);
    const previous = old[logicalId];
    if (!previous) {
      effects.push({ logicalId, type, kind: 'add' });
    } else if (previous.Type !== resource.Type) {
      effects.push({ logicalId, type, kind: 'replace' });
    } else if (!isDeepStrictEqual(previous.Properties, resource.Properties)) {
      effects.push({ logicalId, type, kind: REPLACED_ON_ANY_PROPERTY_CHANGE.has(type) ? 'replace' : 'modify' });
    } else if (!isDeepStrictEqual(previous, resource)) {
      effects.push({ logicalId, type, kind: 'attributes-only' });
    }
  }
  for (const [logicalId, resource] of Object.entries(old)) {
    if (next[logicalId]) continue;
    const policy = resource.DeletionPolicy;
    effects.push({
      logicalId,
      type: String(resource.Type),
      kind: typeof policy === 'string' && RETAINING.has(policy) ? 'retain' : 'delete',
    });
  }
  return effects;
}

/**
 * The template as CloudFormation compares it to decide whether an update changes anything: with
 * DeletionPolicy and UpdateReplacePolicy left out of every resource. That is the conservative
 * reading of what was reported: "a change of only UpdateReplacePolicy/DeletionPolicy is a no-op,
 * meaning the original policies are retained" (aws-cloudformation/cloudformation-coverage-roadmap
 * #1543, closed; other reports since differ), a change set of only removal-policy changes "didn't
 * contain changes" (aws/aws-cdk#11521), "simply adding the replace policy will not trigger a
 * update" (aws-cloudformation/cloudformation-cli#855). A tool that works against this fake works
 * whichever way CloudFormation behaves today.
 */
export function withoutRetentionPolicies(template: unknown): unknown {
  return mapResources(template, (_, resource) => {
    const rest: Record<string, unknown> = { ...resource };
    for (const policy of RETENTION_POLICIES) delete rest[policy];
    return rest;
  });
}

/**
 * `after` with each resource's DeletionPolicy and UpdateReplacePolicy as they were in `before`
 * (absent if absent there): what a stack records when CloudFormation completes an update but
 * keeps the original policies (the UPDATE_COMPLETE reading of #1543).
 */
export function withPoliciesOf(before: unknown, after: unknown): unknown {
  const old = resourcesOf(before);
  return mapResources(after, (logicalId, resource) => {
    const kept: Record<string, unknown> = { ...resource };
    for (const policy of RETENTION_POLICIES) {
      const previous = old[logicalId]?.[policy];
      if (previous === undefined) delete kept[policy];
      else kept[policy] = previous;
    }
    return kept;
  });
}

function mapResources(
  template: unknown,
  f: (logicalId: string, resource: Readonly<Record<string, unknown>>) => Record<string, unknown>,
): unknown {
  if (typeof template !== 'object' || template === null) return template;
  const resources = resourcesOf(template);
  return { ...template, Resources: Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, f(id, r)])) };
}

function resourcesOf(template: unknown): Resources {
  const resources = (template as { Resources?: unknown } | null)?.Resources;
  return typeof resources === 'object' && resources !== null ? (resources as Resources) : {};
}
