import { Cut } from '../../../lib/gateway/cut';
import { ClientGoneError, DeadlineExceededError, RequestLifetime } from '../../../lib/gateway/request-lifetime';

describe('RequestLifetime', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('with no limits never ends', () => {
    const life = new RequestLifetime({}, Date.now);
    jest.advanceTimersByTime(3_600_000);
    expect(life.signal.aborted).toBe(false);
    expect(life.endedBy).toBeUndefined();
  });

  it('aborts at the deadline, and says so', () => {
    const life = new RequestLifetime({ deadline: Date.now() + 1000 }, Date.now);
    jest.advanceTimersByTime(999);
    expect(life.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(life.signal.aborted).toBe(true);
    expect(life.endedBy).toBeInstanceOf(DeadlineExceededError);
    expect(life.signal.reason).toBe(life.endedBy);
  });

  it('a deadline already past aborts at once', () => {
    const life = new RequestLifetime({ deadline: Date.now() - 5 }, Date.now);
    jest.advanceTimersByTime(0);
    expect(life.endedBy).toBeInstanceOf(DeadlineExceededError);
  });

  it('aborts when the client leaves (also if it had left already); the first cause wins', () => {
    const gone = new Cut<ClientGoneError>();
    const life = new RequestLifetime({ deadline: Date.now() + 1000, clientGone: gone }, Date.now);
    gone.cut(new ClientGoneError());
    expect(life.endedBy).toBeInstanceOf(ClientGoneError);
    jest.advanceTimersByTime(2000);
    expect(life.endedBy).toBeInstanceOf(ClientGoneError);

    const left = new Cut<ClientGoneError>();
    left.cut(new ClientGoneError());
    expect(new RequestLifetime({ clientGone: left }, Date.now).endedBy).toBeInstanceOf(ClientGoneError);
  });

  it('stop() ends the watching: no cut afterwards', () => {
    const gone = new Cut<ClientGoneError>();
    const life = new RequestLifetime({ deadline: Date.now() + 1000, clientGone: gone }, Date.now);
    life.stop();
    gone.cut(new ClientGoneError());
    jest.advanceTimersByTime(2000);
    expect(life.signal.aborted).toBe(false);
  });

  it("tells its watchers once, with the cut's reason; a watcher that left is not told", () => {
    const gone = new Cut<ClientGoneError>();
    const life = new RequestLifetime({ deadline: Date.now() + 1000, clientGone: gone }, Date.now);
    const told: Array<[string, unknown]> = [];
    const a = { cutOff: (why: unknown) => told.push(['a', why]) };
    const b = { cutOff: (why: unknown) => told.push(['b', why]) };
    life.watch(a);
    life.watch(b);
    life.unwatch(a);
    gone.cut(new ClientGoneError());
    jest.advanceTimersByTime(2000);
    expect(told).toEqual([['b', life.endedBy]]);
    expect(life.endedBy).toBeInstanceOf(ClientGoneError);

    // A watcher that comes after the cut is told at once.
    const late: unknown[] = [];
    life.watch({ cutOff: (why) => late.push(why) });
    expect(late).toEqual([life.endedBy]);
  });

  it('a signal asked for after the cut is aborted already, with the same reason', () => {
    const life = new RequestLifetime({ deadline: Date.now() + 10 }, Date.now);
    jest.advanceTimersByTime(10);
    expect(life.signal.aborted).toBe(true);
    expect(life.signal.reason).toBe(life.endedBy);
    expect(life.signal.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it('a signal asked for before the cut aborts with it', () => {
    const gone = new Cut<ClientGoneError>();
    const life = new RequestLifetime({ clientGone: gone }, Date.now);
    const signal = life.signal;
    expect(signal.aborted).toBe(false);
    gone.cut(new ClientGoneError());
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(ClientGoneError);
  });

  it('after stop() the client leaving tells no watcher and ends nothing', () => {
    const gone = new Cut<ClientGoneError>();
    const life = new RequestLifetime({ clientGone: gone }, Date.now);
    const told: unknown[] = [];
    life.watch({ cutOff: (why) => told.push(why) });
    life.stop();
    gone.cut(new ClientGoneError());
    expect(told).toEqual([]);
    expect(life.endedBy).toBeUndefined();
  });
});
