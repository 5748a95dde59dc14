import Anthropic from '@anthropic-ai/sdk';
import { VendorClients } from '../../../lib/gateway/vendor-clients';

function clients(keys: Array<string | Error>): { clients: VendorClients; reads: () => number } {
  let reads = 0;
  const readKey = jest.fn(async () => {
    const next = keys[Math.min(reads, keys.length - 1)];
    reads += 1;
    if (next instanceof Error) throw next;
    return next as string;
  });
  return {
    clients: new VendorClients(readKey, (apiKey) => new Anthropic({ apiKey, maxRetries: 0 })),
    reads: () => reads,
  };
}

describe('VendorClients', () => {
  it('reads the key on first use only, and keeps the client', async () => {
    const { clients: c, reads } = clients(['k1']);
    expect(reads()).toBe(0);
    const a = await c.get();
    expect(await c.get()).toBe(a);
    expect(a.apiKey).toBe('k1');
    expect(reads()).toBe(1);
  });

  it('refresh(stale) reads the key again and replaces the client', async () => {
    const { clients: c, reads } = clients(['k1', 'k2']);
    const stale = await c.get();
    const fresh = await c.refresh(stale);
    expect(fresh).not.toBe(stale);
    expect(fresh.apiKey).toBe('k2');
    expect(await c.get()).toBe(fresh);
    expect(reads()).toBe(2);
  });

  it('refreshing a client that was already replaced, or is being replaced, reads nothing more', async () => {
    const { clients: c, reads } = clients(['k1', 'k2', 'k3']);
    const stale = await c.get();
    const [x, y] = await Promise.all([c.refresh(stale), c.refresh(stale)]);
    expect(x).toBe(y);
    expect(await c.refresh(stale)).toBe(x);
    expect(reads()).toBe(2);
  });

  it('a failed read is not kept: the next get reads again', async () => {
    const { clients: c, reads } = clients(['k1', new Error('throttled'), 'k3']);
    const stale = await c.get();
    await expect(c.refresh(stale)).rejects.toThrow('throttled');
    expect((await c.get()).apiKey).toBe('k3');
    expect(reads()).toBe(3);
  });
});
