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
const REPLACED_ON_ANY_PROPERTY_CHANGE = new Set(['AWS::AppConfig::Deployment', 'AWS::AppConfig::HostedConfigurationVersion']);

/** Retain keeps the resource when it leaves the template (CloudFormation User Guide, "DeletionPolicy attribute"). */
const RETAINING = new Set(['Retain', 'RetainExceptOnCreate']);

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
    effects.push({ logicalId, type: String(resource.Type), kind: typeof policy === 'string' && RETAINING.has(policy) ? 'retain' : 'delete' });
  }
  return effects;
}

function resourcesOf(template: unknown): Resources {
  const resources = (template as { Resources?: unknown } | null)?.Resources;
  return typeof resources === 'object' && resources !== null ? (resources as Resources) : {};
}
