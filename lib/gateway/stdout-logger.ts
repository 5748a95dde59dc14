import type { GatewayLogger } from './gateway';

/**
 * JSON log lines, every level on stdout, in Powertools Logger's shape (level, message,
 * timestamp, service, then the extra keys). For `rollout serve`, whose contract is "logs and
 * metrics on stdout": Powertools writes WARN and ERROR to stderr.
 */
export class StdoutJsonLogger implements GatewayLogger {
  public constructor(
    private readonly service: string,
    private readonly write: (line: string) => void = (line) => {
      process.stdout.write(`${line}\n`);
    },
  ) {}

  public info(message: string, ...extra: Record<string, unknown>[]): void {
    this.log('INFO', message, extra);
  }

  public warn(message: string, ...extra: Record<string, unknown>[]): void {
    this.log('WARN', message, extra);
  }

  public error(message: string, ...extra: Record<string, unknown>[]): void {
    this.log('ERROR', message, extra);
  }

  private log(level: string, message: string, extra: Record<string, unknown>[]): void {
    this.write(
      JSON.stringify({
        level,
        message,
        timestamp: new Date().toISOString(),
        service: this.service,
        ...Object.assign({}, ...extra),
      }),
    );
  }
}
