import { retainAppConfigDeployments } from '../../lib/ops/retain-template';
import { TemplateNotEditableError } from '../../lib/ops/upgrade-errors';
import { LEGACY_DEPLOYMENT_ID, legacyTemplateBody } from '../helpers/fake-aws/legacy-stack';

type Json = Record<string, unknown>;

describe('retainAppConfigDeployments on the first release\'s template', () => {
  const original = JSON.parse(legacyTemplateBody()) as { Resources: Record<string, Json> };
  const plan = retainAppConfigDeployments(legacyTemplateBody());
  const edited = JSON.parse(plan.body) as { Resources: Record<string, Json> };

  it('finds the one AppConfig deployment and sets both policies on it', () => {
    expect(plan.deployments).toEqual([LEGACY_DEPLOYMENT_ID]);
    expect(plan.changes).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'DeletionPolicy', from: undefined },
      { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'UpdateReplacePolicy', from: undefined },
    ]);
    expect(edited.Resources[LEGACY_DEPLOYMENT_ID]).toEqual({ ...original.Resources[LEGACY_DEPLOYMENT_ID], DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('changes nothing else: without the two attributes, the parsed JSON is the deployed template', () => {
    const { DeletionPolicy, UpdateReplacePolicy, ...rest } = edited.Resources[LEGACY_DEPLOYMENT_ID]!;
    expect([DeletionPolicy, UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect({ ...edited, Resources: { ...edited.Resources, [LEGACY_DEPLOYMENT_ID]: rest } }).toStrictEqual(original);
    // Key order too, so the minified body is the deployed template's own, plus two attributes.
    expect(Object.keys(edited)).toEqual(Object.keys(original));
    expect(Object.keys(edited.Resources)).toEqual(Object.keys(original.Resources));
  });

  it('keeps the deployment\'s properties exactly (any change would replace it: a new AppConfig deployment)', () => {
    expect(edited.Resources[LEGACY_DEPLOYMENT_ID]!.Properties).toStrictEqual(original.Resources[LEGACY_DEPLOYMENT_ID]!.Properties);
  });

  it('is minified, and over the 51,200-byte TemplateBody limit for this template', () => {
    expect(plan.body).toBe(JSON.stringify(JSON.parse(plan.body)));
    expect(Buffer.byteLength(plan.body)).toBeGreaterThan(51_200);
  });

  it('finds nothing left to do on its own output', () => {
    const again = retainAppConfigDeployments(plan.body);
    expect(again.changes).toEqual([]);
    expect(again.body).toBe(plan.body);
  });
});

describe('retainAppConfigDeployments on other templates', () => {
  const template = (resources: Record<string, Json>, extra: Json = {}): string => JSON.stringify({ Resources: resources, ...extra });

  it('sets only what is missing, and overrides Delete', () => {
    const plan = retainAppConfigDeployments(template({
      A: { Type: 'AWS::AppConfig::Deployment', Properties: {}, DeletionPolicy: 'Retain' },
      B: { Type: 'AWS::AppConfig::Deployment', Properties: {}, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' },
      Other: { Type: 'AWS::SNS::Topic' },
    }));
    expect(plan.changes).toEqual([
      { logicalId: 'A', attribute: 'UpdateReplacePolicy', from: undefined },
      { logicalId: 'B', attribute: 'DeletionPolicy', from: 'Delete' },
    ]);
    expect(JSON.parse(plan.body)).toEqual({ Resources: {
      A: { Type: 'AWS::AppConfig::Deployment', Properties: {}, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
      B: { Type: 'AWS::AppConfig::Deployment', Properties: {}, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
      Other: { Type: 'AWS::SNS::Topic' },
    } });
  });

  it('reports a template without AppConfig deployments', () => {
    const plan = retainAppConfigDeployments(template({ Topic: { Type: 'AWS::SNS::Topic' } }));
    expect(plan.deployments).toEqual([]);
    expect(plan.changes).toEqual([]);
  });

  it('refuses YAML, and a template without Resources', () => {
    expect(() => retainAppConfigDeployments('Resources:\n  A:\n    Type: AWS::AppConfig::Deployment\n')).toThrow(TemplateNotEditableError);
    expect(() => retainAppConfigDeployments('{"Outputs": {}}')).toThrow(/no Resources object/);
  });

  it('refuses a number JSON cannot write back as it was (it would read as a changed property)', () => {
    expect(() => retainAppConfigDeployments('{"Resources": {"A": {"Type": "AWS::AppConfig::Deployment", "Properties": {"X": 1.0}}}}')).toThrow(/number 1\.0/);
    expect(() => retainAppConfigDeployments('{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"N": 12345678901234567890}}}}')).toThrow(TemplateNotEditableError);
    // Numbers inside strings are text, and plain numbers round-trip.
    expect(retainAppConfigDeployments('{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"S": "1.0 \\" 1e3", "N": -0.5, "M": 300}}}}').deployments).toEqual([]);
  });
});
