import { CloudFormationClient, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { retainAppConfigDeployments } from '../../lib/ops/retain-template';
import type { UpgradeClients } from '../../lib/ops/retain-legacy-deployment';
import { runUpgradeRetainDeployment } from '../../lib/ops/upgrade-cli';
import { startFakeStackEndpoint, type FakeStackEndpoint, type StackEndpointRequest } from '../helpers/fake-aws/fake-stack-endpoint';
import type { FakeStackInit } from '../helpers/fake-aws/fake-stack';
import { ACCOUNT, ASSETS_BUCKET, LEGACY_DEPLOYMENT_ID, legacyStackWorld, legacyTemplateBody, REGION, STACK_NAME, type LegacyStackWorld } from '../helpers/fake-aws/legacy-stack';

/**
 * The upgrade end to end, through the local fake CloudFormation + S3 with the real SDK clients:
 * what reaches AWS is what the fake checks as AWS would.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const WRITES = ['PutObject', 'UpdateStack'];

let world: LegacyStackWorld;
let fake: FakeStackEndpoint;
const clients: Array<{ destroy(): void }> = [];

async function start(overrides: Partial<FakeStackInit> = {}, onAnswered?: (request: StackEndpointRequest) => void): Promise<void> {
  world = legacyStackWorld(overrides);
  fake = await startFakeStackEndpoint({ ...world, onAnswered });
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await fake.close();
});

function fakeClients(): UpgradeClients {
  const cloudformation = new CloudFormationClient({ region: REGION, endpoint: fake.url, credentials, maxAttempts: 2 });
  clients.push(cloudformation);
  return {
    cloudformation,
    s3: (region) => {
      const s3 = new S3Client({ region, endpoint: fake.url, credentials, maxAttempts: 2, forcePathStyle: true });
      clients.push(s3);
      return s3;
    },
  };
}

async function upgrade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runUpgradeRetainDeployment(['--stack', STACK_NAME, ...args], {
    print: (line) => stdout.push(line),
    printError: (line) => stderr.push(line),
    clients: fakeClients,
    sleep: async () => undefined,
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** What `cdk deploy` of the next release does: the deployed template without the deployment. */
async function deployNextRelease(): Promise<unknown> {
  world.stack.nextUpdate = { polls: 0, result: 'complete' };
  const next = withoutDeployment(world.stack.templateBody);
  const { cloudformation, s3 } = fakeClients();
  await s3(REGION).send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: 'next-release.json', Body: next }));
  await cloudformation.send(new UpdateStackCommand({
    StackName: STACK_NAME,
    TemplateURL: `https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/next-release.json`,
    Parameters: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: true }],
    Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
  }));
  return world.stack.updates.at(-1)?.effects;
}

const writes = (): number => WRITES.reduce((n, op) => n + fake.count(op), 0);
const withoutDeployment = (body: string): string => {
  const template = JSON.parse(body) as { Resources: Record<string, unknown> };
  delete template.Resources[LEGACY_DEPLOYMENT_ID];
  return JSON.stringify(template);
};

describe('upgrade:retain-deployment on the first release\'s stack', () => {
  it('uploads the edited template to the CDK bootstrap bucket, updates the stack from it and waits for UPDATE_COMPLETE', async () => {
    await start();
    world.stack.nextUpdate = { polls: 3, result: 'complete' };
    const { code, stdout, stderr } = await upgrade();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

    const expected = retainAppConfigDeployments(legacyTemplateBody()).body;
    const [key, ...others] = world.s3.keys(ASSETS_BUCKET);
    expect(others).toEqual([]);
    expect(key).toMatch(/^rollout-upgrade\/LlmModelRollout-\d{8}T\d{6}Z\.json$/);
    expect(world.s3.object(ASSETS_BUCKET, key!)?.body.toString('utf8')).toBe(expected);
    expect(fake.requests.find((r) => r.operation === 'PutObject')?.input['x-amz-expected-bucket-owner']).toBe(ACCOUNT);

    const [update, ...more] = world.stack.updates;
    expect(more).toEqual([]);
    expect(update).toMatchObject({
      via: 'TemplateURL',
      templateUrl: `https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/${key}`,
      templateBody: expected,
      parametersSent: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: 'true' }],
      parameters: [{ key: 'BootstrapVersion', value: '/cdk-bootstrap/hnb659fds/version', resolved: '28' }],
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      clientRequestToken: expect.stringMatching(/^rollout-upgrade-[0-9a-f-]{36}$/),
    });
    // CloudFormation touches no resource: the policies change, the AppConfig deployment is not replaced.
    expect(update?.effects).toEqual([{ logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'attributes-only' }]);

    expect(world.stack.status).toBe('UPDATE_COMPLETE');
    expect(stdout).toContain(`${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set → Retain; UpdateReplacePolicy not set → Retain`);
    expect(stdout).toContain(`over the 51,200-byte TemplateBody limit: it goes to s3://${ASSETS_BUCKET}/${key}`);
    expect(stdout).toMatch(/UPDATE_IN_PROGRESS\n {2}UPDATE_COMPLETE_CLEANUP_IN_PROGRESS\n {2}UPDATE_COMPLETE\n/);
    expect(stdout).toContain('Stack LlmModelRollout is UPDATE_COMPLETE');
    expect(stdout).toContain('Next: cdk deploy the new release');
  });

  it('after it, the release that drops the deployment keeps it in AppConfig', async () => {
    await start();
    expect((await upgrade()).code).toBe(0);
    expect(await deployNextRelease()).toEqual([{ logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'retain' }]);
  });

  it('(without it, that release would make CloudFormation delete the deployment)', async () => {
    await start();
    expect(await deployNextRelease()).toEqual([{ logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'delete' }]);
  });
});

describe('upgrade:retain-deployment when there is little or nothing to do', () => {
  it('sends a template within 51,200 bytes as TemplateBody, without S3', async () => {
    const small = JSON.stringify({ Resources: { Deployment: { Type: 'AWS::AppConfig::Deployment', Properties: { Description: 'x' } }, Role: { Type: 'AWS::IAM::Role', Properties: {} } } });
    await start({ templateBody: small, parameters: [], capabilities: [] });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(fake.count('PutObject')).toBe(0);
    expect(world.stack.updates[0]).toMatchObject({ via: 'TemplateBody', templateBody: retainAppConfigDeployments(small).body, capabilities: ['CAPABILITY_IAM'], parametersSent: [] });
    expect(stdout).toContain('goes in the request (TemplateBody, at most 51,200 bytes)');
  });

  it('already retained: says so, exits 0, changes nothing', async () => {
    await start({ templateBody: retainAppConfigDeployments(legacyTemplateBody()).body });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(stdout).toContain(`(${LEGACY_DEPLOYMENT_ID}) already has DeletionPolicy and UpdateReplacePolicy Retain: nothing to do`);
    expect(writes()).toBe(0);
  });

  it('no AppConfig deployment: the stack needs no upgrade', async () => {
    await start({ templateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(stdout).toContain('has no AWS::AppConfig::Deployment: it needs no upgrade');
    expect(writes()).toBe(0);
  });

  it('--dry-run prints what would change and writes nothing', async () => {
    await start();
    const { code, stdout } = await upgrade('--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain(`${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set → Retain; UpdateReplacePolicy not set → Retain`);
    expect(stdout).toContain('Parameters keep their previous values (BootstrapVersion)');
    expect(stdout).toContain('Dry run: nothing was uploaded and the stack was not updated.');
    expect(writes()).toBe(0);
    expect(world.s3.keys(ASSETS_BUCKET)).toEqual([]);
  });
});

describe('upgrade:retain-deployment refuses or fails plainly', () => {
  it('refuses a stack that is UPDATE_IN_PROGRESS, before reading its template', async () => {
    await start({ status: 'UPDATE_IN_PROGRESS' });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toBe('upgrade:retain-deployment: Stack LlmModelRollout is UPDATE_IN_PROGRESS: another operation on it is still running, and until it ends the deployed template is not settled (a rollback would undo it). Wait for it to end (CloudFormation console, Events tab), then run this again. Nothing was changed.');
    expect(fake.count('GetTemplate')).toBe(0);
    expect(writes()).toBe(0);
  });

  it('reports an update that rolls back as a failure: do not cdk deploy', async () => {
    await start();
    world.stack.nextUpdate = { polls: 1, result: 'rollback', reason: 'The following resource(s) failed to update: [FlagsCurrentPhaseDeployment26275208].' };
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toContain('The update of stack LlmModelRollout failed: it is UPDATE_ROLLBACK_IN_PROGRESS (The following resource(s) failed to update: [FlagsCurrentPhaseDeployment26275208].)');
    expect(stderr).toContain('still NOT retained: do not cdk deploy the new release');
    expect(world.stack.templateBody).toBe(legacyTemplateBody());
  });

  it('refuses to update a stack someone else deployed after its template was read', async () => {
    await start({}, (request) => {
      if (request.operation === 'GetTemplate') world.stack.lastUpdatedAt = new Date('2026-11-30T10:00:00Z');
    });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toBe('upgrade:retain-deployment: Stack LlmModelRollout changed while this ran (UPDATE_COMPLETE, last updated 2026-11-20T14:30:00.000Z → UPDATE_COMPLETE, last updated 2026-11-30T10:00:00.000Z): someone else is deploying it. Nothing was changed; run this again once that deployment has ended.');
    expect(fake.count('UpdateStack')).toBe(0);
  });

  it('stops waiting after the timeout, saying the update goes on and when to cdk deploy', async () => {
    await start();
    world.stack.nextUpdate = { polls: 100, result: 'complete' };
    const stderr: string[] = [];
    const code = await runUpgradeRetainDeployment(['--stack', STACK_NAME], { print: () => undefined, printError: (l) => stderr.push(l), clients: fakeClients, sleep: async () => undefined, timeoutMs: 0 });
    expect(code).toBe(1);
    expect(stderr.join('\n')).toBe('upgrade:retain-deployment: Stack LlmModelRollout is still UPDATE_IN_PROGRESS after 0 minutes; the update goes on without this command. Follow it in the CloudFormation console (Events tab) or with: aws cloudformation wait stack-update-complete --stack-name LlmModelRollout --region us-east-1. Only once it is UPDATE_COMPLETE, cdk deploy the new release (running this again then says the deployments are retained).');
  });

  it('an unknown stack: check --stack and --region', async () => {
    await start();
    const stderr: string[] = [];
    const code = await runUpgradeRetainDeployment(['--stack', 'Nope'], { printError: (l) => stderr.push(l), print: () => undefined, clients: fakeClients });
    expect(code).toBe(1);
    expect(stderr.join('\n')).toBe('upgrade:retain-deployment: Could not read stack Nope: Stack with id Nope does not exist in us-east-1. Check --stack and --region, and that your credentials are for the stack\'s account. Nothing was changed.');
  });

  it('a bucket of another account (--bucket): refused by ExpectedBucketOwner, the stack untouched', async () => {
    await start();
    world.s3.createBucket('someone-elses', '999999999999');
    const { code, stderr } = await upgrade('--bucket', 'someone-elses');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^upgrade:retain-deployment: Could not upload the edited template to s3:\/\/someone-elses\/rollout-upgrade\/LlmModelRollout-\d{8}T\d{6}Z\.json: access denied, AccessDenied \(HTTP 403, request id [0-9a-f-]{36}\): Access Denied\. Your role needs s3:PutObject on arn:aws:s3:::someone-elses\/rollout-upgrade\/\*, in a bucket the stack's account owns\./);
    expect(fake.count('UpdateStack')).toBe(0);
  });

  it('AWS failing UpdateStack: one paragraph with the request id, and whether to run it again', async () => {
    await start();
    fake.fail('UpdateStack', { status: 500, code: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.', fault: 'Receiver' });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    const requestId = fake.requests.filter((r) => r.operation === 'UpdateStack').at(-1)?.requestId;
    expect(stderr).toBe(`upgrade:retain-deployment: Could not update stack LlmModelRollout: CloudFormation answered InternalFailure (HTTP 500, request id ${requestId}) after 2 attempts, a failure on the AWS side. The update may have started anyway: run this again in a few minutes — it reads the stack first and says whether the update is running, done, or still needed. Do not cdk deploy until it says the deployments are retained. If it keeps failing, check the AWS Health Dashboard and quote the request id to AWS Support.`);
    expect(stderr.split('\n')).toHaveLength(1);
  });

  it('a usage error: exit code 2 with the usage', async () => {
    await start();
    const stderr: string[] = [];
    expect(await runUpgradeRetainDeployment([], { printError: (l) => stderr.push(l) })).toBe(2);
    expect(stderr.join('\n')).toContain('--stack NAME is required.');
    expect(stderr.join('\n')).toContain('Usage: npm run upgrade:retain-deployment -- --stack NAME');
  });
});
