import type { RequestRuleName } from '../../domain/request-rules';
import type { CallOutcome } from './replay-calls';

/** One sample request, replayed. */
export interface ReplayResult {
  readonly line: number;
  /** The exported request asked for a stream (replayed non-streaming). */
  readonly stream: boolean;
  /** The request rules that changed the new model's copy. */
  readonly rulesApplied: readonly RequestRuleName[];
  readonly defaultModel: CallOutcome;
  /** The new model, with the rules applied (the gateway's call). */
  readonly newModel: CallOutcome;
  /** The new model with the body as sent, only when a rule changed it: tells whether the rules repair it. */
  readonly newModelUnadapted?: CallOutcome;
  /** The request body as replayed (max_tokens clamped); only with --show-bodies. */
  readonly body?: unknown;
}

export type Verdict = 'accepted' | 'repaired' | 'refused' | 'error';

/**
 * - refused: the new model refused it after the rules (the gateway would fall back, and count
 *   IncompatibleRequests);
 * - repaired: refused as sent, accepted once the rules changed it;
 * - error: the new model's call failed for another reason (429, 5xx, timeout): replay again;
 * - accepted: everything else.
 */
export function verdictOf(r: ReplayResult): Verdict {
  if (r.newModel.kind === 'refused') return 'refused';
  if (r.newModel.kind === 'error') return 'error';
  return r.newModelUnadapted?.kind === 'refused' ? 'repaired' : 'accepted';
}

/** What differs in the answers' shape: block types and order, stop_reason. */
export function shapeDifferences(r: ReplayResult): string[] {
  const d = r.defaultModel;
  const n = r.newModel;
  if (d.kind !== 'accepted' || n.kind !== 'accepted') return [];
  const out: string[] = [];
  if (d.blocks.join(',') !== n.blocks.join(','))
    out.push(`content [${d.blocks.join(', ')}] → [${n.blocks.join(', ')}]`);
  if (d.stopReason !== n.stopReason) out.push(`stop_reason ${String(d.stopReason)} → ${String(n.stopReason)}`);
  return out;
}

export interface ReplaySummary {
  readonly replayed: number;
  readonly accepted: number;
  readonly repaired: number;
  readonly refused: number;
  readonly errors: number;
  readonly shapeDifferences: number;
  readonly streamReplayedNonStreaming: number;
  /** Sums over requests both models answered: new / default; null when none did. */
  readonly latencyRatio: number | null;
  readonly inputTokenRatio: number | null;
  readonly outputTokenRatio: number | null;
}

export function summarize(results: readonly ReplayResult[]): ReplaySummary {
  const verdicts = results.map(verdictOf);
  const count = (v: Verdict): number => verdicts.filter((x) => x === v).length;
  const both = results.flatMap((r) =>
    r.defaultModel.kind === 'accepted' && r.newModel.kind === 'accepted' ? [[r.defaultModel, r.newModel] as const] : [],
  );
  const ratio = (pick: (o: Extract<CallOutcome, { kind: 'accepted' }>) => number): number | null => {
    const d = both.reduce((s, [a]) => s + pick(a), 0);
    const n = both.reduce((s, [, b]) => s + pick(b), 0);
    return both.length === 0 || d === 0 ? null : round(n / d);
  };
  return {
    replayed: results.length,
    accepted: count('accepted'),
    repaired: count('repaired'),
    refused: count('refused'),
    errors: count('error'),
    shapeDifferences: results.filter((r) => shapeDifferences(r).length > 0).length,
    streamReplayedNonStreaming: results.filter((r) => r.stream).length,
    latencyRatio: ratio((o) => o.latencyMs),
    inputTokenRatio: ratio((o) => o.inputTokens),
    outputTokenRatio: ratio((o) => o.outputTokens),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function outcomeCell(o: CallOutcome, showMessages: boolean): string {
  if (o.kind === 'accepted') return 'ok';
  const what = `${o.status ?? '-'} ${o.errorType}`;
  return o.kind === 'refused' && showMessages && o.message ? `${what}: ${o.message}` : what;
}

function ratioCell(a: number, b: number): string {
  return a === 0 ? '-' : `${round(b / a)}×`;
}

/** The table: one row per request, then the summary lines. No prompt text (bodies only when asked). */
export function reportLines(
  results: readonly ReplayResult[],
  models: { readonly default: string; readonly new: string },
  showBodies: boolean,
): string[] {
  const header = [
    'line',
    'verdict',
    models.default,
    `${models.new} (rules applied)`,
    'rules',
    'shape',
    'latency',
    'in tok',
    'out tok',
  ];
  const rows = results.map((r) => {
    const d = r.defaultModel;
    const n = r.newModel;
    const both = d.kind === 'accepted' && n.kind === 'accepted';
    return [
      String(r.line),
      verdictOf(r),
      outcomeCell(d, showBodies),
      outcomeCell(n, showBodies),
      r.rulesApplied.length ? r.rulesApplied.join('+') : '-',
      shapeDifferences(r).join('; ') || '-',
      both ? ratioCell(d.latencyMs, n.latencyMs) : '-',
      both ? ratioCell(d.inputTokens, n.inputTokens) : '-',
      both ? ratioCell(d.outputTokens, n.outputTokens) : '-',
    ];
  });
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const s = summarize(results);
  const ratio = (x: number | null): string => (x === null ? '-' : `${x}×`);
  lines.push(
    '',
    `replay: ${s.replayed} requests: ${s.accepted} accepted, ${s.repaired} repaired by the rules, ${s.refused} refused by ${models.new}, ${s.errors} failed (429/5xx/timeout: replay again)`,
    `replay: ${s.shapeDifferences} with a different answer shape; new/default: latency ${ratio(s.latencyRatio)}, input tokens ${ratio(s.inputTokenRatio)}, output tokens ${ratio(s.outputTokenRatio)}`,
  );
  if (s.streamReplayedNonStreaming > 0)
    lines.push(`replay: ${s.streamReplayedNonStreaming} stream requests were replayed non-streaming`);
  if (showBodies) for (const r of results) lines.push(`line ${r.line} body: ${JSON.stringify(r.body)}`);
  return lines;
}
