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
    const gone = new AbortController();
    const life = new RequestLifetime({ deadline: Date.now() + 1000, clientGone: gone.signal }, Date.now);
    gone.abort();
    expect(life.endedBy).toBeInstanceOf(ClientGoneError);
    jest.advanceTimersByTime(2000);
    expect(life.endedBy).toBeInstanceOf(ClientGoneError);

    const left = new AbortController();
    left.abort();
    expect(new RequestLifetime({ clientGone: left.signal }, Date.now).endedBy).toBeInstanceOf(ClientGoneError);
  });

  it('stop() ends the watching: no cut afterwards', () => {
    const gone = new AbortController();
    const life = new RequestLifetime({ deadline: Date.now() + 1000, clientGone: gone.signal }, Date.now);
    life.stop();
    gone.abort();
    jest.advanceTimersByTime(2000);
    expect(life.signal.aborted).toBe(false);
  });
});
