import { IdleWatch } from '../../../lib/gateway/idle-watch';

describe('IdleWatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('cuts the call after idleMs without bytes, and says it was a stall', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    jest.advanceTimersByTime(999);
    expect(watch.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.stalled).toBe(true);
  });

  it('is not armed before the first bytes (the SDK timeout covers the wait for the answer)', () => {
    const watch = new IdleWatch(1000);
    jest.advanceTimersByTime(10_000);
    expect(watch.signal.aborted).toBe(false);
  });

  it('keeps a call alive while bytes arrive more often than idleMs, however long it runs', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    for (let i = 0; i < 50; i++) {
      jest.advanceTimersByTime(900);
      watch.rearm();
    }
    expect(watch.signal.aborted).toBe(false);
    expect(watch.stalled).toBe(false);
  });

  it('measures the silence from the last bytes, not from the first', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    jest.advanceTimersByTime(600);
    watch.rearm();
    // 1000 ms after the first bytes, 400 after the last: still talking.
    jest.advanceTimersByTime(400);
    expect(watch.signal.aborted).toBe(false);
    jest.advanceTimersByTime(599);
    expect(watch.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.stalled).toBe(true);
  });

  it('once stopped, never cuts, even if bytes are reported late', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    watch.stop();
    watch.rearm();
    jest.advanceTimersByTime(10_000);
    expect(watch.signal.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("passes the parent's abort on with its reason, without calling it a stall", () => {
    const parent = new AbortController();
    const watch = new IdleWatch(1000, parent.signal);
    watch.rearm();
    const why = new Error('client gone');
    parent.abort(why);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.signal.reason).toBe(why);
    expect(watch.stalled).toBe(false);
  });

  it('starts aborted under a parent that already aborted', () => {
    const parent = new AbortController();
    parent.abort(new Error('deadline'));
    const watch = new IdleWatch(1000, parent.signal);
    expect(watch.signal.aborted).toBe(true);
    expect(watch.stalled).toBe(false);
  });
});
