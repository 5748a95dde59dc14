import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../lib/cli/main';
import { planReport, trafficOf } from '../../lib/cli/plan';
import { CliError } from '../../lib/cli/cli-error';
import { planPhase } from '../../lib/domain/judge/detection-plan';
import { judgeSettingsFrom } from '../../lib/domain/judge/judge-settings';
import { SHIPPED_CONFIG_FILE, configWith, shippedConfig, validConfigInput } from '../fixtures/config';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => {
    errors.push(line);
  });
  try {
    const code = await main(argv, { print: (l) => lines.push(l), env: {} });
    return { code, out: lines.join('\n'), err: errors.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

// One computation of the shipped plan for the whole file: it is the slowest part.
const shipped = planReport(shippedConfig(), trafficOf(shippedConfig(), undefined));

describe('rollout plan, shipped config (200,000 requests a day)', () => {
  it('prints exactly {traffic, phases} with the documented keys as --json', async () => {
    const { code, out } = await run('plan', '--json', '--config', SHIPPED_CONFIG_FILE);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as typeof shipped;
    expect(Object.keys(parsed)).toEqual(['traffic', 'phases']);
    expect(parsed.traffic).toEqual({ requestsPerDay: 200_000, source: 'spend.traffic.requestsPerDay' });
    expect(parsed.phases.map((p) => p.phase)).toEqual(['smoke', 'canary', 'phase-2', 'phase-3', 'full']);
    for (const p of parsed.phases) {
      expect(Object.keys(p)).toEqual([
        'phase',
        'newModelCallsPerHour',
        'minDetectableErrorRisePoints',
        'latencyShiftDetectable',
        'deadModelDetectMinutes',
        'falseRollbacksPerPhase',
        'hoursNeeded',
      ]);
      expect(Object.keys(p.falseRollbacksPerPhase).sort()).toEqual(['0.5', '1', '2']);
    }
    expect(parsed).toEqual(JSON.parse(JSON.stringify(shipped)));
  });

  it('gives each phase’s new-model calls per hour from the traffic and the phase’s share (full: 99%, 1% held back)', () => {
    expect(shipped.phases.map((p) => p.newModelCallsPerHour)).toEqual([8.3, 83.3, 416.7, 2083.3, 8250]);
  });

  it('catches 1% → 3% errors within the minimum watch window from canary on, not at smoke', () => {
    const [smoke, ...rest] = shipped.phases;
    for (const p of rest) {
      expect(p.minDetectableErrorRisePoints).not.toBeNull();
      expect(p.minDetectableErrorRisePoints!).toBeLessThanOrEqual(2);
      expect(p.hoursNeeded).toBeNull();
    }
    // Eight calls an hour for four hours: only large rises, and days of watching for 1% → 3%.
    expect(smoke!.minDetectableErrorRisePoints!).toBeGreaterThan(10);
    expect(smoke!.hoursNeeded!).toBeGreaterThan(100);
    expect(smoke!.latencyShiftDetectable).toBe(false);
    expect(rest.every((p) => p.latencyShiftDetectable)).toBe(true);
  });

  it('detects a dead model within the hour even at smoke, and within minutes from 5% on', () => {
    const minutes = shipped.phases.map((p) => p.deadModelDetectMinutes!);
    expect(minutes[0]!).toBeGreaterThan(60);
    expect(minutes[0]!).toBeLessThan(90);
    expect(minutes.slice(2).every((m) => m < 15)).toBe(true);
    expect([...minutes].sort((a, b) => b - a)).toEqual(minutes);
  });

  it('bounds false rollbacks far below 1% at every vendor-wide error rate, rising with it', () => {
    for (const p of shipped.phases) {
      const f = p.falseRollbacksPerPhase;
      expect(Math.max(f['0.5'], f['1'], f['2'])).toBeLessThan(1);
      expect(f['0.5']).toBeLessThanOrEqual(f['1']);
      expect(f['1']).toBeLessThanOrEqual(f['2']);
    }
  });

  it('follows the judge section: a 1-point error margin cannot catch 1% → 3% within the canary’s day', () => {
    const wide = configWith((c) => {
      c.judge.errorRate.marginPoints = 1;
    });
    const canary = planPhase(wide.rollout.phases[1]!, 200_000, judgeSettingsFrom(wide.judge));
    expect(canary.minDetectableErrorRisePoints!).toBeGreaterThan(2);
    expect(canary.hoursNeeded!).toBeGreaterThan(24);
  });

  it('prints a table with a row per phase', async () => {
    const { code, out } = await run('plan', '--config', SHIPPED_CONFIG_FILE);
    expect(code).toBe(0);
    expect(out).toContain('Detection plan at 200,000 requests/day (spend.traffic.requestsPerDay)');
    for (const p of shipped.phases)
      expect(out).toMatch(new RegExp(`^\\| ${p.phase} \\| .* \\| ${p.newModelCallsPerHour} \\|`, 'm'));
    expect(out).toContain('docs/DETECTION.md');
  });
});

describe('rollout plan traffic', () => {
  it('takes --traffic N instead of the estimate, and says so', async () => {
    const { code, out } = await run('plan', '--json', '--traffic', '20000', '--config', SHIPPED_CONFIG_FILE);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as typeof shipped;
    expect(parsed.traffic).toEqual({ requestsPerDay: 20_000, source: '--traffic' });
    expect(parsed.phases[1]!.newModelCallsPerHour).toBe(8.3);
  });

  it('without a traffic estimate says so and asks for --traffic (exit code 2)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    const file = path.join(dir, 'rollout.config.json');
    const input = validConfigInput();
    delete input.spend.traffic;
    input.spend.expectedDailyVendorUsd = 900;
    fs.writeFileSync(file, JSON.stringify(input));
    try {
      const missing = await run('plan', '--config', file);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/no traffic estimate \(spend\.traffic\.requestsPerDay\).*pass --traffic N/);
      const given = await run('plan', '--json', '--traffic', '200000', '--config', file);
      expect(given.code).toBe(0);
      expect(JSON.parse(given.out).traffic).toEqual({ requestsPerDay: 200_000, source: '--traffic' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['0', '-5', '1e5', 'lots', '2.5'])('refuses --traffic %s', (value) => {
    expect(() => trafficOf(shippedConfig(), value)).toThrow(CliError);
    expect(() => trafficOf(shippedConfig(), value)).toThrow(/--traffic must be a whole number/);
  });

  it('is listed in rollout --help and explains itself', async () => {
    expect((await run('--help')).out).toMatch(/^ {2}plan\s+\S/m);
    const help = await run('plan', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: rollout plan \[--traffic N\] \[--json\]/);
  });
});
