import { EXIT } from './exit-codes';

/** A CLI failure the user can act on: printed without a stack trace, exit code 1 (or `exitCode`). */
export class CliError extends Error {
  public readonly exitCode: number;

  public constructor(message: string, options?: ErrorOptions & { exitCode?: number }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = options?.exitCode ?? EXIT.failed;
  }
}
