import {
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type Capability,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsAnswerOf } from '../cli/aws-answer';
import type { UpgradeCall } from './upgrade-aws-errors';

/** What the upgrade needs to know of a stack, from DescribeStacks. */
export interface StackView {
  /** The stack's ARN (StackId). */
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly reason?: string;
  readonly parameterKeys: readonly string[];
  readonly capabilities: readonly Capability[];
  readonly lastUpdated?: Date;
}

export const DESCRIBE_STACK = (stack: string): UpgradeCall => ({
  action: `read stack ${stack}`,
  service: 'CloudFormation',
  permission: 'cloudformation:DescribeStacks on the stack',
  afterServerFault: 'This only reads: nothing was changed, and it is safe to run it again in a few minutes.',
});

export const READ_TEMPLATE = (stack: string): UpgradeCall => ({
  action: `read the deployed template of stack ${stack}`,
  service: 'CloudFormation',
  permission: 'cloudformation:GetTemplate on the stack',
  afterServerFault: 'This only reads: nothing was changed, and it is safe to run it again in a few minutes.',
});

export const UPLOAD_TEMPLATE = (bucket: string, key: string): UpgradeCall => ({
  action: `upload the edited template to s3://${bucket}/${key}`,
  service: 'S3',
  permission: `s3:PutObject on arn:aws:s3:::${bucket}/rollout-upgrade/*, in a bucket the stack's account owns`,
  afterServerFault:
    'The stack was not changed (at most a copy of the template was left in the bucket): it is safe to run it again.',
});

export const UPDATE_STACK = (stack: string): UpgradeCall => ({
  action: `update stack ${stack}`,
  service: 'CloudFormation',
  permission: "cloudformation:UpdateStack on the stack, and iam:PassRole on the stack's service role if it has one",
  afterServerFault:
    'The update may have started anyway: run this again in a few minutes — it reads the stack first and says whether the update is running, done, or still needed. Do not cdk deploy until it says the deployments are retained.',
});

/** Reading the template back after UpdateStack answered (UPDATE_COMPLETE, or "No updates are to be performed."). */
export const READ_BACK_TEMPLATE = (stack: string): UpgradeCall => ({
  action: `read back the deployed template of stack ${stack} to check the deployments are retained`,
  service: 'CloudFormation',
  permission: 'cloudformation:GetTemplate on the stack',
  afterServerFault:
    'Whether the deployments are retained is not known yet: run this again in a few minutes (it reads the stack and its template first and says so). Do not cdk deploy until it says the deployments are retained.',
});

export const WATCH_UPDATE = (stack: string): UpgradeCall => ({
  action: `follow the update of stack ${stack}`,
  service: 'CloudFormation',
  permission: 'cloudformation:DescribeStacks on the stack',
  afterServerFault:
    'The update itself goes on in CloudFormation: follow it in the console (Events tab) and run this again once it has ended; it then says whether the deployments are retained.',
});

export async function describeStack(cfn: CloudFormationClient, stack: string): Promise<StackView> {
  const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
  const found = out.Stacks?.[0];
  // DescribeStacks answers a ValidationError for an unknown stack; an empty list is not expected.
  if (!found) throw new Error(`DescribeStacks answered no stack for ${stack}`);
  return toView(found);
}

/** The deployed template as it was submitted (GetTemplate, TemplateStage Original: before any transform). */
export async function deployedTemplate(cfn: CloudFormationClient, stackId: string): Promise<string> {
  const out = await cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }));
  if (out.TemplateBody === undefined) throw new Error(`GetTemplate answered no TemplateBody for ${stackId}`);
  return out.TemplateBody;
}

/**
 * PutObject with ExpectedBucketOwner: the default bucket's name is predictable, so the upload
 * must fail (403) rather than hand the template to a bucket another account created under it
 * (Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition").
 */
export async function uploadTemplate(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  owner: string,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      ExpectedBucketOwner: owner,
    }),
  );
}

export interface StackUpdate {
  readonly stackId: string;
  readonly template: { readonly body: string } | { readonly url: string };
  readonly parameterKeys: readonly string[];
  readonly capabilities: readonly Capability[];
  /** Lets the SDK's retries of UpdateStack be recognised as one request (UpdateStack: ClientRequestToken). */
  readonly clientRequestToken: string;
}

/**
 * How CloudFormation answered UpdateStack. `no-updates`: "ValidationError: No updates are to be
 * performed.", its answer when it finds nothing to change: no update started, and nothing was
 * changed.
 */
export type UpdateAnswer = { readonly kind: 'started' } | { readonly kind: 'no-updates'; readonly requestId?: string };

/**
 * UpdateStack with every parameter at UsePreviousValue: a parameter left out takes its Default,
 * not its previous value, and NoEcho values cannot be read back (CloudFormation API Reference,
 * Parameter: UsePreviousValue). RoleARN, notification ARNs, tags and the stack policy are left
 * out: UpdateStack keeps the stack's own when they are not given. "No updates are to be
 * performed." comes back as an answer, not an error: what it means depends on the template
 * deployed, which the caller reads back.
 */
export async function updateStack(cfn: CloudFormationClient, update: StackUpdate): Promise<UpdateAnswer> {
  try {
    await cfn.send(
      new UpdateStackCommand({
        StackName: update.stackId,
        ...('body' in update.template ? { TemplateBody: update.template.body } : { TemplateURL: update.template.url }),
        Parameters: update.parameterKeys.map((key) => ({ ParameterKey: key, UsePreviousValue: true })),
        Capabilities: [...update.capabilities],
        ClientRequestToken: update.clientRequestToken,
      }),
    );
    return { kind: 'started' };
  } catch (err) {
    const answer = awsAnswerOf(err);
    if (answer?.name === 'ValidationError' && /^No updates are to be performed\.?$/.test(answer.message.trim())) {
      return { kind: 'no-updates', requestId: answer.requestId };
    }
    throw err;
  }
}

function toView(s: Stack): StackView {
  return {
    id: s.StackId ?? '',
    name: s.StackName ?? '',
    status: s.StackStatus ?? '',
    reason: s.StackStatusReason,
    parameterKeys: (s.Parameters ?? []).map((p) => p.ParameterKey ?? '').filter((k) => k !== ''),
    capabilities: s.Capabilities ?? [],
    lastUpdated: s.LastUpdatedTime,
  };
}
