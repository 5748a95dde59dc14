import Anthropic from '@anthropic-ai/sdk';
import type { RolloutConfig } from '../../domain/config-schema';
import { applyRequestRules, type RequestRuleName } from '../../domain/request-rules';
import type { MessagesBody } from '../../gateway/messages-request';
import { CliError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { mapPool, replayCall } from './replay-calls';
import { reportLines, summarize, type ReplayResult, type ReplaySummary } from './replay-report';
import { ReplayInputError, readSample, type SampleRequest } from './replay-sample';

export interface ReplayOptions {
  readonly config: RolloutConfig;
  readonly file: string;
  readonly apiKey: string;
  readonly baseURL?: string;
  /** Replay at most this many requests (the first ones). */
  readonly maxRequests: number;
  /** Each request's max_tokens is lowered to this for the replay. */
  readonly maxTokens: number;
  readonly concurrency: number;
  readonly json: boolean;
  /** Print request bodies and the vendor's error messages (off: no prompt text in the output). */
  readonly showBodies: boolean;
  readonly print: (line: string) => void;
  readonly progress: (line: string) => void;
  readonly confirm: (question: string) => Promise<boolean>;
}

export interface ReplayReport {
  readonly defaultModel: { readonly alias: string; readonly vendorModelId: string };
  readonly newModel: {
    readonly alias: string;
    readonly vendorModelId: string;
    readonly requestRules: readonly RequestRuleName[];
  };
  readonly sampleRequests: number;
  /** Over --max-requests: not replayed. */
  readonly skipped: number;
  readonly maxTokens: number;
  readonly estimatedWorstCaseUsd: number;
  readonly notes: readonly string[];
  readonly summary: ReplaySummary;
  readonly results: readonly ReplayResult[];
}

/** Characters per token for the input estimate (English text; a high-side guess is fine for a cap). */
const CHARS_PER_TOKEN = 3;

/**
 * `rollout preflight --replay FILE`: sends each sample request to the default model (as sent)
 * and to the new model (with the gateway's request rules), and when a rule changed the body,
 * also sends the body as sent to the new model: refused as sent but accepted adapted means the
 * rules repair it. Streams are replayed non-streaming. Exit 0 when the new model took every
 * request (after the rules), 1 when it refused or failed any, 2 on bad input.
 */
export async function replay(o: ReplayOptions): Promise<{ exitCode: number; report?: ReplayReport }> {
  if (!o.apiKey) {
    throw new CliError('ANTHROPIC_API_KEY is not set: export the vendor API key to replay the sample with.', {
      exitCode: EXIT.usage,
    });
  }
  const { config } = o;
  const defaultAlias = config.llm.defaultModel;
  const newAlias = config.llm.newModelAlias;
  const defaultModel = config.llm.models[defaultAlias];
  const newModel = config.llm.models[newAlias];
  if (!defaultModel || !newModel)
    throw new CliError('the default or new model is not in llm.models', { exitCode: EXIT.usage });
  let sample: SampleRequest[];
  try {
    sample = readSample(o.file);
  } catch (err) {
    if (err instanceof ReplayInputError) throw new CliError(err.message, { exitCode: EXIT.usage, cause: err });
    throw err;
  }
  const rules = newModel.requestRules ?? [];
  const chosen = sample.slice(0, o.maxRequests);
  const planned = chosen.map((s) => {
    const body = { ...s.body, max_tokens: Math.min(s.body.max_tokens, o.maxTokens) } as MessagesBody;
    delete (body as { stream?: unknown }).stream;
    const adapted = applyRequestRules(body, rules, { maxOutputTokens: newModel.maxOutputTokens });
    return { sample: s, body, adapted };
  });

  const cost = planned.reduce((sum, p) => {
    const input = Math.ceil(JSON.stringify({ ...p.body, model: '' }).length / CHARS_PER_TOKEN);
    const call = (m: { inputUsdPerMillionTokens: number; outputUsdPerMillionTokens: number }, maxTokens: number) =>
      (input * m.inputUsdPerMillionTokens + maxTokens * m.outputUsdPerMillionTokens) / 1e6;
    return (
      sum +
      call(defaultModel, p.body.max_tokens) +
      call(newModel, p.adapted.body.max_tokens) +
      (p.adapted.applied.length > 0 ? call(newModel, p.body.max_tokens) : 0)
    );
  }, 0);
  const calls = planned.reduce((n, p) => n + (p.adapted.applied.length > 0 ? 3 : 2), 0);
  const costText = `$${cost.toFixed(4)}`;
  const intro = `replay: ${chosen.length} of ${sample.length} requests from ${o.file} to ${defaultAlias} and ${newAlias} (${calls} calls, max_tokens ≤ ${o.maxTokens}); worst-case cost ${costText}`;
  if (!o.json) o.print(intro);
  else o.progress(intro);
  if (!(await o.confirm(`Replay ${chosen.length} requests (${calls} calls, worst case ${costText})?`))) {
    o.print('replay: not confirmed; nothing was sent');
    return { exitCode: EXIT.notConfirmed };
  }

  const client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0 });
  let done = 0;
  const results = await mapPool(planned, o.concurrency, async (p): Promise<ReplayResult> => {
    const [d, n, unadapted] = await Promise.all([
      replayCall(client, defaultModel.vendorModelId, p.body),
      replayCall(client, newModel.vendorModelId, p.adapted.body),
      p.adapted.applied.length > 0 ? replayCall(client, newModel.vendorModelId, p.body) : Promise.resolve(undefined),
    ]);
    done += 1;
    o.progress(`replay: ${done}/${planned.length}`);
    const strip = <T extends { kind: string; message?: string }>(x: T): T =>
      o.showBodies || x.message === undefined ? x : { ...x, message: undefined };
    return {
      line: p.sample.line,
      stream: p.sample.stream,
      rulesApplied: p.adapted.applied,
      defaultModel: strip(d),
      newModel: strip(n),
      ...(unadapted ? { newModelUnadapted: strip(unadapted) } : {}),
      ...(o.showBodies ? { body: p.body } : {}),
    };
  });

  const summary = summarize(results);
  const notes = [
    ...(summary.streamReplayedNonStreaming > 0
      ? [`${summary.streamReplayedNonStreaming} stream requests were replayed non-streaming`]
      : []),
    `max_tokens of each request clamped to ${o.maxTokens} for the replay`,
  ];
  const report: ReplayReport = {
    defaultModel: { alias: defaultAlias, vendorModelId: defaultModel.vendorModelId },
    newModel: { alias: newAlias, vendorModelId: newModel.vendorModelId, requestRules: rules },
    sampleRequests: sample.length,
    skipped: sample.length - chosen.length,
    maxTokens: o.maxTokens,
    estimatedWorstCaseUsd: Number(cost.toFixed(6)),
    notes,
    summary,
    results,
  };
  if (o.json) o.print(JSON.stringify(report, null, 2));
  else for (const line of reportLines(results, { default: defaultAlias, new: newAlias }, o.showBodies)) o.print(line);
  const ok = summary.refused === 0 && summary.errors === 0;
  return { exitCode: ok ? EXIT.ok : EXIT.failed, report };
}
