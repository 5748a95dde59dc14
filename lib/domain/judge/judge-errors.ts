/** A minute of gateway counts that cannot be real (negative, fractional, or more events than calls). */
export class InvalidMinuteCountsError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidMinuteCountsError';
  }
}

/** Minutes given to the judge out of time order, or the same minute twice. */
export class MinutesOutOfOrderError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'MinutesOutOfOrderError';
  }
}
