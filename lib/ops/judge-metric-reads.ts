import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { JUDGE_TIMING } from '../domain/judge/judge-invocation-timing';
import type { MinuteCounts, ModelMinute } from '../domain/judge/minute-counts';
import { MODEL_DIMENSION, ROUTE_DIMENSION, type ModelMetricName } from '../domain/metric-names';
import { JudgeMetricReadError } from './judge-metric-errors';

/**
 * Reads one window's per-minute gateway counts for both models from CloudWatch, for
 * `WindowTally.of`: MetricStat queries only (no math expressions, so CloudWatch pages with
 * NextToken instead of failing past its datapoint limit), Period 60, on the rollout route
 * ({Model: alias, Route: rollout}), as docs/DETECTION.md lists them.
 */

/**
 * Minutes this recent are not read yet: EMF metrics reach CloudWatch only after the log
 * batch carrying them is delivered and extracted, which AWS does not bound (the EMF docs only
 * advise M-of-N alarms for it). A minute read too early would count part of its calls, and an
 * early partial minute that holds failures but not yet the success logged after them would look
 * like a failure streak to the dead-model guard. A minute is read once this many minutes have
 * passed since it closed (JUDGE_TIMING.metricSettleSeconds, 3 minutes, which the time to
 * rollback counts too).
 */
export const SETTLE_MINUTES = JUDGE_TIMING.metricSettleSeconds / 60;

/** GetMetricData limits (API reference): queries per call without a Metrics Insights query, and datapoints. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** One-minute datapoints are kept for 15 days (older ones only at 5-minute periods and up). */
export const ONE_MINUTE_RETENTION_MS = 15 * 24 * 60 * 60 * 1000;

const PERIOD_SECONDS = 60;
const MINUTE_MS = 60_000;

export interface JudgeMetricTarget {
  /** The gateway's metric namespace. */
  readonly namespace: string;
  /** `Model` dimension values (catalog aliases). */
  readonly newModel: string;
  readonly defaultModel: string;
  /** Calls slower than this many ms count as slow. */
  readonly slowCallMs: number;
}

export interface MinutesRead {
  /** Every minute from `fromMs` (inclusive) to `toMs` (exclusive), in time order; minutes without data are zeros. */
  readonly minutes: MinuteCounts[];
  readonly fromMs: number;
  readonly toMs: number;
  /** The window started before one-minute data is kept: the minutes read start at the retention's edge. */
  readonly clippedToRetention: boolean;
  /** GetMetricData requests made (pages included) and queries sent over them. */
  readonly calls: number;
  readonly queries: number;
}

type Role = 'newModel' | 'defaultModel';
type Field = Exclude<keyof ModelMinute, 'modelRefusals'>;

/** One MetricStat query: which model, which ModelMinute field, which metric and statistic. */
export interface JudgeSeries {
  readonly id: string;
  readonly role: Role;
  readonly field: Field;
  readonly metric: ModelMetricName;
  readonly stat: string;
}

/**
 * The slow-call count is `TC(slowCallMs:)`: CloudWatch's trimmed count of the values above
 * slowCallMs (lower bound exclusive, no upper bound), which is the count itself. The other way,
 * SampleCount × (1 − PR(:slowCallMs)/100), multiplies a percentage by the minute's samples, so
 * any rounding of the percentage grows with the traffic, and it needs a second statistic to line
 * up with the first. TC can come back as a decimal (CloudWatch interpolates): it is rounded and
 * kept within the minute's latency samples.
 */
export function judgeSeries(target: JudgeMetricTarget): JudgeSeries[] {
  const perModel = (role: Role, prefix: string): JudgeSeries[] => [
    { id: `${prefix}_requests`, role, field: 'requests', metric: 'Requests', stat: 'Sum' },
    { id: `${prefix}_model_errors`, role, field: 'modelErrors', metric: 'ModelErrors', stat: 'Sum' },
    { id: `${prefix}_throttles`, role, field: 'throttles', metric: 'Throttles', stat: 'Sum' },
    {
      id: `${prefix}_moderation_checked`,
      role,
      field: 'moderationChecked',
      metric: 'ModerationFlags',
      stat: 'SampleCount',
    },
    { id: `${prefix}_moderation_flags`, role, field: 'moderationFlags', metric: 'ModerationFlags', stat: 'Sum' },
    { id: `${prefix}_latency_samples`, role, field: 'latencySamples', metric: 'Latency', stat: 'SampleCount' },
    { id: `${prefix}_slow_calls`, role, field: 'slowCalls', metric: 'Latency', stat: `TC(${target.slowCallMs}:)` },
  ];
  return [
    ...perModel('newModel', 'n'),
    // The breaker guards the new model only: its open-breaker skips count as new-model errors.
    { id: 'n_circuit_open', role: 'newModel', field: 'circuitOpen', metric: 'CircuitOpen', stat: 'Sum' },
    // Refusals the default model then answered: the default model has no counterpart to read.
    {
      id: 'n_incompatible_requests',
      role: 'newModel',
      field: 'incompatibleRequests',
      metric: 'IncompatibleRequests',
      stat: 'Sum',
    },
    ...perModel('defaultModel', 'd'),
  ];
}

export interface ReadMinutesOptions {
  /** Datapoints per call the reader plans for (the limit by default; tests make it smaller). */
  readonly maxDatapointsPerCall?: number;
  /** Aborts every GetMetricData call (the judge's deadline for its run). */
  readonly signal?: AbortSignal;
}

/**
 * The minutes of the window from `windowStartMs` that have settled by `nowMs`. A minute the
 * start falls inside is not read (WindowTally skips it too). Long windows are split into calls
 * of at most MAX_DATAPOINTS_PER_CALL datapoints (16 series: 6,300 minutes a call, so a 7-day
 * window of 10,080 minutes takes 2 calls, and the 15 days of one-minute retention 4), made one
 * after another so the judge stays far below GetMetricData's request rate.
 */
export async function readJudgeMinutes(
  cloudwatch: CloudWatchClient,
  target: JudgeMetricTarget,
  windowStartMs: number,
  nowMs: number,
  options: ReadMinutesOptions = {},
): Promise<MinutesRead> {
  const series = judgeSeries(target);
  if (series.length > MAX_QUERIES_PER_CALL) throw new Error(`${series.length} queries exceed one call's limit`);
  const retainedFrom = ceilMinute(nowMs - ONE_MINUTE_RETENTION_MS) + MINUTE_MS;
  const windowFrom = ceilMinute(windowStartMs);
  const fromMs = Math.max(windowFrom, retainedFrom);
  const toMs = floorMinute(nowMs - SETTLE_MINUTES * MINUTE_MS);
  const read = { fromMs, toMs: Math.max(fromMs, toMs), clippedToRetention: windowFrom < retainedFrom };
  if (toMs <= fromMs) return { ...read, minutes: [], calls: 0, queries: 0 };

  const maxDatapoints = Math.min(options.maxDatapointsPerCall ?? MAX_DATAPOINTS_PER_CALL, MAX_DATAPOINTS_PER_CALL);
  const minutesPerCall = Math.floor(maxDatapoints / series.length);
  if (minutesPerCall < 1)
    throw new Error(`${maxDatapoints} datapoints per call cannot hold one minute of ${series.length} series`);
  const values = new Map(series.map((s) => [s.id, new Map<number, number>()]));
  let calls = 0;
  let queries = 0;
  for (let start = fromMs; start < toMs; start += minutesPerCall * MINUTE_MS) {
    const end = Math.min(toMs, start + minutesPerCall * MINUTE_MS);
    const got = await readRange(cloudwatch, target, series, start, end, values, options.signal);
    calls += got.calls;
    queries += got.queries;
  }
  const minutes: MinuteCounts[] = [];
  for (let m = fromMs; m < toMs; m += MINUTE_MS) {
    const at = (id: string): number => values.get(id)?.get(m) ?? 0;
    minutes.push({
      minuteStartMs: m,
      newModel: modelMinute(series, 'newModel', at),
      defaultModel: modelMinute(series, 'defaultModel', at),
    });
  }
  return { ...read, minutes, calls, queries };
}

/** One model's minute from its series' values (CloudWatch omits minutes without data: zeros). */
export function modelMinute(series: readonly JudgeSeries[], role: Role, at: (id: string) => number): ModelMinute {
  const counts: Partial<Record<Field, number>> = {};
  for (const s of series) if (s.role === role) counts[s.field] = Math.max(0, Math.round(at(s.id)));
  const latencySamples = counts.latencySamples ?? 0;
  return {
    requests: counts.requests ?? 0,
    modelErrors: counts.modelErrors ?? 0,
    throttles: counts.throttles ?? 0,
    ...(counts.circuitOpen !== undefined ? { circuitOpen: counts.circuitOpen } : {}),
    ...(counts.incompatibleRequests !== undefined ? { incompatibleRequests: counts.incompatibleRequests } : {}),
    moderationChecked: counts.moderationChecked ?? 0,
    moderationFlags: counts.moderationFlags ?? 0,
    latencySamples,
    slowCalls: Math.min(counts.slowCalls ?? 0, latencySamples),
  };
}

async function readRange(
  cloudwatch: CloudWatchClient,
  target: JudgeMetricTarget,
  series: readonly JudgeSeries[],
  startMs: number,
  endMs: number,
  into: Map<string, Map<number, number>>,
  signal: AbortSignal | undefined,
): Promise<{ calls: number; queries: number }> {
  const queries = series.map((s): MetricDataQuery => query(target, s));
  let calls = 0;
  let nextToken: string | undefined;
  do {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(startMs),
        EndTime: new Date(endMs),
        // The default is newest first; the minutes are wanted oldest first (either works: they are keyed by time).
        ScanBy: 'TimestampAscending',
        MaxDatapoints: MAX_DATAPOINTS_PER_CALL,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
      { abortSignal: signal },
    );
    calls += 1;
    nextToken = out.NextToken;
    for (const result of out.MetricDataResults ?? []) collect(result, nextToken !== undefined, into, startMs, endMs);
  } while (nextToken);
  return { calls, queries: queries.length * calls };
}

function query(target: JudgeMetricTarget, s: JudgeSeries): MetricDataQuery {
  const model = s.role === 'newModel' ? target.newModel : target.defaultModel;
  return {
    Id: s.id,
    MetricStat: {
      Metric: {
        Namespace: target.namespace,
        MetricName: s.metric,
        Dimensions: [
          { Name: MODEL_DIMENSION, Value: model },
          { Name: ROUTE_DIMENSION, Value: 'rollout' },
        ],
      },
      Period: PERIOD_SECONDS,
      Stat: s.stat,
    },
    ReturnData: true,
  };
}

function collect(
  result: MetricDataResult,
  morePages: boolean,
  into: Map<string, Map<number, number>>,
  startMs: number,
  endMs: number,
): void {
  const id = result.Id ?? '?';
  const status = result.StatusCode ?? 'Complete';
  const messages = (result.Messages ?? []).map((m) => `${m.Code ?? '?'}: ${m.Value ?? ''}`).join('; ');
  if (status !== 'Complete' && !(status === 'PartialData' && morePages)) {
    throw new JudgeMetricReadError(
      `GetMetricData answered ${status} for ${id} (${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()})${messages ? `: ${messages}` : ''}`,
    );
  }
  const values = into.get(id);
  if (!values) throw new JudgeMetricReadError(`GetMetricData answered a result for ${id}, which was not asked for`);
  const timestamps = result.Timestamps ?? [];
  const numbers = result.Values ?? [];
  if (timestamps.length !== numbers.length)
    throw new JudgeMetricReadError(
      `GetMetricData answered ${timestamps.length} timestamps and ${numbers.length} values for ${id}`,
    );
  timestamps.forEach((t, i) => values.set(t.getTime(), numbers[i] ?? 0));
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function ceilMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}
