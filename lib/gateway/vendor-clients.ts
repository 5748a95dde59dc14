import type Anthropic from '@anthropic-ai/sdk';

/**
 * The vendor client, built from the API key in the secret. It is read once and kept, so a key
 * that is rotated or revoked behind the gateway's back would be used until the environment
 * dies; `refresh` drops it and reads the secret again.
 */
export class VendorClients {
  private pending?: Promise<Anthropic>;
  /** The client `pending` resolved to, once it has. */
  private latest?: Anthropic;

  public constructor(
    private readonly readKey: () => Promise<string>,
    private readonly build: (apiKey: string) => Anthropic,
  ) {}

  /** The current client; reads the key on first use, and again after a failed read. */
  public get(): Promise<Anthropic> {
    this.pending ??= this.load();
    return this.pending;
  }

  /**
   * A client with a freshly read key, in place of `stale` (whose key the vendor refused). If
   * another request already replaced `stale`, its client is shared and the secret is not read
   * again: a burst of 401s costs one read, not one per request.
   */
  public refresh(stale: Anthropic): Promise<Anthropic> {
    if (this.latest === stale) {
      this.latest = undefined;
      this.pending = this.load();
    }
    return this.get();
  }

  private load(): Promise<Anthropic> {
    const loading = this.readKey().then((apiKey) => {
      const client = this.build(apiKey);
      if (this.pending === loading) this.latest = client;
      return client;
    });
    // A failed read is not kept: the next request reads again.
    loading.catch(() => {
      if (this.pending === loading) this.pending = undefined;
    });
    return loading;
  }
}
