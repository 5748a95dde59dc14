export interface OutputCheck {
  readonly name: string;
  readonly pattern: string;
  readonly flags: string;
}

export interface ModerationVerdict {
  readonly flagged: boolean;
  /** Names of the checks that matched ('refusal' for stop_reason: refusal). Never output text. */
  readonly reasons: readonly string[];
}

/**
 * Checks the new model's outputs during the canary: a refusal (`stop_reason: refusal`) is
 * always flagged, plus the configured pattern checks. Pluggable: each check is data.
 */
export class OutputModerator {
  private readonly checks: ReadonlyArray<{ name: string; regex: RegExp }>;

  public constructor(checks: readonly OutputCheck[]) {
    this.checks = checks.map((c) => ({ name: c.name, regex: new RegExp(c.pattern, c.flags.replace(/g/g, '')) }));
  }

  public check(text: string, stopReason: string | null | undefined): ModerationVerdict {
    const reasons: string[] = [];
    if (stopReason === 'refusal') reasons.push('refusal');
    for (const check of this.checks) if (check.regex.test(text)) reasons.push(check.name);
    return { flagged: reasons.length > 0, reasons };
  }
}
