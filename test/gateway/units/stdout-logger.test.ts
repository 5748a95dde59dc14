import { StdoutJsonLogger } from '../../../lib/gateway/stdout-logger';

describe('StdoutJsonLogger', () => {
  it('writes every level as one JSON line in the Powertools shape, extras merged', () => {
    const lines: string[] = [];
    const logger = new StdoutJsonLogger('model-gateway', (l) => lines.push(l));
    logger.info('request', { status: 200 }, { variant: 'new' });
    logger.warn('flag unavailable', { error: 'down' });
    logger.error('gateway failure', { error: 'boom' });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p.level, p.message, p.service])).toEqual([
      ['INFO', 'request', 'model-gateway'],
      ['WARN', 'flag unavailable', 'model-gateway'],
      ['ERROR', 'gateway failure', 'model-gateway'],
    ]);
    expect(parsed[0]).toMatchObject({ status: 200, variant: 'new' });
    expect(parsed[0]!.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('writes to stdout by default, never stderr', () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      new StdoutJsonLogger('s').warn('w');
      expect(out).toHaveBeenCalledTimes(1);
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
