import { startDroppingRuntime, type DroppingRuntime } from './dropping-runtime-api';
import { startHandlerFixture, urlEvent, type HandlerFixture } from './handler-fixture';

// The deployed handler when its response connection goes away mid-stream: the response stream
// fails and closes before the gateway ended it, and the gateway stops the vendor call at once
// instead of reading the rest of an answer nobody will get.
const NEW_VENDOR_ID = 'claude-haiku-4-5-20251001';
const PROMPTLY_MS = 1000;

describe('Lambda handler: the response stream closes before the answer is done', () => {
  let f: HandlerFixture;
  let dropping: DroppingRuntime;

  beforeAll(async () => {
    f = await startHandlerFixture();
    dropping = await startDroppingRuntime('event: message_start', 10_000);
  });
  afterAll(async () => {
    await dropping.close();
    await f.close();
  });

  it('stops the vendor call shortly after', async () => {
    // ~3 s of answer: an event every 300 ms
    f.vendor.setBehaviour(NEW_VENDOR_ID, {
      kind: 'ok',
      text: 'a slowly generated answer, word by word',
      eventDelayMs: 300,
    });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await dropping.invokeUntilDropped(
        f.handler,
        urlEvent({
          model: 'claude-sonnet-4-6',
          max_tokens: 5,
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
          metadata: { user_id: 'u-1' },
        }),
      );
      const droppedAt = Date.now();
      const call = f.vendor.calls.find((c) => c.model === NEW_VENDOR_ID);
      for (let i = 0; i < 75 && call?.closedAt === undefined; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(call?.closedEarly).toBe(true);
      expect((call?.closedAt ?? Infinity) - droppedAt).toBeLessThan(PROMPTLY_MS);
    } finally {
      logged.mockRestore();
    }
  });
});
