import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { alarmCatalog } from '../lib/domain/alarm-catalog';
import { ALARM_NAMES } from '../lib/domain/alarm-names';
import { shippedConfig } from './fixtures/config';

const runbook = readFileSync(path.join(__dirname, '../RUNBOOK.md'), 'utf8');

describe('RUNBOOK.md', () => {
  it('has a section for every runbook anchor an alarm description points at (the alarm catalog)', () => {
    const catalog = alarmCatalog(shippedConfig());
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(ALARM_NAMES).sort());
    for (const [key, docs] of Object.entries(catalog))
      expect([key, runbook]).toEqual([key, expect.stringMatching(new RegExp(`^### ${docs.runbookSection}$`, 'm'))]);
  });

  it('has no alarm section that no alarm points at', () => {
    const sections = new Set(Object.values(alarmCatalog(shippedConfig())).map((d) => d.runbookSection));
    const alarmPart = runbook.slice(runbook.indexOf('## Alarms'));
    for (const [, heading] of alarmPart.matchAll(/^### ([a-z0-9-]+)$/gm))
      expect([heading, sections.has(heading!)]).toEqual([heading, true]);
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
