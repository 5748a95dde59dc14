import { retainAppConfigDeployments, retentionOf, RETAIN_MARKER_ID } from '../../lib/ops/retain-template';
import { TemplateNotEditableError } from '../../lib/ops/upgrade-errors';
import { LEGACY_DEPLOYMENT_ID, legacyTemplateBody } from '../helpers/fake-aws/legacy-stack';

type Json = Record<string, unknown>;
const MARKER = { Type: 'AWS::CloudFormation::WaitConditionHandle' };

describe("retainAppConfigDeployments on the first release's template", () => {
  const original = JSON.parse(legacyTemplateBody()) as { Resources: Record<string, Json> };
  const plan = retainAppConfigDeployments(legacyTemplateBody());
  const edited = JSON.parse(plan.body) as { Resources: Record<string, Json> };

  it('finds the one AppConfig deployment, sets both policies on it and adds the marker', () => {
    expect(plan.deployments).toEqual([LEGACY_DEPLOYMENT_ID]);
    expect(plan.changes).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'DeletionPolicy', from: undefined },
      { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'UpdateReplacePolicy', from: undefined },
    ]);
    expect(plan.marker).toBe('add');
    expect(edited.Resources[LEGACY_DEPLOYMENT_ID]).toEqual({
      ...original.Resources[LEGACY_DEPLOYMENT_ID],
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('the marker is a bare WaitConditionHandle, last in Resources (a real change next to the policies)', () => {
    expect(edited.Resources[RETAIN_MARKER_ID]).toStrictEqual(MARKER);
    expect(Object.keys(edited.Resources).at(-1)).toBe(RETAIN_MARKER_ID);
  });

  it('changes nothing else: without the marker and the two attributes, the parsed JSON is the deployed template', () => {
    const { [RETAIN_MARKER_ID]: marker, ...resources } = edited.Resources;
    const { DeletionPolicy, UpdateReplacePolicy, ...rest } = resources[LEGACY_DEPLOYMENT_ID]!;
    expect([marker, DeletionPolicy, UpdateReplacePolicy]).toEqual([MARKER, 'Retain', 'Retain']);
    expect({ ...edited, Resources: { ...resources, [LEGACY_DEPLOYMENT_ID]: rest } }).toStrictEqual(original);
    // Key order too, so the minified body is the deployed template's own, plus two attributes and the marker.
    expect(Object.keys(edited)).toEqual(Object.keys(original));
    expect(Object.keys(edited.Resources)).toEqual([...Object.keys(original.Resources), RETAIN_MARKER_ID]);
  });

  it('byte for byte: the deployed template minified, plus the two attributes on the deployment and the marker at the end of Resources', () => {
    const deployment = original.Resources[LEGACY_DEPLOYMENT_ID]!;
    const expected = JSON.stringify({
      ...original,
      Resources: {
        ...original.Resources,
        [LEGACY_DEPLOYMENT_ID]: { ...deployment, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
        [RETAIN_MARKER_ID]: MARKER,
      },
    });
    expect(plan.body).toBe(expected);
  });

  it("keeps the deployment's properties exactly (any change would replace it: a new AppConfig deployment)", () => {
    expect(edited.Resources[LEGACY_DEPLOYMENT_ID]!.Properties).toStrictEqual(
      original.Resources[LEGACY_DEPLOYMENT_ID]!.Properties,
    );
  });

  it('is minified, and over the 51,200-byte TemplateBody limit for this template', () => {
    expect(plan.body).toBe(JSON.stringify(JSON.parse(plan.body)));
    expect(Buffer.byteLength(plan.body)).toBeGreaterThan(51_200);
  });

  it('finds nothing left to do on its own output', () => {
    const again = retainAppConfigDeployments(plan.body);
    expect(again.changes).toEqual([]);
    expect(again.marker).toBe('none');
    expect(again.body).toBe(plan.body);
  });
});

describe('retainAppConfigDeployments on other templates', () => {
  const template = (resources: Record<string, Json>, extra: Json = {}): string =>
    JSON.stringify({ Resources: resources, ...extra });
  const retained = {
    Type: 'AWS::AppConfig::Deployment',
    Properties: {},
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  };

  it('sets only what is missing, and overrides Delete', () => {
    const plan = retainAppConfigDeployments(
      template({
        A: { Type: 'AWS::AppConfig::Deployment', Properties: {}, DeletionPolicy: 'Retain' },
        B: {
          Type: 'AWS::AppConfig::Deployment',
          Properties: {},
          DeletionPolicy: 'Delete',
          UpdateReplacePolicy: 'Retain',
        },
        Other: { Type: 'AWS::SNS::Topic' },
      }),
    );
    expect(plan.changes).toEqual([
      { logicalId: 'A', attribute: 'UpdateReplacePolicy', from: undefined },
      { logicalId: 'B', attribute: 'DeletionPolicy', from: 'Delete' },
    ]);
    expect(JSON.parse(plan.body)).toEqual({
      Resources: { A: retained, B: retained, Other: { Type: 'AWS::SNS::Topic' }, [RETAIN_MARKER_ID]: MARKER },
    });
  });

  it('policies already Retain but no marker: adds the marker only (nothing shows a real update brought them)', () => {
    const plan = retainAppConfigDeployments(template({ A: retained }));
    expect(plan).toMatchObject({ changes: [], marker: 'add' });
    expect(JSON.parse(plan.body)).toEqual({ Resources: { A: retained, [RETAIN_MARKER_ID]: MARKER } });
  });

  it('marker already there but a policy missing: takes the marker out, so the update is still more than policies', () => {
    const plan = retainAppConfigDeployments(
      template({ A: { Type: 'AWS::AppConfig::Deployment', Properties: {} }, [RETAIN_MARKER_ID]: MARKER }),
    );
    expect(plan.marker).toBe('remove');
    expect(JSON.parse(plan.body)).toEqual({ Resources: { A: retained } });
  });

  it('refuses a resource of that name that is not the bare marker', () => {
    expect(() =>
      retainAppConfigDeployments(template({ A: retained, [RETAIN_MARKER_ID]: { Type: 'AWS::SNS::Topic' } })),
    ).toThrow(TemplateNotEditableError);
    expect(() =>
      retainAppConfigDeployments(template({ A: retained, [RETAIN_MARKER_ID]: { ...MARKER, DependsOn: 'A' } })),
    ).toThrow(/not the bare AWS::CloudFormation::WaitConditionHandle/);
  });

  it('reports a template without AppConfig deployments, and adds no marker to it', () => {
    const plan = retainAppConfigDeployments(template({ Topic: { Type: 'AWS::SNS::Topic' } }));
    expect(plan).toMatchObject({ deployments: [], changes: [], marker: 'none' });
    expect(JSON.parse(plan.body)).toEqual({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
  });

  it('refuses YAML, and a template without Resources', () => {
    expect(() => retainAppConfigDeployments('Resources:\n  A:\n    Type: AWS::AppConfig::Deployment\n')).toThrow(
      TemplateNotEditableError,
    );
    expect(() => retainAppConfigDeployments('{"Outputs": {}}')).toThrow(/no Resources object/);
  });

  it('refuses a number JSON cannot write back as it was (it would read as a changed property)', () => {
    expect(() =>
      retainAppConfigDeployments(
        '{"Resources": {"A": {"Type": "AWS::AppConfig::Deployment", "Properties": {"X": 1.0}}}}',
      ),
    ).toThrow(/number 1\.0/);
    expect(() =>
      retainAppConfigDeployments(
        '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"N": 12345678901234567890}}}}',
      ),
    ).toThrow(TemplateNotEditableError);
    // Numbers inside strings are text, and plain numbers round-trip.
    expect(
      retainAppConfigDeployments(
        '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"S": "1.0 \\" 1e3", "N": -0.5, "M": 300}}}}',
      ).deployments,
    ).toEqual([]);
  });
});

describe('retentionOf (reading a deployed template back)', () => {
  it('lists every policy that is not Retain, and whether the marker is there', () => {
    expect(retentionOf(legacyTemplateBody())).toEqual({
      deployments: [LEGACY_DEPLOYMENT_ID],
      missing: [
        { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'DeletionPolicy', from: undefined },
        { logicalId: LEGACY_DEPLOYMENT_ID, attribute: 'UpdateReplacePolicy', from: undefined },
      ],
      markerPresent: false,
    });
    expect(retentionOf(retainAppConfigDeployments(legacyTemplateBody()).body)).toEqual({
      deployments: [LEGACY_DEPLOYMENT_ID],
      missing: [],
      markerPresent: true,
    });
  });

  it('is undefined for what is not a JSON template', () => {
    expect(retentionOf('Resources: {}')).toBeUndefined();
    expect(retentionOf('{"Outputs": {}}')).toBeUndefined();
  });
});
