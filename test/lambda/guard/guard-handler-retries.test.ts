import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The handler's real AppConfig client (no aws-sdk-client-mock) against a local fake endpoint
 * (AWS_ENDPOINT_URL_APPCONFIG): shows how many attempts the SDK makes before the handler fails.
 */

interface AlarmStateChange {
  alarmName: string;
  state: { value: string };
}
type AlarmEvent = EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>;
type Handler = (
  event: AlarmEvent,
  context: { getRemainingTimeInMillis: () => number },
) => Promise<{ step: string; summary: string }>;
const CONTEXT = { getRemainingTimeInMillis: () => 300_000 };

const ALARM = 'LlmModelRollout/rollback';
const LIST = 'GET /applications/app123/environments/env456/deployments?max_results=50';
const event: AlarmEvent = {
  version: '0',
  id: 'e-1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { alarmName: ALARM, state: { value: 'ALARM' } },
};

const sns = mockClient(SNSClient);
const savedEnv = { ...process.env };
let server: Server;
let requests: string[] = [];
/** How many of the next requests fail with a 500 before the fake answers normally. */
let failuresLeft = 0;
let handler: Handler;

function answer(req: IncomingMessage, res: ServerResponse): void {
  requests.push(`${req.method} ${req.url}`);
  req.resume();
  if (failuresLeft > 0) {
    failuresLeft--;
    res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' });
    res.end(JSON.stringify({ Message: 'internal error' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ Items: [] }));
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    APPLICATION_ID: 'app123',
    ENVIRONMENT_ID: 'env456',
    PROFILE_ID: 'prof789',
    OFF_VERSION: '1',
    KILL_SWITCH_STRATEGY_ID: 'strat-off',
    ROLLBACK_ALARM_NAME: ALARM,
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:page',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_APPCONFIG: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${port}`,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_RETRY_MODE;
  delete process.env.AWS_MAX_ATTEMPTS;
  ({ handler } = await import('../../../lambda/guard/handler'));
});

beforeEach(() => {
  requests = [];
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

afterAll(async () => {
  sns.restore();
  process.env = savedEnv;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Keeps the handler's error log line out of the test output. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true),
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    return await run();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

describe('guard handler: AppConfig client retries', () => {
  it('makes 6 attempts in all (maxAttempts: 6) before the invocation fails', async () => {
    failuresLeft = 100;
    await expect(quietly(() => handler(event, CONTEXT))).rejects.toMatchObject({ name: 'InternalServerException' });
    // Six attempts at the plan's read; then six more at the failure path's read, which checks
    // whether the alarm's actions may be restored (AppConfig is still down: they are left alone).
    expect(requests).toHaveLength(12);
    expect(new Set(requests)).toEqual(new Set([LIST]));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('rides out a brief outage: two failures, then the guard acts and reports', async () => {
    failuresLeft = 2;
    const result = await quietly(() => handler(event, CONTEXT));
    expect(result.step).toBe('none');
    // Three attempts at the plan's read, then the run's restore of the alarm's actions: read,
    // EnableAlarmActions (CloudWatch, POST /), read again.
    expect(requests).toEqual([LIST, LIST, LIST, LIST, 'POST /', LIST]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});
