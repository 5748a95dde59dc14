/** Where the gateway writes its answer: a Lambda response stream or a local HTTP response. */
export interface ResponseSink {
  /** A complete JSON answer. */
  sendJson(status: number, headers: Readonly<Record<string, string>>, body: unknown): void;
  /** Starts a 200 server-sent-events answer. */
  startEvents(headers: Readonly<Record<string, string>>): void;
  /** One SSE event of the gateway's own: `event: <type>` and its JSON data. */
  writeEvent(type: string, data: unknown): void;
  /** Whole SSE events as text, passed on as the vendor sent them. */
  writeEvents(text: string): void;
  end(): void;
  /**
   * A vendor answer passed through as bytes (batch results, JSONL): status and headers, then the
   * body as it arrives, with backpressure. Resolves when the body is written and the answer ended;
   * rejects when either side fails mid-body (the answer is then cut off).
   */
  pipeBody(status: number, headers: Readonly<Record<string, string>>, body: ReadableStream<Uint8Array>): Promise<void>;
}

export function formatEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
