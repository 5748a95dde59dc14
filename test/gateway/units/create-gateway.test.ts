import Anthropic from '@anthropic-ai/sdk';
import { once, vendorTelemetry } from '../../../lib/gateway/create-gateway';

describe('vendorTelemetry: the SDK client’s OpenTelemetry spans', () => {
  const spans = (env: Record<string, string | undefined> | undefined): boolean =>
    new Anthropic({ apiKey: 'k', openTelemetry: vendorTelemetry(env) }).openTelemetry.traces.enabled;

  it('are off without ANTHROPIC_OPEN_TELEMETRY (the SDK would turn them on)', () => {
    expect(vendorTelemetry(undefined)).toBe(false);
    expect(spans({})).toBe(false);
    expect(new Anthropic({ apiKey: 'k' }).openTelemetry.traces.enabled).toBe(true);
  });

  it('follow the SDK’s own variables once ANTHROPIC_OPEN_TELEMETRY is set', () => {
    expect(vendorTelemetry({ ANTHROPIC_OPEN_TELEMETRY: 'true' })).toBeUndefined();
    const before = process.env.ANTHROPIC_OPEN_TELEMETRY;
    try {
      process.env.ANTHROPIC_OPEN_TELEMETRY = 'true';
      expect(spans(process.env)).toBe(true);
      process.env.ANTHROPIC_OPEN_TELEMETRY = 'false';
      expect(spans(process.env)).toBe(false);
    } finally {
      if (before === undefined) delete process.env.ANTHROPIC_OPEN_TELEMETRY;
      else process.env.ANTHROPIC_OPEN_TELEMETRY = before;
    }
  });
});

describe('once', () => {
  it('does not call the factory until first use', () => {
    const make = jest.fn(() => Promise.resolve(1));
    once(make);
    expect(make).not.toHaveBeenCalled();
  });

  it('memoizes a success: the factory runs once, every caller gets the same value', async () => {
    const value = { client: 'A' };
    const make = jest.fn(() => Promise.resolve(value));
    const get = once(make);
    await expect(get()).resolves.toBe(value);
    await expect(get()).resolves.toBe(value);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('shares one pending call between concurrent callers', async () => {
    let resolve: (v: string) => void = () => undefined;
    const make = jest.fn(() => new Promise<string>((r) => (resolve = r)));
    const get = once(make);
    const a = get();
    const b = get();
    expect(make).toHaveBeenCalledTimes(1);
    resolve('key');
    await expect(Promise.all([a, b])).resolves.toEqual(['key', 'key']);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('retries after a failure, then memoizes the success', async () => {
    const make = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('Secrets Manager throttled'))
      .mockRejectedValueOnce(new Error('still throttled'))
      .mockResolvedValueOnce('secret')
      .mockResolvedValueOnce('a different secret');
    const get = once(make);
    await expect(get()).rejects.toThrow('Secrets Manager throttled');
    await expect(get()).rejects.toThrow('still throttled');
    await expect(get()).resolves.toBe('secret');
    await expect(get()).resolves.toBe('secret');
    expect(make).toHaveBeenCalledTimes(3);
  });

  it('concurrent callers of a failing call all see that failure; the next call retries', async () => {
    let reject: (e: Error) => void = () => undefined;
    const make = jest
      .fn<Promise<string>, []>()
      .mockImplementationOnce(() => new Promise<string>((_r, rj) => (reject = rj)))
      .mockResolvedValueOnce('ok');
    const get = once(make);
    const a = get();
    const b = get();
    reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
    await expect(get()).resolves.toBe('ok');
    expect(make).toHaveBeenCalledTimes(2);
  });
});
