import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createSignedFetch } from '../../lib/client/signed-fetch';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A stand-in for the Function URL: records what arrives and answers like the Messages API. */
async function startRecorder(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-6',
          content: [{ type: 'text', text: 'ok' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Recomputes the signature the way Lambda does: same credentials, date and signed headers. */
async function expectedAuthorization(s: Seen, host: string): Promise<string> {
  const amzDate = String(s.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signedNames = /SignedHeaders=([^,]+)/.exec(String(s.headers.authorization))![1]!.split(';');
  const headers: Record<string, string> = {};
  // The payload hash is recomputed from the body (applyChecksum), not copied from the request.
  for (const name of signedNames)
    if (name !== 'x-amz-content-sha256') headers[name] = name === 'host' ? host : String(s.headers[name]);
  const signer = new SignatureV4({
    service: 'lambda',
    region: 'us-east-1',
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: true,
  });
  const url = new URL(s.path, `http://${host}`);
  const signed = await signer.sign(
    {
      method: s.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: s.body,
    },
    { signingDate },
  );
  return signed.headers.authorization!;
}

describe('createSignedFetch', () => {
  it("signs the Anthropic SDK's requests with SigV4 for service lambda, payload hash included", async () => {
    const recorder = await startRecorder();
    try {
      const client = new Anthropic({
        apiKey: 'unused',
        baseURL: recorder.url,
        maxRetries: 0,
        fetch: createSignedFetch({ region: 'us-east-1', credentials }),
      });
      const message = await client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);

      const s = recorder.seen[0]!;
      expect(s.method).toBe('POST');
      expect(s.path).toBe('/v1/messages');
      expect(s.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
      );
      expect(s.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(s.body).digest('hex'));
      expect(s.headers['x-amz-security-token']).toBe('session-token');
      expect(s.headers['x-api-key']).toBeUndefined();
      expect(String(s.headers.authorization)).toContain('x-amz-content-sha256');
      expect(s.headers.authorization).toBe(await expectedAuthorization(s, new URL(recorder.url).host));
    } finally {
      await recorder.close();
    }
  });

  it('produces a signature that a changed body no longer matches', async () => {
    const recorder = await startRecorder();
    try {
      const signedFetch = createSignedFetch({ region: 'us-east-1', credentials });
      await signedFetch(`${recorder.url}/v1/messages`, {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      const s = recorder.seen[0]!;
      const host = new URL(recorder.url).host;
      expect(s.headers.authorization).toBe(await expectedAuthorization(s, host));
      expect(s.headers.authorization).not.toBe(await expectedAuthorization({ ...s, body: '{"a":2}' }, host));
    } finally {
      await recorder.close();
    }
  });

  it('refuses a streamed request body it cannot hash, saying why', async () => {
    const signedFetch = createSignedFetch({ region: 'us-east-1', credentials });
    const stream = new ReadableStream({ start: (c) => c.close() });
    await expect(signedFetch('http://127.0.0.1:9/v1/messages', { method: 'POST', body: stream })).rejects.toThrow(
      /can only sign string or byte bodies/,
    );
  });
});
