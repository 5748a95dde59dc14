import { capabilitiesFor } from '../../lib/ops/required-capabilities';
import { stackLocationOf } from '../../lib/ops/stack-arn';
import { notReadyAdvice } from '../../lib/ops/stack-status';
import { cdkAssetsBucket, planDelivery, TEMPLATE_BODY_LIMIT_BYTES } from '../../lib/ops/template-delivery';
import type { TemplateDocument } from '../../lib/ops/template-json';

const location = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

describe('template delivery', () => {
  const now = new Date('2026-12-01T08:00:14.123Z');

  it('sends up to 51,200 bytes as TemplateBody, counting bytes, not characters', () => {
    expect(planDelivery('x'.repeat(TEMPLATE_BODY_LIMIT_BYTES), { stackName: 'S', location, now }).kind).toBe('body');
    expect(planDelivery('é'.repeat(TEMPLATE_BODY_LIMIT_BYTES / 2 + 1), { stackName: 'S', location, now }).kind).toBe(
      's3',
    );
  });

  it('puts a larger one in the CDK bootstrap bucket (or --bucket) under rollout-upgrade/, with the URL CloudFormation reads', () => {
    const big = 'x'.repeat(TEMPLATE_BODY_LIMIT_BYTES + 1);
    expect(planDelivery(big, { stackName: 'LlmModelRollout', location, now })).toMatchObject({
      kind: 's3',
      bucket: 'cdk-hnb659fds-assets-123456789012-eu-west-1',
      key: 'rollout-upgrade/LlmModelRollout-20261201T080014Z.json',
      url: 'https://s3.eu-west-1.amazonaws.com/cdk-hnb659fds-assets-123456789012-eu-west-1/rollout-upgrade/LlmModelRollout-20261201T080014Z.json',
    });
    expect(
      planDelivery(big, {
        stackName: 'S',
        location: { ...location, partition: 'aws-cn', region: 'cn-north-1' },
        bucket: 'my.bucket',
        now,
      }),
    ).toMatchObject({
      bucket: 'my.bucket',
      url: 'https://s3.cn-north-1.amazonaws.com.cn/my.bucket/rollout-upgrade/S-20261201T080014Z.json',
    });
    expect(cdkAssetsBucket(location)).toBe('cdk-hnb659fds-assets-123456789012-eu-west-1');
  });
});

describe('stack ARN', () => {
  it('gives partition, region and account', () => {
    expect(
      stackLocationOf(
        'arn:aws:cloudformation:eu-west-1:123456789012:stack/LlmModelRollout/4d2f0a80-9e6b-11ef-8f2e-0affd1b2c3d4',
      ),
    ).toEqual(location);
    expect(stackLocationOf('LlmModelRollout')).toBeUndefined();
  });
});

describe('capabilities', () => {
  const template = (resources: TemplateDocument['Resources'], extra = {}): TemplateDocument => ({
    Resources: resources,
    ...extra,
  });

  it("keeps the stack's own and adds what the template needs", () => {
    expect(
      capabilitiesFor(
        template({
          R: { Type: 'AWS::IAM::Role', Properties: {} },
          P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p' } },
        }),
        [],
      ),
    ).toEqual(['CAPABILITY_IAM']);
    expect(
      capabilitiesFor(template({ R: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'fixed' } } }), [
        'CAPABILITY_IAM',
      ]),
    ).toEqual(['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']);
    expect(
      capabilitiesFor(template({ T: { Type: 'AWS::SNS::Topic' } }, { Transform: 'AWS::Serverless-2016-10-31' }), []),
    ).toEqual(['CAPABILITY_AUTO_EXPAND']);
    expect(
      capabilitiesFor(template({ T: { Type: 'AWS::SNS::Topic' } }), [
        'CAPABILITY_IAM',
        'CAPABILITY_NAMED_IAM',
        'CAPABILITY_AUTO_EXPAND',
      ]),
    ).toEqual(['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND']);
  });
});

describe('stack status', () => {
  it('accepts the settled states CloudFormation updates, and says what to do otherwise', () => {
    for (const status of [
      'CREATE_COMPLETE',
      'UPDATE_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE',
      'IMPORT_COMPLETE',
      'IMPORT_ROLLBACK_COMPLETE',
    ])
      expect(notReadyAdvice(status, 'S')).toBeUndefined();
    expect(notReadyAdvice('UPDATE_IN_PROGRESS', 'S')).toMatch(/still running.*Wait for it to end/);
    expect(notReadyAdvice('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'S')).toMatch(/still running/);
    expect(notReadyAdvice('UPDATE_ROLLBACK_FAILED', 'S')).toMatch(/continue-update-rollback --stack-name S/);
    expect(notReadyAdvice('ROLLBACK_COMPLETE', 'S')).toMatch(/can only delete it/);
    expect(notReadyAdvice('DELETE_FAILED', 'S')).toMatch(/not a settled \*_COMPLETE state/);
  });
});
