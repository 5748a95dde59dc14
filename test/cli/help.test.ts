import { main } from '../../lib/cli/main';

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

describe('rollout --help', () => {
  it('lists every command with what it does', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    for (const command of ['status', 'advance', 'rollback', 'smoke', 'preflight', 'serve']) {
      expect(out).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));
    }
    expect(out).toContain('Run rollout <command> --help');
  });

  it('exits 2 with the usage when no command is given', async () => {
    const { code, out } = await run();
    expect(code).toBe(2);
    expect(out).toMatch(/^Usage: rollout <command>/);
  });

  it.each([
    ['status', /watch\s+window/],
    ['advance', /--to PHASE[\s\S]*--wait[\s\S]*--yes[\s\S]*--dry-run[\s\S]*exit code 4/],
    ['rollback', /kill switch|"off"[\s\S]*poll interval/],
    ['smoke', /--url URL[\s\S]*default path[\s\S]*new model path[\s\S]*streaming[\s\S]*bad request/],
    ['preflight', /retired[\s\S]*ANTHROPIC_API_KEY/],
    ['serve', /--port PORT[\s\S]*--flags FILE/],
  ])('%s --help explains the command', async (command, pattern) => {
    const { code, out } = await run(command, '--help');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: rollout ${command}`));
    expect(out).toMatch(pattern);
    expect(out).toContain('--config FILE');
  });

  it('refuses unknown commands and options with exit code 2 and the usage', async () => {
    const unknown = await run('deploy');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown command 'deploy'");
    const badOption = await run('status', '--colour');
    expect(badOption.code).toBe(2);
    expect(badOption.err).toMatch(/Unknown option '--colour'[\s\S]*Usage: rollout status/);
    const noUrl = await run('smoke');
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain('--url URL is required');
  });
});
