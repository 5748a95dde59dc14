import { Cut, type CutWatcher } from '../../../lib/gateway/cut';

const watcher = (told: unknown[]): CutWatcher => ({ cutOff: (reason) => told.push(reason) });

describe('Cut', () => {
  it('tells each watcher once, with the reason of the first cut only', () => {
    const cut = new Cut();
    const a: unknown[] = [];
    const b: unknown[] = [];
    cut.watch(watcher(a));
    cut.watch(watcher(b));
    expect(cut.reason).toBeUndefined();
    const first = new Error('client gone');
    cut.cut(first);
    cut.cut(new Error('deadline'));
    expect(cut.reason).toBe(first);
    expect(a).toEqual([first]);
    expect(b).toEqual([first]);
  });

  it('tells a watcher that comes after the cut at once', () => {
    const cut = new Cut();
    const reason = new Error('deadline');
    cut.cut(reason);
    const told: unknown[] = [];
    cut.watch(watcher(told));
    expect(told).toEqual([reason]);
  });

  it('does not tell a watcher that left, nor any once forgotten', () => {
    const cut = new Cut();
    const left: unknown[] = [];
    const stays: unknown[] = [];
    const leaving = watcher(left);
    cut.watch(leaving);
    cut.watch(watcher(stays));
    cut.unwatch(leaving);
    cut.unwatch(watcher([])); // never watched: nothing happens
    cut.cut(new Error('stalled'));
    expect(left).toEqual([]);
    expect(stays).toHaveLength(1);

    const forgotten = new Cut();
    const told: unknown[] = [];
    forgotten.watch(watcher(told));
    forgotten.forget();
    forgotten.cut(new Error('late'));
    expect(told).toEqual([]);
  });

  it('its signal aborts with the reason, whether read before the cut or after it', () => {
    const before = new Cut();
    const signal = before.signal;
    expect(signal.aborted).toBe(false);
    expect(before.signal).toBe(signal);
    const reason = new Error('client gone');
    before.cut(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const after = new Cut();
    after.cut(reason);
    expect(after.signal.aborted).toBe(true);
    expect(after.signal.reason).toBe(reason);
  });

  it('a watcher told of the cut may leave from inside cutOff without another missing out', () => {
    const cut = new Cut();
    const told: string[] = [];
    const first: CutWatcher = {
      cutOff: () => {
        told.push('first');
        cut.unwatch(first);
      },
    };
    cut.watch(first);
    cut.watch({ cutOff: () => told.push('second') });
    cut.cut(new Error('deadline'));
    expect(told).toEqual(['first', 'second']);
  });
});

describe('Cut, with a watcher that throws', () => {
  it('still tells the others, then throws the first error', () => {
    const cut = new Cut();
    const told: string[] = [];
    const boom = new Error('watcher failed');
    const thrower: CutWatcher = {
      cutOff: () => {
        throw boom;
      },
    };
    cut.watch(thrower);
    cut.watch({ cutOff: () => told.push('second') });
    cut.watch({
      cutOff: () => {
        throw new Error('a later failure');
      },
    });
    expect(() => cut.cut(new Error('deadline'))).toThrow(boom);
    expect(told).toEqual(['second']);
    expect(cut.reason?.message).toBe('deadline');
  });
});
