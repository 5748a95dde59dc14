import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { retainAppConfigDeployments } from '../../lib/ops/retain-template';
import { startFakeStackEndpoint, type FakeStackEndpoint } from '../helpers/fake-aws/fake-stack-endpoint';
import {
  ASSETS_BUCKET,
  legacyStackWorld,
  legacyTemplateBody,
  REGION,
  STACK_NAME,
  type LegacyStackWorld,
} from '../helpers/fake-aws/legacy-stack';

/**
 * `npm run upgrade:retain-deployment` as on-call runs it, against the fake through the SDK's own
 * endpoint variables (AWS_ENDPOINT_URL_CLOUDFORMATION, AWS_ENDPOINT_URL_S3). Only PATH is
 * inherited, so no developer credentials, profile or region leak in.
 */
const ROOT = path.join(__dirname, '../..');

function runScript(
  args: readonly string[],
  endpoint: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = mkdtempSync(path.join(tmpdir(), 'upgrade-home-'));
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'upgrade:retain-deployment', '--', ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
          AWS_ENDPOINT_URL_S3: endpoint,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_CONFIG_FILE: path.join(home, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
      (err, stdout, stderr) => {
        rmSync(home, { recursive: true, force: true });
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let world: LegacyStackWorld;
let fake: FakeStackEndpoint;
afterEach(async () => {
  await fake.close();
});

it("upgrades the first release's stack through S3 and ends on UPDATE_COMPLETE", async () => {
  world = legacyStackWorld();
  world.stack.nextUpdate = { polls: 0, result: 'complete' };
  fake = await startFakeStackEndpoint(world);
  const { code, stdout } = await runScript(['--stack', STACK_NAME, '--region', REGION], fake.url);
  expect(stdout).toContain(
    'Stack LlmModelRollout is UPDATE_COMPLETE, and its deployed template, read back, confirms it: FlagsCurrentPhaseDeployment26275208 now has DeletionPolicy and UpdateReplacePolicy Retain.',
  );
  expect(code).toBe(0);
  const [key] = world.s3.keys(ASSETS_BUCKET);
  expect(world.s3.object(ASSETS_BUCKET, key ?? '')?.body.toString('utf8')).toBe(
    retainAppConfigDeployments(legacyTemplateBody()).body,
  );
  expect(world.stack.updates.map((u) => u.via)).toEqual(['TemplateURL']);
  expect(world.stack.templateBody).toContain(
    '"RolloutUpgradeRetainMarker":{"Type":"AWS::CloudFormation::WaitConditionHandle"}',
  );
});

it('refuses a stack in UPDATE_IN_PROGRESS with exit code 1 and one line on stderr', async () => {
  world = legacyStackWorld({ status: 'UPDATE_IN_PROGRESS' });
  fake = await startFakeStackEndpoint(world);
  const { code, stderr } = await runScript(['--stack', STACK_NAME, '--region', REGION], fake.url);
  expect(code).toBe(1);
  expect(stderr).toMatch(
    /^upgrade:retain-deployment: Stack LlmModelRollout is UPDATE_IN_PROGRESS: .* Nothing was changed\.$/m,
  );
  expect(fake.count('UpdateStack') + fake.count('PutObject')).toBe(0);
});
