/**
 * The idle watch (streamIdleTimeoutMs) against the Messages API's `ping` events: a model that
 * takes a while before its first token keeps its stream alive with pings, which the SDK parses
 * and drops. The gateway must see them as what they are, bytes from a live vendor.
 */
import { DEFAULT_ANSWER_EVENT_TYPES } from '../../fakes/fake-vendor';
import {
  callsFor,
  DEFAULT_VENDOR_ID,
  messageParams,
  NEW_ALIAS,
  NEW_VENDOR_ID,
  parseSse,
  postRaw,
  type GatewayHarness,
  useFlagFileWorld,
} from './harness';

const USER = 'ping-user';
const IDLE_MS = 300;
const TEXT = 'An answer that took a while to start';
// A ping every 100 ms for 700 ms before the first content: every gap is well under the idle
// timeout, the whole wait well over it.
const PINGING = { kind: 'ok' as const, text: TEXT, pings: { count: 6, intervalMs: 100 } };

const world = useFlagFileWorld();
const gateway = (): Promise<GatewayHarness> => world.start({ gateway: { streamIdleTimeoutMs: IDLE_MS } });

test('streaming: pings spaced below the idle timeout, for longer than it, keep the stream alive', async () => {
  world.vendor.setBehaviour(NEW_VENDOR_ID, PINGING);
  const h = await gateway();
  const started = Date.now();
  const message = await h.client.messages.stream(messageParams({ user: USER })).finalMessage();
  expect(Date.now() - started).toBeGreaterThan(IDLE_MS);
  expect(message.model).toBe(NEW_VENDOR_ID);
  expect(message.content).toEqual([{ type: 'text', text: TEXT, citations: null }]);
  expect(message.stop_reason).toBe('end_turn');

  const raw = await postRaw(h.url, { ...messageParams({ user: USER }), stream: true });
  expect(parseSse(raw.text).map((e) => e.event)).toEqual(DEFAULT_ANSWER_EVENT_TYPES);
  expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
  expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
});

test('non-streaming: the pinging answer is served by the new model, not cut and sent to the default model', async () => {
  world.vendor.setBehaviour(NEW_VENDOR_ID, PINGING);
  const h = await gateway();
  const message = await h.client.messages.create(messageParams({ user: USER }));
  expect(message.model).toBe(NEW_VENDOR_ID);
  expect(message.content).toEqual([{ type: 'text', text: TEXT, citations: null }]);
  expect(h.metrics.sum(NEW_ALIAS, 'ModelErrors')).toBe(0);
  expect(callsFor(world.vendor, DEFAULT_VENDOR_ID)).toHaveLength(0);
});
