import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { RolloutConfig } from '../../lib/domain/config-schema';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig } from '../fixtures/config';

/**
 * What a later `cdk deploy` may change. AppConfig runs one deployment at a time per environment
 * and every property of an AWS::AppConfig::Deployment requires replacement (a new deployment):
 * so the template owns no deployment, and a config change must leave every hosted version whose
 * phase did not change exactly as it was (same logical id, same properties: CloudFormation does
 * not touch it), the `off` version above all.
 */

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

function resources(config: RolloutConfig, stackId = 'Rollout'): Resources {
  const stack = new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), stackId, { config });
  return (Template.fromStack(stack).toJSON() as { Resources: Resources }).Resources;
}

function ofType(r: Resources, type: string): Resources {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v.Type === type));
}

/** Hosted versions by label, with their logical id and properties. */
function versionsByLabel(r: Resources): Record<string, { id: string; properties: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(ofType(r, 'AWS::AppConfig::HostedConfigurationVersion')).map(([id, v]) => [
      String(v.Properties?.VersionLabel),
      { id, properties: v.Properties ?? {} },
    ]),
  );
}

const before = resources(shippedConfig());

const CHANGES: Array<[string, RolloutConfig, string[]]> = [
  [
    'a phase added',
    configWith((c) => {
      const [smoke, canary, phase2, phase3, full] = c.rollout.phases;
      c.rollout.phases = [
        smoke!,
        canary!,
        phase2!,
        phase3!,
        { ...structuredClone(phase3!), name: 'phase-4', rolloutPercent: 50, description: 'Half of all users.' },
        full!,
      ];
    }),
    ['phase-4'],
  ],
  [
    'a phase renamed',
    configWith((c) => {
      c.rollout.phases[2]!.name = 'five-percent';
    }),
    ['phase-2', 'five-percent'],
  ],
  [
    'an alarm threshold changed',
    configWith((c) => {
      c.alarms.errorRatePercent = 7;
    }),
    [],
  ],
];

describe.each(CHANGES)('cdk deploy after %s', (_what, config, touchedLabels) => {
  const after = resources(config);

  it('owns no AppConfig deployment before or after', () => {
    expect(Object.keys(ofType(before, 'AWS::AppConfig::Deployment'))).toEqual([]);
    expect(Object.keys(ofType(after, 'AWS::AppConfig::Deployment'))).toEqual([]);
  });

  it('leaves the off version exactly as it was', () => {
    expect(versionsByLabel(after).off).toEqual(versionsByLabel(before).off);
  });

  it("keeps every other unchanged phase's version: same logical id, same content", () => {
    const b = versionsByLabel(before);
    const a = versionsByLabel(after);
    const untouched = Object.keys(b).filter((label) => !touchedLabels.includes(label));
    expect(untouched.length).toBeGreaterThanOrEqual(5);
    for (const label of untouched) expect([label, a[label]]).toEqual([label, b[label]]);
    // Only the touched phases appear or disappear.
    expect(
      Object.keys(a)
        .filter((l) => !(l in b))
        .sort(),
    ).toEqual(touchedLabels.filter((l) => !(l in b)).sort());
  });

  it('retains every version (a version that leaves the template or is replaced is kept in AppConfig)', () => {
    for (const v of Object.values(ofType(after, 'AWS::AppConfig::HostedConfigurationVersion'))) {
      expect(v.DeletionPolicy).toBe('RetainExceptOnCreate');
      expect((v as { UpdateReplacePolicy?: string }).UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('leaves the create-only initial deployment resource unchanged', () => {
    expect(ofType(after, 'Custom::RolloutInitialOffDeployment')).toEqual(
      ofType(before, 'Custom::RolloutInitialOffDeployment'),
    );
  });
});

describe('upgrading a stack deployed by the first release (test/fixtures/legacy-stack-template.json)', () => {
  const legacy = (
    JSON.parse(readFileSync(path.join(__dirname, '../fixtures/legacy-stack-template.json'), 'utf8')) as {
      Resources: Resources;
    }
  ).Resources;
  // Synthesized under the same stack id as `cdk synth` (some logical ids include it).
  const now = resources(shippedConfig(), 'LlmModelRollout');

  it("drops only the stack-owned deployment (which the upgrade step retains first) and the monitor role's separate policy", () => {
    // CDKMetadata is written by the CLI's synth only.
    const gone = Object.keys(legacy)
      .filter((id) => !(id in now) && id !== 'CDKMetadata')
      .sort();
    expect(gone).toEqual(['FlagsCurrentPhaseDeployment26275208', 'FlagsMonitorRoleDefaultPolicyFF151423']);
  });

  it('keeps the application, environment, profile and strategies as they were (nothing AppConfig-side is replaced)', () => {
    for (const type of [
      'AWS::AppConfig::Application',
      'AWS::AppConfig::Environment',
      'AWS::AppConfig::ConfigurationProfile',
      'AWS::AppConfig::DeploymentStrategy',
    ]) {
      const old = ofType(legacy, type);
      expect(Object.keys(old).length).toBeGreaterThan(0);
      for (const [id, r] of Object.entries(old)) expect([id, now[id]?.Properties]).toEqual([id, r.Properties]);
    }
  });

  it("keeps every hosted version's logical id (new content makes new versions; the retained old ones stay in AppConfig)", () => {
    const old = ofType(legacy, 'AWS::AppConfig::HostedConfigurationVersion');
    for (const id of Object.keys(old)) {
      expect(now[id]?.Type).toBe('AWS::AppConfig::HostedConfigurationVersion');
      expect(old[id]!.DeletionPolicy).toBe('Retain');
    }
  });
});
