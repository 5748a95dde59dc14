import { readFileSync } from 'node:fs';
import { parseMessagesRequest, type MessagesBody } from '../../gateway/messages-request';
import { GatewayError } from '../../gateway/errors';

/** One request of a replay sample: its line in the file and the body as exported. */
export interface SampleRequest {
  /** 1-based line number in the sample file. */
  readonly line: number;
  readonly body: MessagesBody;
  /** The exported request asked for a stream; the replay sends it non-streaming. */
  readonly stream: boolean;
}

/** The sample cannot be replayed as given (a missing file, a bad line): nothing was sent. */
export class ReplayInputError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayInputError';
  }
}

/** At most this many bad lines are named; the rest are counted. */
const SHOWN_PROBLEMS = 10;

/**
 * Reads a JSONL sample of Messages API bodies (one per line; blank lines skipped) and checks
 * every line the way the gateway checks a request, so a line the gateway would refuse is
 * named with its number and what is wrong — never with its text.
 */
export function readSample(file: string): SampleRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ReplayInputError(`cannot read the replay sample ${file}${code ? ` (${code})` : ''}`, { cause });
  }
  const requests: SampleRequest[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = index + 1;
    try {
      const parsed = parseMessagesRequest(
        { method: 'POST', path: '/v1/messages', headers: {}, body: Buffer.from(raw, 'utf8') },
        Number.MAX_SAFE_INTEGER,
      );
      requests.push({ line, body: parsed.body, stream: parsed.stream });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      problems.push(`line ${line}: ${err.message.replace(/^Request body/, 'the line')}`);
    }
  });
  if (problems.length > 0) {
    const more = problems.length > SHOWN_PROBLEMS ? [`… and ${problems.length - SHOWN_PROBLEMS} more bad lines`] : [];
    throw new ReplayInputError(
      `${file} has ${problems.length} line(s) that are not a Messages API body:\n  ${[...problems.slice(0, SHOWN_PROBLEMS), ...more].join('\n  ')}`,
    );
  }
  if (requests.length === 0) throw new ReplayInputError(`${file} has no requests (one Messages API body per line)`);
  return requests;
}
