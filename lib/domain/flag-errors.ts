/** The flag as served (by the AppConfig Agent or a local file) is unusable. */
export class FlagDocumentError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FlagDocumentError';
  }
}
