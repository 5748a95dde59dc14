/**
 * One cold start, in a fresh process: loads a bundled streaming Lambda handler the way the
 * Node.js runtime does (the `awslambda` global first), then makes its first invocation (a
 * Function URL event for POST /v1/messages) and prints `{"initMs", "firstRequestMs", "status"}`
 * on stdout. Built into a single file by bench/cold-start.ts and run by it; the handler reaches
 * the benchmark's fakes (vendor, AppConfig agent, Secrets Manager) through its environment.
 *
 * Usage: node cold-start-probe.cjs HANDLER_BUNDLE.js
 */
import { Writable } from 'node:stream';

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

interface Prelude {
  readonly statusCode?: number;
  readonly headers?: Record<string, string>;
}

/** The response stream the runtime hands a streaming handler: collects the answer. */
class ResponseStream extends Writable {
  public readonly chunks: Buffer[] = [];
  public override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }
}

// As the runtime's: `from` sends its metadata prelude (JSON, then 8 NUL bytes) inside the
// stream's first write().
Object.assign(globalThis, {
  awslambda: {
    streamifyResponse: <T extends object>(handler: T): T => Object.assign(handler, { [STREAMING]: 'response' }),
    HttpResponseStream: {
      from(stream: Writable, prelude: Prelude): Writable {
        let sent = false;
        const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
        (stream as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]): boolean => {
          if (!sent) {
            sent = true;
            write(Buffer.concat([Buffer.from(JSON.stringify(prelude)), Buffer.alloc(8)]));
          }
          return write(chunk, ...rest);
        };
        return stream;
      },
    },
  },
});

async function main(): Promise<void> {
  const bundle = process.argv[2];
  if (!bundle) throw new Error('usage: cold-start-probe.cjs HANDLER_BUNDLE.js');
  const started = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runtime loads a handler with require
  const mod = require(bundle) as {
    handler: (event: unknown, stream: Writable, context: unknown) => Promise<unknown>;
  };
  const loaded = process.hrtime.bigint();
  const stream = new ResponseStream();
  const deadline = Date.now() + 30_000;
  const body = JSON.stringify({
    model: process.env.BENCH_MODEL ?? 'claude-sonnet-4-6',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'benchmark' }],
    metadata: { user_id: 'cold-start-user' },
  });
  await mod.handler(
    {
      version: '2.0',
      rawPath: '/v1/messages',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      requestContext: { http: { method: 'POST', path: '/v1/messages' } },
      body,
      isBase64Encoded: false,
    },
    stream,
    {
      awsRequestId: 'cold-start',
      functionName: 'model-gateway',
      getRemainingTimeInMillis: () => deadline - Date.now(),
    },
  );
  if (!stream.writableFinished) await new Promise((resolve) => stream.once('finish', resolve));
  const answered = process.hrtime.bigint();
  const raw = Buffer.concat(stream.chunks);
  const end = raw.indexOf(Buffer.alloc(8));
  const prelude = JSON.parse(raw.subarray(0, end).toString('utf8')) as Prelude;
  process.stdout.write(
    `${JSON.stringify({
      initMs: Number(loaded - started) / 1e6,
      firstRequestMs: Number(answered - loaded) / 1e6,
      status: prelude.statusCode ?? 0,
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
