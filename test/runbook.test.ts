import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { shippedConfig } from './fixtures/config';

const runbook = readFileSync(path.join(__dirname, '../RUNBOOK.md'), 'utf8');
const alarmSource = ['rollout-alarms.ts', 'spend-guard.ts']
  .map((f) => readFileSync(path.join(__dirname, '../lib/constructs', f), 'utf8'))
  .join('\n');

describe('RUNBOOK.md', () => {
  it('has a section for every runbook anchor an alarm description points at', () => {
    const anchors = [...alarmSource.matchAll(/runbookSection: '([a-z0-9-]+)'/g)].map((m) => m[1]);
    expect(anchors.length).toBeGreaterThanOrEqual(10);
    for (const anchor of anchors) expect(runbook).toMatch(new RegExp(`^### ${anchor}$`, 'm'));
  });

  it('names every contact of the shipped config', () => {
    const { owner, vendor, escalation } = shippedConfig().contacts;
    for (const c of [owner, vendor, ...escalation]) {
      expect(runbook).toContain(c.name);
      if (c.email) expect(runbook).toContain(c.email);
      if (c.url) expect(runbook).toContain(c.url);
    }
  });

  it('names the labelled versions and strategies an operator picks in the console', () => {
    const config = shippedConfig();
    expect(runbook).toContain(`\`${config.appConfig.applicationName}-off\``);
    expect(runbook).toContain('version labelled **`off`**');
    expect(runbook).toContain(`\`${config.appConfig.applicationName}-phase-2\``);
    expect(runbook).toContain(`poll interval`);
    expect(runbook).toContain(`within ${config.appConfig.agentPollIntervalSeconds} s`);
  });
});
