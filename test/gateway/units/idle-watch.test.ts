import { Cut } from '../../../lib/gateway/cut';
import { IdleWatch } from '../../../lib/gateway/idle-watch';
import { ClientGoneError, DeadlineExceededError, RequestLifetime } from '../../../lib/gateway/request-lifetime';

describe('IdleWatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('cuts the call after idleMs without bytes, and says it was a stall', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    jest.advanceTimersByTime(999);
    expect(watch.cut.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(watch.cut.signal.aborted).toBe(true);
    expect(watch.stalled).toBe(true);
  });

  it('is not armed before the first bytes (the SDK timeout covers the wait for the answer)', () => {
    const watch = new IdleWatch(1000);
    jest.advanceTimersByTime(10_000);
    expect(watch.cut.signal.aborted).toBe(false);
  });

  it('keeps a call alive while bytes arrive more often than idleMs, however long it runs', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    for (let i = 0; i < 50; i++) {
      jest.advanceTimersByTime(900);
      watch.rearm();
    }
    expect(watch.cut.signal.aborted).toBe(false);
    expect(watch.stalled).toBe(false);
  });

  it('measures the silence from the last bytes, not from the first', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    jest.advanceTimersByTime(600);
    watch.rearm();
    // 1000 ms after the first bytes, 400 after the last: still talking.
    jest.advanceTimersByTime(400);
    expect(watch.cut.signal.aborted).toBe(false);
    jest.advanceTimersByTime(599);
    expect(watch.cut.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(watch.cut.signal.aborted).toBe(true);
    expect(watch.stalled).toBe(true);
  });

  it('stopped before any bytes, sets no timer when bytes are reported after all', () => {
    const watch = new IdleWatch(1000);
    watch.stop();
    watch.rearm();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(watch.cut.signal.aborted).toBe(false);
  });

  it('once stopped, never cuts, even if bytes are reported late', () => {
    const watch = new IdleWatch(1000);
    watch.rearm();
    watch.stop();
    watch.rearm();
    jest.advanceTimersByTime(10_000);
    expect(watch.cut.signal.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("passes the request's cut on with its reason, without calling it a stall", () => {
    const gone = new Cut<ClientGoneError>();
    const lifetime = new RequestLifetime({ clientGone: gone }, Date.now);
    const watch = new IdleWatch(1000, lifetime);
    watch.rearm();
    gone.cut(new ClientGoneError());
    expect(watch.cut.signal.aborted).toBe(true);
    expect(watch.cut.signal.reason).toBeInstanceOf(ClientGoneError);
    expect(watch.cut.signal.reason).toBe(lifetime.endedBy);
    expect(watch.stalled).toBe(false);
  });

  it('starts aborted in a request already cut short', () => {
    const lifetime = new RequestLifetime({ deadline: Date.now() - 1 }, Date.now);
    jest.advanceTimersByTime(0);
    const watch = new IdleWatch(1000, lifetime);
    expect(watch.cut.signal.aborted).toBe(true);
    expect(watch.cut.signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(watch.stalled).toBe(false);
  });

  it("a stopped watch is no longer cut by the request (the next call's watch is)", () => {
    const gone = new Cut<ClientGoneError>();
    const lifetime = new RequestLifetime({ clientGone: gone }, Date.now);
    const first = new IdleWatch(1000, lifetime);
    first.stop();
    const second = new IdleWatch(1000, lifetime);
    gone.cut(new ClientGoneError());
    expect(first.cut.signal.aborted).toBe(false);
    expect(second.cut.signal.aborted).toBe(true);
  });
});
