import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SHIPPED_CONFIG_FILE } from '../fixtures/config';

/**
 * DESIGN §6: the CLI honours the SDK's standard endpoint variables, so it can be driven
 * against a local fake. One fake speaks both AppConfig (REST JSON) and CloudWatch (JSON 1.0).
 */
interface Seen { method: string; url: string; target?: string; body: string }

function fakeAws(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const labels = ['off', 'smoke', 'canary', 'phase-2', 'phase-3', 'full'];
  const iso = (hoursAgo: number): string => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const target = req.headers['x-amz-target'] as string | undefined;
      seen.push({ method: req.method ?? '', url: req.url ?? '', target, body });
      const json = (status: number, value: unknown, type = 'application/json'): void => {
        res.writeHead(status, { 'content-type': type });
        res.end(JSON.stringify(value));
      };
      if (target?.endsWith('.DescribeAlarms')) return json(200, { CompositeAlarms: [{ AlarmName: 'LlmModelRollout/rollback', StateValue: 'OK', ActionsEnabled: true }], MetricAlarms: [] }, 'application/x-amz-json-1.0');
      if (target?.endsWith('.DescribeAlarmHistory')) return json(200, { AlarmHistoryItems: [] }, 'application/x-amz-json-1.0');
      const url = (req.url ?? '').split('?')[0];
      if (url === '/applications') return json(200, { Items: [{ Id: 'app1', Name: 'llm-model-rollout' }] });
      if (url === '/applications/app1/environments') return json(200, { Items: [{ Id: 'env1', Name: 'production' }] });
      if (url === '/applications/app1/configurationprofiles') return json(200, { Items: [{ Id: 'prof1', Name: 'model-flags' }] });
      if (url === '/applications/app1/configurationprofiles/prof1/hostedconfigurationversions') {
        return json(200, { Items: labels.map((l, i) => ({ VersionNumber: i + 1, VersionLabel: l, ApplicationId: 'app1', ConfigurationProfileId: 'prof1' })) });
      }
      if (url === '/deploymentstrategies') return json(200, { Items: labels.map((l) => ({ Id: `s-${l}`, Name: `llm-model-rollout-${l}` })) });
      if (url === '/applications/app1/environments/env1/deployments' && req.method === 'GET') {
        return json(200, { Items: [{ DeploymentNumber: 2, ConfigurationProfileId: 'prof1', ConfigurationVersion: '3', State: 'COMPLETE', StartedAt: iso(31), CompletedAt: iso(30) }] });
      }
      if (url === '/applications/app1/environments/env1/deployments' && req.method === 'POST') {
        return json(201, { DeploymentNumber: 3, ConfigurationVersion: '4', State: 'DEPLOYING', ApplicationId: 'app1', EnvironmentId: 'env1' });
      }
      json(404, { Message: `no fake for ${req.method} ${req.url}` });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })));
}

function rollout(args: string[], endpoint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(__dirname, '../../bin/rollout.cjs'), ...args, '--config', SHIPPED_CONFIG_FILE], {
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_APPCONFIG: endpoint,
        AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('rollout against a local fake through AWS_ENDPOINT_URL_*', () => {
  let fake: Awaited<ReturnType<typeof fakeAws>>;
  beforeAll(async () => { fake = await fakeAws(); });
  afterAll(async () => { await new Promise<void>((resolve) => fake.server.close(() => resolve())); });

  it('status reads AppConfig and CloudWatch from the fake', async () => {
    const { code, stdout } = await rollout(['status'], fake.url);
    expect(code).toBe(0);
    expect(stdout).toContain('Live phase: canary — 1% of users');
    expect(stdout).toMatch(/OK\s+LlmModelRollout\/rollback/);
    expect(fake.seen.some((s) => s.target?.endsWith('.DescribeAlarms'))).toBe(true);
  });

  it('advance --yes starts the next phase\'s deployment on the fake', async () => {
    const { code, stdout } = await rollout(['advance', '--yes'], fake.url);
    expect(code).toBe(0);
    expect(stdout).toContain('Started deployment #3 (version 4, phase-2)');
    const start = fake.seen.find((s) => s.method === 'POST' && s.url.startsWith('/applications/app1/environments/env1/deployments'));
    expect(JSON.parse(start!.body)).toEqual({
      ConfigurationProfileId: 'prof1', ConfigurationVersion: '4', DeploymentStrategyId: 's-phase-2', Description: 'rollout advance: canary → phase-2',
    });
  });
});
