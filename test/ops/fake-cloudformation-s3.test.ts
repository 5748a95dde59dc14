import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  InsufficientCapabilitiesException,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startFakeStackEndpoint, type FakeStackEndpoint } from '../helpers/fake-aws/fake-stack-endpoint';
import {
  ACCOUNT,
  ASSETS_BUCKET,
  LEGACY_DEPLOYMENT_ID,
  legacyStackWorld,
  legacyTemplateBody,
  REGION,
  STACK_NAME,
  type LegacyStackWorld,
} from '../helpers/fake-aws/legacy-stack';

/**
 * The fake answers as the CloudFormation API Reference documents, so the upgrade's tests catch
 * what only a permissive mock would let pass. Checked here with the real SDK clients.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const small = (resources: Record<string, unknown>, parameters: Record<string, unknown> = {}): string =>
  JSON.stringify({ Parameters: parameters, Resources: resources });
const topic = { Topic: { Type: 'AWS::SNS::Topic' } };

let world: LegacyStackWorld;
let fake: FakeStackEndpoint;
let cfn: CloudFormationClient;
let s3: S3Client;

beforeEach(async () => {
  world = legacyStackWorld();
  fake = await startFakeStackEndpoint(world);
  cfn = new CloudFormationClient({ region: REGION, endpoint: fake.url, credentials, maxAttempts: 1 });
  s3 = new S3Client({ region: REGION, endpoint: fake.url, credentials, maxAttempts: 1, forcePathStyle: true });
});
afterEach(async () => {
  cfn.destroy();
  s3.destroy();
  await fake.close();
});

const refusal = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );

describe('fake CloudFormation', () => {
  it("DescribeStacks and GetTemplate answer in the Query protocol's XML, as the SDK parses them", async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK_NAME }));
    expect(Stacks?.[0]).toMatchObject({
      StackId: world.stack.id,
      StackName: STACK_NAME,
      StackStatus: 'UPDATE_COMPLETE',
      Parameters: [
        { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version', ResolvedValue: '28' },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      LastUpdatedTime: new Date('2026-11-20T14:30:00Z'),
    });
    const template = await cfn.send(new GetTemplateCommand({ StackName: world.stack.id, TemplateStage: 'Original' }));
    expect(template.TemplateBody).toBe(legacyTemplateBody());
    expect(fake.requests.at(-1)).toMatchObject({
      service: 'cloudformation',
      operation: 'GetTemplate',
      input: { TemplateStage: 'Original' },
    });
  });

  it('an unknown stack is a ValidationError with the request id', async () => {
    const err = await refusal(cfn.send(new DescribeStacksCommand({ StackName: 'Nope' })));
    expect(err).toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: fake.requests.at(-1)?.requestId },
    });
  });

  it('UpdateStack refuses a TemplateBody over 51,200 bytes', async () => {
    const body = JSON.stringify(JSON.parse(legacyTemplateBody()));
    const err = await refusal(
      cfn.send(
        new UpdateStackCommand({
          StackName: STACK_NAME,
          TemplateBody: body,
          Parameters: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: true }],
        }),
      ),
    );
    expect(err).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('less than or equal to 51200'),
    });
    expect(world.stack.updates).toEqual([]);
  });

  it('UpdateStack with the deployed template unchanged: "No updates are to be performed."', async () => {
    world.stack.templateBody = small(topic, { Env: { Type: 'String' } });
    world.stack.parameters = [{ key: 'Env', value: 'prod' }];
    // Only the formatting differs: CloudFormation compares templates, not their text.
    const same = JSON.stringify(JSON.parse(world.stack.templateBody), null, 4);
    const err = await refusal(
      cfn.send(
        new UpdateStackCommand({
          StackName: STACK_NAME,
          TemplateBody: same,
          Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
        }),
      ),
    );
    expect(err).toMatchObject({ name: 'ValidationError', message: 'No updates are to be performed.' });
  });

  it('UpdateStack that changes only DeletionPolicy/UpdateReplacePolicy: "No updates are to be performed." (the conservative reading of cloudformation-coverage-roadmap#1543)', async () => {
    // What the first version of upgrade:retain-deployment sent: the deployed template plus the two policies, nothing else.
    const template = JSON.parse(legacyTemplateBody()) as { Resources: Record<string, Record<string, unknown>> };
    template.Resources[LEGACY_DEPLOYMENT_ID] = {
      ...template.Resources[LEGACY_DEPLOYMENT_ID],
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    };
    const key = 'rollout-upgrade/policies-only.json';
    await s3.send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: key, Body: JSON.stringify(template) }));
    const update = (url: string): Promise<unknown> =>
      cfn.send(
        new UpdateStackCommand({
          StackName: STACK_NAME,
          TemplateURL: url,
          Parameters: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: true }],
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        }),
      );
    const err = await refusal(update(`https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/${key}`));
    expect(err).toMatchObject({ name: 'ValidationError', message: 'No updates are to be performed.' });
    expect(world.stack.updates).toEqual([]);
    expect(world.stack.templateBody).toBe(legacyTemplateBody());

    // With one more resource it is a real update, and the policies come with it.
    world.stack.nextUpdate = { polls: 0, result: 'complete' };
    template.Resources.Marker = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
    await s3.send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: key, Body: JSON.stringify(template) }));
    await update(`https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/${key}`);
    expect(world.stack.updates[0]?.effects).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'attributes-only' },
      { logicalId: 'Marker', type: 'AWS::CloudFormation::WaitConditionHandle', kind: 'add' },
    ]);
    expect(world.stack.templateBody).toBe(JSON.stringify(template));
  });

  it('an update scripted to keep the previous policies completes, and GetTemplate shows the old policies', async () => {
    world.stack.templateBody = small({ D: { Type: 'AWS::AppConfig::Deployment', Properties: {} } });
    world.stack.nextUpdate = { polls: 0, result: 'complete', keepsPreviousPolicies: true };
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK_NAME,
        TemplateBody: small({
          D: {
            Type: 'AWS::AppConfig::Deployment',
            Properties: {},
            DeletionPolicy: 'Retain',
            UpdateReplacePolicy: 'Retain',
          },
          M: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
        }),
      }),
    );
    expect((await cfn.send(new DescribeStacksCommand({ StackName: STACK_NAME }))).Stacks?.[0]?.StackStatus).toBe(
      'UPDATE_COMPLETE',
    );
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: STACK_NAME }));
    expect(JSON.parse(TemplateBody ?? '')).toEqual({
      Parameters: {},
      Resources: {
        D: { Type: 'AWS::AppConfig::Deployment', Properties: {} },
        M: { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      },
    });
  });

  it('UpdateStack refuses a stack that is not in an updatable *_COMPLETE state', async () => {
    world.stack.status = 'UPDATE_IN_PROGRESS';
    const err = await refusal(cfn.send(new UpdateStackCommand({ StackName: STACK_NAME, TemplateBody: small({}) })));
    expect(err).toMatchObject({
      name: 'ValidationError',
      message: `Stack:${world.stack.id} is in UPDATE_IN_PROGRESS state and can not be updated.`,
    });
  });

  it('a parameter left out takes its Default, not its previous value', async () => {
    world.stack.templateBody = small(topic, { Env: { Type: 'String', Default: 'prod' } });
    world.stack.parameters = [{ key: 'Env', value: 'staging' }];
    await cfn.send(new UpdateStackCommand({ StackName: STACK_NAME, TemplateBody: world.stack.templateBody }));
    expect(world.stack.parameters).toEqual([{ key: 'Env', value: 'prod' }]);
  });

  it('refuses missing capabilities with InsufficientCapabilitiesException', async () => {
    world.stack.templateBody = small(topic);
    const err = await refusal(
      cfn.send(
        new UpdateStackCommand({
          StackName: STACK_NAME,
          TemplateBody: small({ Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'fixed' } } }),
          Capabilities: ['CAPABILITY_IAM'],
        }),
      ),
    );
    expect(err).toBeInstanceOf(InsufficientCapabilitiesException);
    expect(err).toMatchObject({ message: 'Requires capabilities : [CAPABILITY_NAMED_IAM]' });
  });

  it("reads a TemplateURL from S3, and deletes or keeps a removed resource by the deployed template's DeletionPolicy", async () => {
    world.stack.nextUpdate = { polls: 0, result: 'complete' };
    world.stack.templateBody = small({
      ...topic,
      Kept: { Type: 'AWS::AppConfig::Deployment', DeletionPolicy: 'Retain' },
      Gone: { Type: 'AWS::AppConfig::Deployment' },
    });
    const key = 'rollout-upgrade/next.json';
    await s3.send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: key, Body: small(topic) }));
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK_NAME,
        TemplateURL: `https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/${key}`,
      }),
    );
    expect(world.stack.updates[0]?.effects).toEqual([
      { logicalId: 'Kept', type: 'AWS::AppConfig::Deployment', kind: 'retain' },
      { logicalId: 'Gone', type: 'AWS::AppConfig::Deployment', kind: 'delete' },
    ]);
    const missing = await refusal(
      cfn.send(
        new UpdateStackCommand({
          StackName: STACK_NAME,
          TemplateURL: `https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/nothing.json`,
        }),
      ),
    );
    expect(missing).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('S3 error: Access Denied'),
    });
  });

  it('replaces an AppConfig deployment whose properties change (a new AppConfig deployment)', async () => {
    const withDescription = (d: string): string =>
      small({ [LEGACY_DEPLOYMENT_ID]: { Type: 'AWS::AppConfig::Deployment', Properties: { Description: d } } });
    world.stack.templateBody = withDescription('a');
    world.stack.nextUpdate = { polls: 0, result: 'complete' };
    await cfn.send(new UpdateStackCommand({ StackName: STACK_NAME, TemplateBody: withDescription('b') }));
    expect(world.stack.updates[0]?.effects).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'replace' },
    ]);
  });

  it('an update goes through UPDATE_IN_PROGRESS to UPDATE_COMPLETE, one DescribeStacks at a time', async () => {
    world.stack.templateBody = small(topic);
    world.stack.nextUpdate = { polls: 2, result: 'complete' };
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK_NAME,
        TemplateBody: small({ ...topic, Other: { Type: 'AWS::SNS::Topic' } }),
      }),
    );
    const statuses: Array<string | undefined> = [];
    for (let i = 0; i < 5; i += 1)
      statuses.push((await cfn.send(new DescribeStacksCommand({ StackName: STACK_NAME }))).Stacks?.[0]?.StackStatus);
    expect(statuses).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'UPDATE_COMPLETE',
    ]);
  });
});

describe('fake S3', () => {
  it("PutObject stores the body path-style, checking the SDK's checksum", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: ASSETS_BUCKET,
        Key: 'a/b.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
        ExpectedBucketOwner: ACCOUNT,
      }),
    );
    expect(world.s3.object(ASSETS_BUCKET, 'a/b.json')?.body.toString()).toBe('{"a":1}');
    expect(fake.requests.at(-1)).toMatchObject({
      service: 's3',
      operation: 'PutObject',
      status: 200,
      input: { path: `/${ASSETS_BUCKET}/a/b.json` },
    });
  });

  it('refuses a bucket another account owns (ExpectedBucketOwner) and a missing bucket', async () => {
    const wrongOwner = await refusal(
      s3.send(
        new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: 'k', Body: 'x', ExpectedBucketOwner: '999999999999' }),
      ),
    );
    expect(wrongOwner).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const noBucket = await refusal(s3.send(new PutObjectCommand({ Bucket: 'nope', Key: 'k', Body: 'x' })));
    expect(noBucket).toMatchObject({
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404, requestId: fake.requests.at(-1)?.requestId },
    });
  });
});
