import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { explainAwsError } from '../../lib/cli/aws-errors';
import { AwsServiceFailure } from '../../lib/cli/aws-service-failure';
import { CLOUDWATCH_INTERNAL_FAILURE } from '../helpers/fake-aws/error-replies';
import { startFakeAws, type FakeAws } from '../helpers/fake-aws/fake-aws-server';
import { shippedRollout } from '../helpers/fake-aws/shipped-rollout';

/** Which failures become an on-call paragraph, and which stay errors with a stack (bugs). */
let fake: FakeAws;
let cloudwatch: CloudWatchClient;
beforeAll(async () => {
  fake = await startFakeAws(shippedRollout(new Date()));
  cloudwatch = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  cloudwatch.destroy();
  await fake.close();
});

const sdkError = (input: DescribeAlarmsCommandInput): Promise<unknown> =>
  cloudwatch.send(new DescribeAlarmsCommand(input)).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );

describe('explainAwsError', () => {
  it('returns a non-AWS error unchanged, so a bug keeps its stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'State')");
    expect(explainAwsError(bug, 'list the flag deployments', 'us-east-1', 'read')).toBe(bug);
  });

  it('does not take an error that never reached AWS for an AWS answer, though the SDK put $metadata on it', () => {
    const dropped = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: { attempts: 5 } });
    expect(explainAwsError(dropped, 'read the rollout alarms', 'us-east-1', 'read')).toBe(dropped);
  });

  it('names an AWS server failure with the request id, and keeps the SDK error as its cause', async () => {
    fake.fail('DescribeAlarms', CLOUDWATCH_INTERNAL_FAILURE, 1);
    const err = await sdkError({});
    const explained = explainAwsError(err, 'read the rollout alarms', 'us-east-1', 'read');
    expect(explained).toBeInstanceOf(AwsServiceFailure);
    expect((explained as AwsServiceFailure).cause).toBe(err);
    expect((explained as AwsServiceFailure).message).toBe(
      `Could not read the rollout alarms: CloudWatch answered InternalFailure (HTTP 500, request id ${fake.requests.at(-1)?.requestId}), a failure on the AWS side. ` +
        'This only reads, so nothing was changed and it is safe to run it again in a few minutes. If it keeps failing, check the AWS Health Dashboard and quote the request id to AWS Support.',
    );
  });

  it('names an AWS refusal no rule covers, without calling it safe to run again', async () => {
    // CloudWatch API Reference, DescribeAlarms: AlarmNamePrefix — "If this parameter is specified, you cannot specify AlarmNames."
    const err = await sdkError({ AlarmNames: ['LlmModelRollout/rollback'], AlarmNamePrefix: 'LlmModelRollout/' });
    const explained = explainAwsError(err, 'read the rollout alarms', 'us-east-1', 'read');
    expect(explained).toBeInstanceOf(AwsServiceFailure);
    expect((explained as AwsServiceFailure).message).toMatch(
      /^Could not read the rollout alarms: CloudWatch refused it with InvalidParameterCombination(Exception)? \(HTTP 400, request id [0-9a-f-]{36}\)/,
    );
    expect((explained as AwsServiceFailure).message).toContain('running it again unchanged will fail the same way');
  });
});
