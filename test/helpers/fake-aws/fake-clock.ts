/**
 * A clock tests move by hand: the fake AWS endpoint stamps and progresses deployments on it,
 * and the code under test sleeps on it, so a 24 h bake passes in milliseconds.
 */
export class FakeClock {
  private ms: number;

  public constructor(start: Date) {
    this.ms = start.getTime();
  }

  public readonly now = (): Date => new Date(this.ms);
  public readonly nowMs = (): number => this.ms;

  public advance(ms: number): void {
    this.ms += ms;
  }

  /** A `sleep` for the code under test: the time passes at once. */
  public readonly sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
}
