/**
 * GetMetricData answered without every datapoint asked for (a result InternalError or
 * Forbidden, or PartialData with no NextToken to page on): the judge stops rather than judge a
 * window with minutes missing from one model only. Thrown, it fails the run, so no heartbeat
 * is published and the heartbeat alarm pages.
 */
export class JudgeMetricReadError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JudgeMetricReadError';
  }
}
