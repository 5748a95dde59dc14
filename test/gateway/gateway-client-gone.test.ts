/**
 * A client that leaves mid-answer (`rollout serve`): the gateway stops its vendor call instead of
 * reading, and paying for, an answer nobody will get. Seen from the fake vendor, whose connection
 * for the call closes early.
 */
import type { RecordedCall } from '../../fakes/fake-vendor';
import {
  callsFor,
  DEFAULT_VENDOR_ID,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  sleep,
  type GatewayHarness,
  useFlagFileWorld,
} from './harness';

const USER = 'leaving-user';
/** How soon after the client leaves the vendor call must be gone (it would run ~3 s more). */
const PROMPTLY_MS = 1000;

const world = useFlagFileWorld();
const gateway = (): Promise<GatewayHarness> => world.start();

/** Resolves once the world.vendor's connection for `call` has closed, or after `ms`. */
async function closed(call: RecordedCall, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (call.closedAt === undefined && Date.now() < until) await sleep(20);
}

async function requestLogged(h: GatewayHarness): Promise<Record<string, unknown> | undefined> {
  const until = Date.now() + PROMPTLY_MS;
  while (h.requestLogs().length === 0 && Date.now() < until) await sleep(20);
  return h.requestLogs()[0];
}

test('streaming: the client disconnects after the first event → the world.vendor call is closed at once', async () => {
  // ~3 s of answer: an event every 300 ms
  world.vendor.setBehaviour(NEW_VENDOR_ID, {
    kind: 'ok',
    text: 'a slowly generated answer, word by word',
    eventDelayMs: 300,
  });
  const h = await gateway();
  const client = new AbortController();
  const res = await fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...messageParams({ user: USER }), stream: true }),
    signal: client.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body?.getReader();
  const first = await reader?.read();
  expect(new TextDecoder().decode(first?.value)).toMatch(/^event: message_start/);
  client.abort();
  const leftAt = Date.now();

  const call = callsFor(world.vendor, NEW_VENDOR_ID)[0];
  await closed(call!, PROMPTLY_MS + 500);
  expect(call?.closedEarly).toBe(true);
  expect((call?.closedAt ?? Infinity) - leftAt).toBeLessThan(PROMPTLY_MS);

  // leaving is the client's choice: not a model error, no fallback
  expect(await requestLogged(h)).toMatchObject({ cut: 'client-gone', servedBy: NEW_ALIAS });
  expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
  expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
});

test('non-streaming: the client gives up while the model is still thinking → the world.vendor call is closed, no fallback', async () => {
  world.vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', delayMs: 3000 });
  const h = await gateway();
  const client = new AbortController();
  const answer = fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(messageParams({ user: USER })),
    signal: client.signal,
  }).catch((err: unknown) => err);
  while (callsFor(world.vendor, NEW_VENDOR_ID).length === 0) await sleep(10);
  await sleep(100);
  client.abort();
  const leftAt = Date.now();
  await answer;

  const call = callsFor(world.vendor, NEW_VENDOR_ID)[0];
  await closed(call!, PROMPTLY_MS + 500);
  expect(call?.closedEarly).toBe(true);
  expect((call?.closedAt ?? Infinity) - leftAt).toBeLessThan(PROMPTLY_MS);
  expect(await requestLogged(h)).toMatchObject({ cut: 'client-gone' });
  expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
  expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
});
