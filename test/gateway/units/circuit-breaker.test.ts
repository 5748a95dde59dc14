import fc from 'fast-check';
import { CircuitBreaker } from '../../../lib/gateway/circuit-breaker';

/** A clock the test moves by hand. */
class FakeClock {
  public t = 1_000_000;
  public readonly now = (): number => this.t;
  public advance(ms: number): void {
    this.t += ms;
  }
}

const THRESHOLD = 3;
const WINDOW_MS = 1_000;
const COOLDOWN_MS = 5_000;

function setup(): { clock: FakeClock; breaker: CircuitBreaker } {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({
    failureThreshold: THRESHOLD,
    windowMs: WINDOW_MS,
    cooldownMs: COOLDOWN_MS,
    now: clock.now,
  });
  return { clock, breaker };
}

/** Records failures `gapMs` apart (the first one now). */
function failures(clock: FakeClock, breaker: CircuitBreaker, count: number, gapMs: number): void {
  for (let i = 0; i < count; i++) {
    if (i > 0) clock.advance(gapMs);
    breaker.recordFailure();
  }
}

describe('CircuitBreaker', () => {
  it('starts closed', () => {
    const { breaker } = setup();
    expect(breaker.isOpen).toBe(false);
    expect(breaker.allowsCall()).toBe(true);
  });

  describe('opening', () => {
    it('opens after N consecutive failures within the window', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD - 1, 100);
      expect(breaker.isOpen).toBe(false);
      expect(breaker.allowsCall()).toBe(true);
      clock.advance(100);
      breaker.recordFailure();
      expect(breaker.isOpen).toBe(true);
      expect(breaker.allowsCall()).toBe(false);
    });

    it('opens when the N failures span exactly the window', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD, WINDOW_MS / (THRESHOLD - 1));
      expect(breaker.isOpen).toBe(true);
    });

    it('opens with N failures at the same instant', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD, 0);
      expect(breaker.isOpen).toBe(true);
    });

    it('does not open when the failures are spread beyond the window', () => {
      const { clock, breaker } = setup();
      // Each failure comes just over half a window after the previous: N of them never fit in one window.
      failures(clock, breaker, THRESHOLD * 4, WINDOW_MS / 2 + 100);
      expect(breaker.isOpen).toBe(false);
      expect(breaker.allowsCall()).toBe(true);
    });

    it('does not open when a success intervenes', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD - 1, 10);
      breaker.recordSuccess();
      failures(clock, breaker, THRESHOLD - 1, 10);
      expect(breaker.isOpen).toBe(false);
      expect(breaker.allowsCall()).toBe(true);
      // ... but N consecutive ones after the success do open it.
      breaker.recordFailure();
      expect(breaker.isOpen).toBe(true);
    });

    // Regression: a streak whose first failure has left the window still opens on the last N.
    it('opens when the last N consecutive failures fit in the window, even if an earlier one of the streak does not', () => {
      const { clock, breaker } = setup();
      breaker.recordFailure(); // t = 0
      clock.advance(900);
      breaker.recordFailure(); // t = 900
      clock.advance(200);
      breaker.recordFailure(); // t = 1100: 0 has left the window, 900 has not
      clock.advance(100);
      breaker.recordFailure(); // t = 1200: 900, 1100, 1200 are 3 consecutive failures within 300 ms
      expect(breaker.isOpen).toBe(true);
    });
  });

  describe('open', () => {
    it('stays open for the whole cooldown', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD, 0);
      clock.advance(1);
      expect(breaker.allowsCall()).toBe(false);
      clock.advance(COOLDOWN_MS / 2);
      expect(breaker.allowsCall()).toBe(false);
      expect(breaker.isOpen).toBe(true);
      clock.advance(COOLDOWN_MS / 2 - 2); // cooldown - 1 ms after opening
      expect(breaker.allowsCall()).toBe(false);
      expect(breaker.isOpen).toBe(true);
    });

    it('failures while open do not extend the cooldown', () => {
      const { clock, breaker } = setup();
      failures(clock, breaker, THRESHOLD, 0);
      clock.advance(COOLDOWN_MS - 10);
      breaker.recordFailure(); // a straggler call that started before the breaker opened
      clock.advance(10);
      expect(breaker.allowsCall()).toBe(true);
    });
  });

  describe('half-open after the cooldown', () => {
    function openAndCoolDown(): { clock: FakeClock; breaker: CircuitBreaker } {
      const s = setup();
      failures(s.clock, s.breaker, THRESHOLD, 0);
      s.clock.advance(COOLDOWN_MS);
      return s;
    }

    it('lets calls through again once the cooldown has passed', () => {
      const { breaker } = openAndCoolDown();
      expect(breaker.isOpen).toBe(false);
      expect(breaker.allowsCall()).toBe(true);
    });

    it('one failure re-opens it for another full cooldown', () => {
      const { clock, breaker } = openAndCoolDown();
      expect(breaker.allowsCall()).toBe(true);
      breaker.recordFailure();
      expect(breaker.isOpen).toBe(true);
      expect(breaker.allowsCall()).toBe(false);
      clock.advance(COOLDOWN_MS - 1);
      expect(breaker.allowsCall()).toBe(false);
      clock.advance(1);
      expect(breaker.allowsCall()).toBe(true);
    });

    it('one success closes it: afterwards it takes N failures again to open', () => {
      const { clock, breaker } = openAndCoolDown();
      expect(breaker.allowsCall()).toBe(true);
      breaker.recordSuccess();
      expect(breaker.isOpen).toBe(false);
      failures(clock, breaker, THRESHOLD - 1, 10);
      expect(breaker.isOpen).toBe(false);
      expect(breaker.allowsCall()).toBe(true);
      breaker.recordFailure();
      expect(breaker.isOpen).toBe(true);
    });
  });

  it('defaults to Date.now for its clock', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, windowMs: 1000, cooldownMs: 60_000 });
    breaker.recordFailure();
    expect(breaker.isOpen).toBe(true);
    expect(breaker.allowsCall()).toBe(false);
  });

  it('property: it opens only when the current run holds N failures within the window', () => {
    type Step = { kind: 'fail' | 'success'; dt: number };
    const stepArb: fc.Arbitrary<Step> = fc.record({
      kind: fc.constantFrom<Step['kind']>('fail', 'fail', 'fail', 'success'),
      dt: fc.integer({ min: 0, max: WINDOW_MS }),
    });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const { clock, breaker } = setup();
        // Failures since the last success or the last opening.
        let run: number[] = [];
        for (const step of steps) {
          clock.advance(step.dt);
          const wasOpen = breaker.isOpen;
          if (step.kind === 'success') {
            breaker.recordSuccess();
            run = [];
            expect(breaker.isOpen).toBe(false);
            continue;
          }
          breaker.recordFailure();
          run.push(clock.t);
          if (breaker.isOpen && !wasOpen) {
            const lastN = run.slice(-THRESHOLD);
            expect(lastN).toHaveLength(THRESHOLD);
            expect((lastN[THRESHOLD - 1] ?? 0) - (lastN[0] ?? 0)).toBeLessThanOrEqual(WINDOW_MS);
            run = [];
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: allowsCall() is false exactly while isOpen', () => {
    type Step = { kind: 'fail' | 'success' | 'call'; dt: number };
    const stepArb: fc.Arbitrary<Step> = fc.record({
      kind: fc.constantFrom<Step['kind']>('fail', 'fail', 'success', 'call'),
      dt: fc.integer({ min: 0, max: COOLDOWN_MS }),
    });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { clock, breaker } = setup();
        for (const step of steps) {
          clock.advance(step.dt);
          if (step.kind === 'call') {
            const open = breaker.isOpen;
            expect(breaker.allowsCall()).toBe(!open);
          } else if (step.kind === 'fail') {
            breaker.recordFailure();
          } else {
            breaker.recordSuccess();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: N failures at one instant always open it, and it reopens only after a full cooldown', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 100_000 }), (threshold, cooldownMs) => {
        const clock = new FakeClock();
        const breaker = new CircuitBreaker({ failureThreshold: threshold, windowMs: 1, cooldownMs, now: clock.now });
        for (let i = 0; i < threshold - 1; i++) breaker.recordFailure();
        expect(breaker.isOpen).toBe(false);
        breaker.recordFailure();
        expect(breaker.isOpen).toBe(true);
        clock.advance(cooldownMs - 1);
        expect(breaker.allowsCall()).toBe(false);
        clock.advance(1);
        expect(breaker.allowsCall()).toBe(true);
      }),
    );
  });
});
