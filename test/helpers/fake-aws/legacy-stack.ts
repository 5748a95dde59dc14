import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FakeCloudFormation } from './fake-cloudformation';
import type { FakeStack, FakeStackInit } from './fake-stack';
import { FakeS3 } from './fake-s3';

/** The template cdk synth produced for the shipped config in the first release, as deployed. */
export const LEGACY_TEMPLATE_FILE = path.join(__dirname, '../../fixtures/legacy-stack-template.json');
export const LEGACY_DEPLOYMENT_ID = 'FlagsCurrentPhaseDeployment26275208';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const STACK_NAME = 'LlmModelRollout';
export const ASSETS_BUCKET = `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`;

export function legacyTemplateBody(): string {
  return readFileSync(LEGACY_TEMPLATE_FILE, 'utf8');
}

export interface LegacyStackWorld {
  readonly cloudformation: FakeCloudFormation;
  readonly s3: FakeS3;
  readonly stack: FakeStack;
}

/**
 * The first release's stack as cdk deploy leaves it: the template as CDK uploaded it (pretty
 * JSON: GetTemplate answers it as submitted), the BootstrapVersion SSM parameter, the three
 * capabilities cdk deploy acknowledges, the CDK execution role, and the CDK bootstrap bucket.
 */
export function legacyStackWorld(overrides: Partial<FakeStackInit> = {}): LegacyStackWorld {
  const s3 = new FakeS3().createBucket(ASSETS_BUCKET, ACCOUNT);
  const cloudformation = new FakeCloudFormation(s3, REGION);
  const stack = cloudformation.addStack({
    name: STACK_NAME,
    account: ACCOUNT,
    templateBody: legacyTemplateBody(),
    parameters: [{ key: 'BootstrapVersion', value: '/cdk-bootstrap/hnb659fds/version', resolved: '28' }],
    capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    status: 'UPDATE_COMPLETE',
    createdAt: new Date('2026-10-01T09:00:00Z'),
    lastUpdatedAt: new Date('2026-11-20T14:30:00Z'),
    roleArn: `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`,
    ...overrides,
  });
  return { cloudformation, s3, stack };
}
