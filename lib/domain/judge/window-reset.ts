/**
 * The judge's window reset, as the SSM parameter WINDOW_RESET_PARAMETER records it: JSON
 * `{"resetAt": ISO-8601, "reason": "...", "by": "..."}`. On-call resets the window after a fix
 * that makes the minutes before it unrepresentative (a config change on the default model, a
 * vendor incident that skewed one model); the judge then counts only the minutes after it. The
 * parameter is created holding `{}` (SSM refuses an empty value), which means no reset.
 * Pure module: no AWS import.
 */
export interface WindowReset {
  readonly resetAt: Date;
  readonly reason: string;
  readonly by: string;
}

/** What the parameter holds before any reset (the construct creates it with this value). */
export const NO_WINDOW_RESET = '{}';

/**
 * The parameter does not hold a reset record: the judge stops (no heartbeat, so it pages)
 * rather than guess whether a reset was meant.
 */
export class WindowResetRecordError extends Error {
  public constructor(parameterName: string, problem: string, options?: ErrorOptions) {
    super(
      `SSM parameter ${parameterName} must hold ${NO_WINDOW_RESET} or {"resetAt": ISO-8601, "reason": "...", "by": "..."}: ${problem}`,
      options,
    );
    this.name = 'WindowResetRecordError';
  }
}

/** The reset recorded in the parameter's value, or undefined for `{}` (no reset yet). */
export function parseWindowReset(parameterName: string, value: string): WindowReset | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new WindowResetRecordError(parameterName, 'not JSON', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new WindowResetRecordError(parameterName, 'not a JSON object');
  const record = parsed as Record<string, unknown>;
  if (Object.keys(record).length === 0) return undefined;
  const { resetAt, reason, by } = record;
  if (typeof resetAt !== 'string' || !ISO_INSTANT.test(resetAt) || Number.isNaN(Date.parse(resetAt)))
    throw new WindowResetRecordError(
      parameterName,
      `resetAt must be an ISO-8601 time (got ${JSON.stringify(resetAt)})`,
    );
  if (typeof reason !== 'string' || typeof by !== 'string')
    throw new WindowResetRecordError(parameterName, 'reason and by must be strings');
  return { resetAt: new Date(resetAt), reason, by };
}

/** The parameter value for a reset (what `recordWindowReset` writes). */
export function renderWindowReset(reset: WindowReset): string {
  return JSON.stringify({ resetAt: reset.resetAt.toISOString(), reason: reset.reason, by: reset.by });
}

// An instant with its zone: a bare date or a local time would mean a different moment per reader.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
