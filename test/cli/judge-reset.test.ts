import { EXIT } from '../../lib/cli/exit-codes';
import { NO_WINDOW_RESET, parseWindowReset } from '../../lib/domain/judge/window-reset';
import { windowResetParameterName } from '../../lib/domain/judge/window-reset-parameter';
import { shippedConfig } from '../fixtures/config';
import { cliOnFake, NOW, type CliOnFake } from './cli-on-fake';

/**
 * `rollout judge-reset`: a false fail is cleared by restarting the judge's window, through the
 * SSM parameter the stack created (fake Parameter Store: PutParameter with Overwrite bumps the
 * version; without a Type it never creates a parameter).
 */
const PARAMETER = windowResetParameterName(shippedConfig());
let cli: CliOnFake;
beforeEach(async () => {
  cli = await cliOnFake(() => undefined);
});
afterEach(async () => {
  await cli.close();
});

describe('rollout judge-reset', () => {
  it('records the reset (time, reason, who) as a new version of the parameter, and says what happens next', async () => {
    const { code, out } = await cli.run([
      'judge-reset',
      '--reason',
      'vendor incident on the default model',
      '--by',
      'alice',
    ]);
    expect(code).toBe(EXIT.ok);
    const stored = cli.ssm.valueOf(PARAMETER);
    expect(parseWindowReset(PARAMETER, stored ?? '')).toEqual({
      resetAt: NOW,
      reason: 'vendor incident on the default model',
      by: 'alice',
    });
    expect(cli.ssm.versionOf(PARAMETER)).toBe(2);
    expect(out).toContain(`Judge window reset at ${NOW.toISOString()} by alice: vendor incident on the default model`);
    expect(out).toContain('(every 5 min)');
    expect(out).toContain('a judge alarm clears once two of its periods hold no fail (about 10 min)');
    expect(out).toContain(`aws ssm get-parameter-history --name ${PARAMETER}`);
  });

  it('refuses without a reason (exit 2) and writes nothing', async () => {
    const { code, err } = await cli.run(['judge-reset']);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain('judge-reset needs --reason TEXT');
    expect(cli.ssm.valueOf(PARAMETER)).toBe(NO_WINDOW_RESET);
    expect(cli.fake.requests.filter((r) => r.service === 'ssm')).toHaveLength(0);
  });

  it('writes nothing when the operator answers no', async () => {
    const { code, out } = await cli.run(['judge-reset', '--reason', 'x'], async () => false);
    expect(code).toBe(EXIT.notConfirmed);
    expect(out).toContain('Not confirmed: nothing done.');
    expect(cli.ssm.versionOf(PARAMETER)).toBe(1);
  });

  it('takes who from ROLLOUT_OPERATOR or USER when --by is not given', async () => {
    await cli.run(['judge-reset', '--reason', 'r']);
    // cliOnFake runs with an empty environment: nobody to name.
    expect(parseWindowReset(PARAMETER, cli.ssm.valueOf(PARAMETER) ?? '')?.by).toBe('unknown');
  });
});

describe('rollout judge-reset before the stack made the parameter', () => {
  it('says SSM refused (it never creates a parameter outside the stack), exit 1', async () => {
    const empty = await cliOnFake(() => undefined, {}, 5_000, false);
    try {
      const { code, err } = await empty.run(['judge-reset', '--reason', 'r']);
      expect(code).toBe(EXIT.failed);
      expect(err).toMatch(new RegExp(`SSM refused to record the judge window reset in ${PARAMETER}: `));
      expect(empty.ssm.valueOf(PARAMETER)).toBeUndefined();
    } finally {
      await empty.close();
    }
  });
});

describe('rollout judge-reset with a reason too long for SSM', () => {
  it('counts bytes, not characters (SSM holds 4 KB), and writes nothing', async () => {
    const { code, err } = await cli.run(['judge-reset', '--reason', '🙂'.repeat(1_100)]);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/--reason and --by make a record of \d{4} bytes; SSM holds 4096: shorten the reason\./);
    expect(cli.ssm.versionOf(PARAMETER)).toBe(1);
  });
});
