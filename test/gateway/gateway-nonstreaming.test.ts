import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamEvents } from '../../fakes/fake-vendor';
import { startFakeVendor, type FakeVendor } from '../../fakes/fake-vendor';
import {
  DEFAULT_VENDOR_ID,
  FlagFile,
  flagOn,
  messageParams,
  NEW_VENDOR_ID,
  startGateway,
  type GatewayHarness,
} from './harness';

/**
 * Non-streaming clients: the gateway streams from the vendor and answers whole, so the new
 * model's timeout bounds the first byte, not the whole answer, and a failure after the first
 * event can still fall back (nothing has reached the client yet).
 */
describe('non-streaming requests streamed from the vendor', () => {
  let flags: FlagFile;
  let gw: GatewayHarness | undefined;
  let vendor: FakeVendor | undefined;
  let slow: Server | undefined;

  beforeEach(async () => {
    flags = await FlagFile.create(flagOn(100));
  });

  afterEach(async () => {
    await gw?.close();
    await vendor?.close();
    await flags.remove();
    await new Promise<void>((resolve) => (slow ? slow.close(() => resolve()) : resolve()));
    slow?.closeAllConnections();
    gw = vendor = slow = undefined;
  });

  it('answers JSON with its content-length, in one piece rather than chunked, for answers and errors alike', async () => {
    vendor = await startFakeVendor();
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'ok', text: 'Grüße 🎉 aus dem Modell' });
    gw = await startGateway({ vendor, flags: { kind: 'file', file: flags } });
    const post = (body: string): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = request(`${gw!.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });

    const ok = await post(JSON.stringify(messageParams({ user: 'u-1' })));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.bytes.toString('utf8'))).toMatchObject({ content: [{ text: 'Grüße 🎉 aus dem Modell' }] });
    expect(ok.headers['content-length']).toBe(String(ok.bytes.length));
    expect(ok.headers['transfer-encoding']).toBeUndefined();

    const refused = await post('{"model": "x"');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-length']).toBe(String(refused.bytes.length));
    expect(refused.headers['transfer-encoding']).toBeUndefined();
  });

  it("serves a long, steadily streamed answer that takes longer than the new model's timeout", async () => {
    // Events every 150 ms: the whole answer takes ~1 s, the first byte arrives at once.
    slow = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      req.on('end', () => {
        const { model } = JSON.parse(raw) as { model: string };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const events = streamEvents({
          model,
          text: 'a long answer in pieces',
          stopReason: 'end_turn',
          inputTokens: 10,
          outputTokens: 40,
        });
        let i = 0;
        const tick = (): void => {
          const e = events[i++];
          if (!e) {
            res.end();
            return;
          }
          res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
          setTimeout(tick, 150);
        };
        tick();
      });
    });
    await new Promise<void>((resolve) => slow!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    gw = await startGateway({
      vendor: { url },
      flags: { kind: 'file', file: flags },
      gateway: { newModelTimeoutMs: 300, streamIdleTimeoutMs: 1000 },
    });
    const { data, response } = await gw.client.messages.create(messageParams({ user: 'u-long' })).withResponse();
    expect(data.model).toBe(NEW_VENDOR_ID);
    expect(data.content.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual(['a long answer in pieces']);
    expect(data.usage.output_tokens).toBe(40);
    expect(response.headers.get('x-rollout-fallback')).toBeNull();
  });

  it('falls back when the new model fails after its first events, since the client has nothing yet', async () => {
    vendor = await startFakeVendor();
    vendor.setBehaviour(NEW_VENDOR_ID, { kind: 'midstream-error', afterEvents: 2 });
    gw = await startGateway({ vendor, flags: { kind: 'file', file: flags } });
    const { data, response } = await gw.client.messages.create(messageParams({ user: 'u-mid' })).withResponse();
    expect(data.model).toBe(DEFAULT_VENDOR_ID);
    expect(response.headers.get('x-rollout-fallback')).toBe('true');
    expect(vendor.calls.map((c) => c.model)).toEqual([NEW_VENDOR_ID, DEFAULT_VENDOR_ID]);
  });
});
