import { CloudFormationClient, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { retainAppConfigDeployments, RETAIN_MARKER_ID } from '../../lib/ops/retain-template';
import type { UpgradeClients } from '../../lib/ops/retain-legacy-deployment';
import { runUpgradeRetainDeployment } from '../../lib/ops/upgrade-cli';
import {
  startFakeStackEndpoint,
  type FakeStackEndpoint,
  type StackEndpointRequest,
} from '../helpers/fake-aws/fake-stack-endpoint';
import type { FakeStackInit } from '../helpers/fake-aws/fake-stack';
import { validationError } from '../helpers/fake-aws/query-protocol';
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
 * The upgrade end to end, through the local fake CloudFormation + S3 with the real SDK clients:
 * what reaches AWS is what the fake checks as AWS would.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const WRITES = ['PutObject', 'UpdateStack'];
const MARKER = { logicalId: RETAIN_MARKER_ID, type: 'AWS::CloudFormation::WaitConditionHandle' };
const INTERNAL_FAILURE = {
  status: 500,
  code: 'InternalFailure',
  message: 'The request processing has failed because of an unknown error, exception or failure.',
  fault: 'Receiver',
} as const;

let world: LegacyStackWorld;
let fake: FakeStackEndpoint;
const clients: Array<{ destroy(): void }> = [];

async function start(
  overrides: Partial<FakeStackInit> = {},
  onAnswered?: (request: StackEndpointRequest) => void,
): Promise<void> {
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

/** What `cdk deploy` of the next release does: the deployed template without the deployment (nor the marker, which the release does not have). */
async function deployNextRelease(): Promise<unknown> {
  world.stack.nextUpdate = { polls: 0, result: 'complete' };
  const next = withoutDeployment(world.stack.templateBody);
  const { cloudformation, s3 } = fakeClients();
  await s3(REGION).send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: 'next-release.json', Body: next }));
  await cloudformation.send(
    new UpdateStackCommand({
      StackName: STACK_NAME,
      TemplateURL: `https://s3.${REGION}.amazonaws.com/${ASSETS_BUCKET}/next-release.json`,
      Parameters: [{ ParameterKey: 'BootstrapVersion', UsePreviousValue: true }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    }),
  );
  return world.stack.updates.at(-1)?.effects;
}

const writes = (): number => WRITES.reduce((n, op) => n + fake.count(op), 0);
const withoutDeployment = (body: string): string => {
  const template = JSON.parse(body) as { Resources: Record<string, unknown> };
  delete template.Resources[LEGACY_DEPLOYMENT_ID];
  delete template.Resources[RETAIN_MARKER_ID];
  return JSON.stringify(template);
};
/** The operations the fake answered, in order. */
const operations = (): string[] => fake.requests.map((r) => r.operation);

describe("upgrade:retain-deployment on the first release's stack", () => {
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
    // The policies change, the AppConfig deployment is not replaced; the one resource CloudFormation
    // creates is the marker, which makes it a real update (a policy-only one is none: see the fake).
    expect(update?.effects).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'attributes-only' },
      { ...MARKER, kind: 'add' },
    ]);
    // It reads the template back once the update is complete, and trusts only that.
    expect(operations().slice(-2)).toEqual(['DescribeStacks', 'GetTemplate']);
    expect(fake.count('GetTemplate')).toBe(2);

    expect(world.stack.status).toBe('UPDATE_COMPLETE');
    expect(stdout).toContain(
      `${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set → Retain; UpdateReplacePolicy not set → Retain`,
    );
    expect(stdout).toContain(
      `${RETAIN_MARKER_ID}: added, an AWS::CloudFormation::WaitConditionHandle without properties`,
    );
    expect(stdout).toContain(`over the 51,200-byte TemplateBody limit: it goes to s3://${ASSETS_BUCKET}/${key}`);
    expect(stdout).toMatch(/UPDATE_IN_PROGRESS\n {2}UPDATE_COMPLETE_CLEANUP_IN_PROGRESS\n {2}UPDATE_COMPLETE\n/);
    expect(stdout).toContain(
      `Stack LlmModelRollout is UPDATE_COMPLETE, and its deployed template, read back, confirms it: ${LEGACY_DEPLOYMENT_ID} now has DeletionPolicy and UpdateReplacePolicy Retain.`,
    );
    expect(stdout).toContain(
      `Next: cdk deploy the new release; CloudFormation then drops the deployment from the stack and keeps it in AppConfig, so the live phase stays as it is (it also deletes ${RETAIN_MARKER_ID}, which the new release does not have).`,
    );
  });

  it('after it, the release that drops the deployment keeps it in AppConfig (and deletes the marker)', async () => {
    await start();
    expect((await upgrade()).code).toBe(0);
    expect(await deployNextRelease()).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'retain' },
      { ...MARKER, kind: 'delete' },
    ]);
  });

  it('(without it, that release would make CloudFormation delete the deployment)', async () => {
    await start();
    expect(await deployNextRelease()).toEqual([
      { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'delete' },
    ]);
  });
});

describe('upgrade:retain-deployment when there is little or nothing to do', () => {
  it('sends a template within 51,200 bytes as TemplateBody, without S3', async () => {
    const small = JSON.stringify({
      Resources: {
        Deployment: { Type: 'AWS::AppConfig::Deployment', Properties: { Description: 'x' } },
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
      },
    });
    await start({ templateBody: small, parameters: [], capabilities: [] });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(fake.count('PutObject')).toBe(0);
    expect(world.stack.updates[0]).toMatchObject({
      via: 'TemplateBody',
      templateBody: retainAppConfigDeployments(small).body,
      capabilities: ['CAPABILITY_IAM'],
      parametersSent: [],
    });
    expect(stdout).toContain('goes in the request (TemplateBody, at most 51,200 bytes)');
  });

  it('already retained: says so, exits 0, changes nothing', async () => {
    await start({ templateBody: retainAppConfigDeployments(legacyTemplateBody()).body });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(stdout).toContain(
      `(${LEGACY_DEPLOYMENT_ID}) already has DeletionPolicy and UpdateReplacePolicy Retain, and the stack has ${RETAIN_MARKER_ID} (the real change that came with them): already retained, nothing to do`,
    );
    expect(writes()).toBe(0);
  });

  it('policies already Retain without the marker (set by hand, or by a policy-only update): sends them again with the marker, a real update', async () => {
    const policiesOnly = JSON.parse(retainAppConfigDeployments(legacyTemplateBody()).body) as {
      Resources: Record<string, unknown>;
    };
    delete policiesOnly.Resources[RETAIN_MARKER_ID];
    await start({ templateBody: JSON.stringify(policiesOnly) });
    const { code, stdout } = await upgrade();
    expect(code).toBe(0);
    expect(world.stack.updates.map((u) => u.effects)).toEqual([[{ ...MARKER, kind: 'add' }]]);
    expect(stdout).toContain(
      `${LEGACY_DEPLOYMENT_ID}: DeletionPolicy and UpdateReplacePolicy already Retain (kept; sent again with a real change`,
    );
    expect(world.stack.templateBody).toBe(retainAppConfigDeployments(legacyTemplateBody()).body);
  });

  it('the marker already there but the policies not (taken out by hand): removes the marker so that the update is a real one, and a second run puts it back', async () => {
    const markerOnly = JSON.parse(legacyTemplateBody()) as { Resources: Record<string, unknown> };
    markerOnly.Resources[RETAIN_MARKER_ID] = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
    await start({ templateBody: JSON.stringify(markerOnly) });
    world.stack.nextUpdate = { polls: 0, result: 'complete' };
    const first = await upgrade();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${RETAIN_MARKER_ID}: removed (an earlier run added it)`);
    expect(world.stack.updates.map((u) => u.effects)).toEqual([
      [
        { logicalId: LEGACY_DEPLOYMENT_ID, type: 'AWS::AppConfig::Deployment', kind: 'attributes-only' },
        { ...MARKER, kind: 'delete' },
      ],
    ]);
    expect((await upgrade()).code).toBe(0);
    expect(world.stack.updates.map((u) => u.effects).at(-1)).toEqual([{ ...MARKER, kind: 'add' }]);
    expect((await upgrade()).stdout).toContain('already retained, nothing to do');
    expect(world.stack.updates).toHaveLength(2);
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
    expect(stdout).toContain(
      `Stack LlmModelRollout is UPDATE_COMPLETE. The update would change only this in the deployed template:\n  ${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set → Retain; UpdateReplacePolicy not set → Retain\n  ${RETAIN_MARKER_ID}: added`,
    );
    expect(stdout).toContain('Parameters keep their previous values (BootstrapVersion)');
    expect(stdout).toContain('Dry run: nothing was uploaded and the stack was not updated.');
    expect(writes()).toBe(0);
    expect(world.s3.keys(ASSETS_BUCKET)).toEqual([]);
  });
});

describe("upgrade:retain-deployment does not take CloudFormation's word for it", () => {
  it('"No updates are to be performed." and the template, read back, already has what the update sets: already retained, exit 0', async () => {
    // The deployed template gets what this update sets between reading it and updating. (In AWS
    // the LastUpdatedTime check would usually catch that first; the fake leaves the stamp as it
    // was, so that CloudFormation's own "No updates" answer reaches the tool.)
    await start({}, (request) => {
      if (request.operation === 'PutObject')
        world.stack.templateBody = retainAppConfigDeployments(legacyTemplateBody()).body;
    });
    const { code, stdout, stderr } = await upgrade();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.requests.find((r) => r.operation === 'UpdateStack')?.status).toBe(400);
    expect(world.stack.updates).toEqual([]);
    expect(operations().slice(-2)).toEqual(['UpdateStack', 'GetTemplate']);
    expect(stdout).toContain(
      'CloudFormation answered "No updates are to be performed.": the deployed template, read back, already has what this update sets.',
    );
    expect(stdout).toContain(
      `(${LEGACY_DEPLOYMENT_ID}) already has DeletionPolicy and UpdateReplacePolicy Retain, and the stack has ${RETAIN_MARKER_ID} (the real change that came with them): already retained`,
    );
  });

  it('"No updates are to be performed." while the template lacks the policies: not retained, do not cdk deploy, exit 1', async () => {
    await start();
    fake.fail('UpdateStack', validationError('No updates are to be performed.'));
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    const requestId = fake.requests.filter((r) => r.operation === 'UpdateStack').at(-1)?.requestId;
    expect(stderr).toContain(
      `upgrade:retain-deployment: CloudFormation answered the update of stack LlmModelRollout with "No updates are to be performed." (ValidationError, request id ${requestId}): it applied nothing, yet the deployed template, read back, lacks what the update sets (${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set, UpdateReplacePolicy not set; ${RETAIN_MARKER_ID}: not in the deployed template). The AppConfig deployments are not retained: do not cdk deploy the new release.`,
    );
    expect(stderr).not.toContain('will fail the same way');
    expect(stderr.split('\n')).toHaveLength(1);
    expect(fake.count('UpdateStack')).toBe(1);
    expect(operations().at(-1)).toBe('GetTemplate');
  });

  it('UPDATE_COMPLETE, but the template read back still lacks the policies: not retained, do not cdk deploy, exit 1', async () => {
    await start();
    world.stack.nextUpdate = { polls: 1, result: 'complete', keepsPreviousPolicies: true };
    const { code, stdout, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(world.stack.status).toBe('UPDATE_COMPLETE');
    expect(stdout).toContain('  UPDATE_COMPLETE');
    expect(stdout).not.toContain('Next: cdk deploy');
    expect(stderr).toBe(
      `upgrade:retain-deployment: Stack LlmModelRollout is UPDATE_COMPLETE, but its deployed template, read back from CloudFormation, does not retain every AWS::AppConfig::Deployment (${LEGACY_DEPLOYMENT_ID}: DeletionPolicy not set, UpdateReplacePolicy not set). The AppConfig deployments are not retained: do not cdk deploy the new release. Look at the stack's Template tab (CloudFormation console) and run this again; if it ends the same way, add DeletionPolicy: Retain and UpdateReplacePolicy: Retain to every AWS::AppConfig::Deployment by hand (CloudFormation console, "Update stack", "Edit template") in an update that also changes a resource — e.g. adds an AWS::CloudFormation::WaitConditionHandle without properties — since CloudFormation has taken an update of only these policies as no change; then check the Template tab.`,
    );
    // Deploying the next release now would delete the deployment: the failure above is what stops it.
    expect(await deployNextRelease()).toContainEqual({
      logicalId: LEGACY_DEPLOYMENT_ID,
      type: 'AWS::AppConfig::Deployment',
      kind: 'delete',
    });
  });

  it('AWS failing the read-back: says whether the deployments are retained is not known, do not cdk deploy', async () => {
    await start({}, (request) => {
      if (request.operation === 'UpdateStack') fake.fail('GetTemplate', INTERNAL_FAILURE);
    });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^upgrade:retain-deployment: Could not read back the deployed template of stack LlmModelRollout to check the deployments are retained: CloudFormation answered InternalFailure \(HTTP 500, request id [0-9a-f-]{36}\) after 2 attempts, a failure on the AWS side\. Whether the deployments are retained is not known yet: run this again in a few minutes \(it reads the stack and its template first and says so\)\. Do not cdk deploy until it says the deployments are retained\./,
    );
  });
});

describe('upgrade:retain-deployment refuses or fails plainly', () => {
  it('refuses a stack that is UPDATE_IN_PROGRESS, before reading its template', async () => {
    await start({ status: 'UPDATE_IN_PROGRESS' });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toBe(
      'upgrade:retain-deployment: Stack LlmModelRollout is UPDATE_IN_PROGRESS: another operation on it is still running, and until it ends the deployed template is not settled (a rollback would undo it). Wait for it to end (CloudFormation console, Events tab), then run this again. Nothing was changed.',
    );
    expect(fake.count('GetTemplate')).toBe(0);
    expect(writes()).toBe(0);
  });

  it('reports an update that rolls back as a failure: do not cdk deploy', async () => {
    await start();
    world.stack.nextUpdate = {
      polls: 1,
      result: 'rollback',
      reason: 'The following resource(s) failed to update: [FlagsCurrentPhaseDeployment26275208].',
    };
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toContain(
      'The update of stack LlmModelRollout failed: it is UPDATE_ROLLBACK_IN_PROGRESS (The following resource(s) failed to update: [FlagsCurrentPhaseDeployment26275208].)',
    );
    expect(stderr).toContain('still NOT retained: do not cdk deploy the new release');
    expect(world.stack.templateBody).toBe(legacyTemplateBody());
  });

  it('refuses to update a stack someone else deployed after its template was read', async () => {
    await start({}, (request) => {
      if (request.operation === 'GetTemplate') world.stack.lastUpdatedAt = new Date('2026-11-30T10:00:00Z');
    });
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    expect(stderr).toBe(
      'upgrade:retain-deployment: Stack LlmModelRollout changed while this ran (UPDATE_COMPLETE, last updated 2026-11-20T14:30:00.000Z → UPDATE_COMPLETE, last updated 2026-11-30T10:00:00.000Z): someone else is deploying it. Nothing was changed; run this again once that deployment has ended.',
    );
    expect(fake.count('UpdateStack')).toBe(0);
  });

  it('stops waiting after the timeout, saying the update goes on and when to cdk deploy', async () => {
    await start();
    world.stack.nextUpdate = { polls: 100, result: 'complete' };
    const stderr: string[] = [];
    const code = await runUpgradeRetainDeployment(['--stack', STACK_NAME], {
      print: () => undefined,
      printError: (l) => stderr.push(l),
      clients: fakeClients,
      sleep: async () => undefined,
      timeoutMs: 0,
    });
    expect(code).toBe(1);
    expect(stderr.join('\n')).toBe(
      'upgrade:retain-deployment: Stack LlmModelRollout is still UPDATE_IN_PROGRESS after 0 minutes; the update goes on without this command. Follow it in the CloudFormation console (Events tab) or with: aws cloudformation wait stack-update-complete --stack-name LlmModelRollout --region us-east-1. Only once it is UPDATE_COMPLETE, cdk deploy the new release (running this again then says the deployments are retained).',
    );
  });

  it('an unknown stack: check --stack and --region', async () => {
    await start();
    const stderr: string[] = [];
    const code = await runUpgradeRetainDeployment(['--stack', 'Nope'], {
      printError: (l) => stderr.push(l),
      print: () => undefined,
      clients: fakeClients,
    });
    expect(code).toBe(1);
    expect(stderr.join('\n')).toBe(
      "upgrade:retain-deployment: Could not read stack Nope: Stack with id Nope does not exist in us-east-1. Check --stack and --region, and that your credentials are for the stack's account. Nothing was changed.",
    );
  });

  it('a bucket of another account (--bucket): refused by ExpectedBucketOwner, the stack untouched', async () => {
    await start();
    world.s3.createBucket('someone-elses', '999999999999');
    const { code, stderr } = await upgrade('--bucket', 'someone-elses');
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^upgrade:retain-deployment: Could not upload the edited template to s3:\/\/someone-elses\/rollout-upgrade\/LlmModelRollout-\d{8}T\d{6}Z\.json: access denied, AccessDenied \(HTTP 403, request id [0-9a-f-]{36}\): Access Denied\. Your role needs s3:PutObject on arn:aws:s3:::someone-elses\/rollout-upgrade\/\*, in a bucket the stack's account owns\./,
    );
    expect(fake.count('UpdateStack')).toBe(0);
  });

  it('AWS failing UpdateStack: one paragraph with the request id, and whether to run it again', async () => {
    await start();
    fake.fail('UpdateStack', INTERNAL_FAILURE);
    const { code, stderr } = await upgrade();
    expect(code).toBe(1);
    const requestId = fake.requests.filter((r) => r.operation === 'UpdateStack').at(-1)?.requestId;
    expect(stderr).toBe(
      `upgrade:retain-deployment: Could not update stack LlmModelRollout: CloudFormation answered InternalFailure (HTTP 500, request id ${requestId}) after 2 attempts, a failure on the AWS side. The update may have started anyway: run this again in a few minutes — it reads the stack first and says whether the update is running, done, or still needed. Do not cdk deploy until it says the deployments are retained. If it keeps failing, check the AWS Health Dashboard and quote the request id to AWS Support.`,
    );
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
