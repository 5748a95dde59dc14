import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { toTokenUsage, type TokenUsage, type VendorUsage } from './usage';

/**
 * Follows a streamed answer for what the gateway measures: usage (message_start, then the
 * cumulative message_delta usage), the stop reason, whether message_stop arrived, time to the
 * first content delta, and — only when moderation needs it — the text.
 */
export class StreamAccumulator {
  private usageFields: VendorUsage = {};
  private stop: string | null = null;
  private stopped = false;
  private firstTokenAt?: number;
  private readonly textParts: string[] = [];

  public constructor(
    private readonly keepText: boolean,
    private readonly now: () => number,
  ) {}

  public add(event: RawMessageStreamEvent): void {
    switch (event.type) {
      case 'message_start':
        this.usageFields = { ...event.message.usage };
        break;
      case 'message_delta':
        this.usageFields = { ...this.usageFields, ...definedOnly(event.usage) };
        this.stop = event.delta.stop_reason ?? this.stop;
        break;
      case 'message_stop':
        this.stopped = true;
        break;
      case 'content_block_delta':
        this.firstTokenAt ??= this.now();
        if (this.keepText && event.delta.type === 'text_delta') this.textParts.push(event.delta.text);
        break;
      default:
        break;
    }
  }

  public get usage(): TokenUsage {
    return toTokenUsage(this.usageFields);
  }

  /** Whether the answer ended as the vendor ends a whole answer: with `message_stop`. */
  public get complete(): boolean {
    return this.stopped;
  }

  public get stopReason(): string | null {
    return this.stop;
  }

  public get text(): string {
    return this.textParts.join('');
  }

  /** When the first content delta arrived, if any did. */
  public get firstTokenTime(): number | undefined {
    return this.firstTokenAt;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
