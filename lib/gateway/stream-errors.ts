/** The model sent nothing for longer than the idle timeout; the gateway cut the stream. */
export class StreamStalledError extends Error {
  public constructor(idleMs: number) {
    super(`The model sent nothing for ${idleMs} ms.`);
    this.name = 'StreamStalledError';
  }
}

/** A 200 stream that closed before its first event. */
export class EmptyStreamError extends Error {
  public constructor() {
    super('The model closed the stream before its first event.');
    this.name = 'EmptyStreamError';
  }
}

/**
 * A 200 stream that ended cleanly but without `message_stop`: the answer is cut short, though
 * the SDK ends such a stream like a whole one.
 */
export class IncompleteStreamError extends Error {
  public constructor() {
    super('The model closed the stream before message_stop.');
    this.name = 'IncompleteStreamError';
  }
}
