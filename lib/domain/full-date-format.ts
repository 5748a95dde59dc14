/**
 * JSON Schema's `date` format (draft-07: RFC 3339 `full-date`, e.g. 2026-12-01). AWS's
 * feature-flags schema uses it for a flag's `_deprecation.date`; Ajv ships no formats of its
 * own and refuses to compile a schema that names an unknown one.
 */
export function isFullDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Let Date roll an impossible day over (02-30 → 03-02), then see whether it had to.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
