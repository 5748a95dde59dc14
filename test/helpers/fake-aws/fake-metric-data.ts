import { json10QueryCompatibleError, type AwsErrorReply } from './error-replies';
import { numberField, ok, stringField, type Input, type Reply } from './reply';

/**
 * CloudWatch's metric store and GetMetricData, as the CloudWatch API Reference documents them
 * (MetricStat queries; math expressions and Metrics Insights are not implemented):
 *
 * - Raw values are kept per metric: namespace, name and the exact set of dimensions ("CloudWatch
 *   treats each unique combination of dimensions as a separate metric"), so a query must name the
 *   dimensions a value was published with.
 * - StartTime is inclusive, EndTime exclusive; StartTime (less than 15 days ago) is rounded down
 *   to the minute. Periods are aligned to the period from the epoch and stamped with their start.
 *   A period without data is left out, not answered 0. One-minute periods are kept for 15 days:
 *   older periods at Period < 300 come back empty.
 * - ScanBy defaults to TimestampDescending (newest first).
 * - At most 500 queries a call; at most MaxDatapoints (default and most 100,800) datapoints a
 *   page. Past them the answer pages: each result holding more than the page is PartialData, and
 *   NextToken continues where the page ended.
 * - Statistics: SampleCount, Sum, Average, Minimum, Maximum, pNN, and TC/PR with absolute
 *   bounds — `TC(a:b)` counts the values v with a < v ≤ b (a bound left out is open), `PR(a:b)`
 *   is their percentage — computed from the raw values (CloudWatch interpolates TC and may answer
 *   a decimal; the fake answers the exact count). A statistic CloudWatch would refuse is a
 *   ValidationError; one CloudWatch knows but the fake does not compute is refused as such.
 */
export interface MetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface Sample {
  readonly atMs: number;
  readonly value: number;
}

const JSON_1_0 = 'application/x-amz-json-1.0';
export const MAX_QUERIES = 500;
export const MAX_DATAPOINTS = 100_800;
const ONE_MINUTE_RETENTION_MS = 15 * 24 * 3_600_000;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

export class FakeMetricStore {
  private readonly samples = new Map<string, Sample[]>();
  /**
   * Pages smaller than MaxDatapoints: CloudWatch may answer PartialData with a NextToken for
   * reasons of its own ("an incomplete set of data points were returned"); tests set this to see
   * a caller page on.
   */
  public pageLimit = MAX_DATAPOINTS;
  /**
   * The StatusCode of every result of the next answer, when set (then cleared): "InternalError
   * indicates that an error occurred", which a caller must not read as a complete answer.
   */
  public nextResultStatus: 'InternalError' | 'Forbidden' | undefined;

  /** Forgets every value. */
  public clear(): void {
    this.samples.clear();
  }

  /** Puts raw values of one metric at `at` (what PutMetricData or an EMF line would store). */
  public put(key: MetricKey, at: Date, values: readonly number[]): void {
    const list = this.samples.get(keyOf(key)) ?? [];
    for (const value of values) list.push({ atMs: at.getTime(), value });
    this.samples.set(keyOf(key), list);
  }

  /**
   * Stores what CloudWatch Logs extracts from one EMF document (CloudWatch EMF specification):
   * every metric of every directive, once per dimension set, at `_aws.Timestamp`.
   */
  public ingestEmf(doc: Readonly<Record<string, unknown>>): void {
    const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
    if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics))
      throw new Error(`fake CloudWatch: not an EMF document: ${JSON.stringify(doc)}`);
    const at = new Date(aws.Timestamp);
    for (const directive of aws.CloudWatchMetrics as Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string }>;
    }>) {
      if (directive.Dimensions.length === 0)
        throw new Error('fake CloudWatch: an EMF directive with no dimension set (write [[]] for "no dimensions")');
      for (const set of directive.Dimensions) {
        const dimensions: Record<string, string> = {};
        for (const name of set) {
          const value = doc[name];
          if (typeof value !== 'string') throw new Error(`fake CloudWatch: EMF dimension ${name} has no string value`);
          dimensions[name] = value;
        }
        for (const { Name } of directive.Metrics) {
          const raw = doc[Name];
          const values = Array.isArray(raw) ? raw : [raw];
          if (!values.every((v): v is number => typeof v === 'number'))
            throw new Error(`fake CloudWatch: EMF metric ${Name} is not a number or an array of numbers`);
          this.put({ namespace: directive.Namespace, metricName: Name, dimensions }, at, values);
        }
      }
    }
  }

  public getMetricData(input: Input, now: Date): Reply {
    const parsed = parseRequest(input);
    if ('error' in parsed) return error(parsed.error);
    const { queries, startMs, endMs, descending, pageSize, offset } = parsed;
    const series = queries.map((q) => ({
      id: q.id,
      label: q.metricName,
      points: this.points(q, startMs, endMs, now, descending),
    }));
    const total = series.reduce((n, s) => n + s.points.length, 0);
    if (offset > total) return invalidNextToken();
    const size = Math.min(pageSize, this.pageLimit);
    let skip = offset;
    let room = size;
    const results = series.map((s) => {
      const from = Math.min(skip, s.points.length);
      skip -= from;
      const taken = s.points.slice(from, from + room);
      room -= taken.length;
      return {
        Id: s.id,
        Label: s.label,
        Timestamps: taken.map((p) => p.atMs / 1000),
        Values: taken.map((p) => p.value),
        StatusCode: from + taken.length < s.points.length ? 'PartialData' : 'Complete',
      };
    });
    const forced = this.nextResultStatus;
    this.nextResultStatus = undefined;
    if (forced) for (const r of results) r.StatusCode = forced;
    const next = offset + size;
    return ok(
      { MetricDataResults: results, Messages: [], ...(next < total ? { NextToken: `page-${next}` } : {}) },
      JSON_1_0,
    );
  }

  private points(q: MetricQuery, startMs: number, endMs: number, now: Date, descending: boolean): Sample[] {
    const samples = this.samples.get(keyOf(q)) ?? [];
    const periodMs = q.period * 1000;
    const byPeriod = new Map<number, number[]>();
    for (const s of samples) {
      if (s.atMs < startMs || s.atMs >= endMs) continue;
      const p = Math.floor(s.atMs / periodMs) * periodMs;
      if (q.period < 300 && p < now.getTime() - ONE_MINUTE_RETENTION_MS) continue;
      const list = byPeriod.get(p) ?? [];
      list.push(s.value);
      byPeriod.set(p, list);
    }
    const out: Sample[] = [];
    for (const [atMs, values] of byPeriod) {
      const value = q.stat(values);
      if (value !== undefined) out.push({ atMs, value });
    }
    return out.sort((a, b) => (descending ? b.atMs - a.atMs : a.atMs - b.atMs));
  }
}

interface MetricQuery extends MetricKey {
  readonly id: string;
  readonly period: number;
  readonly stat: (values: readonly number[]) => number | undefined;
}

interface ParsedRequest {
  readonly queries: MetricQuery[];
  readonly startMs: number;
  readonly endMs: number;
  readonly descending: boolean;
  readonly pageSize: number;
  readonly offset: number;
}

function parseRequest(input: Input): ParsedRequest | { error: AwsErrorReply } {
  const raw = input.MetricDataQueries;
  if (!Array.isArray(raw) || raw.length === 0) return { error: missing('MetricDataQueries') };
  if (raw.length > MAX_QUERIES)
    return {
      error: invalid(
        'InvalidParameterValue',
        `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
      ),
    };
  const start = numberField(input, 'StartTime');
  const end = numberField(input, 'EndTime');
  if (start === undefined) return { error: missing('StartTime') };
  if (end === undefined) return { error: missing('EndTime') };
  if (start >= end)
    return { error: invalid('ValidationError', 'The parameter StartTime must be less than the parameter EndTime.') };
  const maxDatapoints = numberField(input, 'MaxDatapoints');
  if (maxDatapoints !== undefined && (!Number.isInteger(maxDatapoints) || maxDatapoints < 1))
    return { error: invalid('ValidationError', 'The parameter MaxDatapoints must be a positive integer.') };
  const scanBy = stringField(input, 'ScanBy');
  if (scanBy !== undefined && scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
    return { error: invalid('ValidationError', `The value ${scanBy} for parameter ScanBy is not valid.`) };
  const token = stringField(input, 'NextToken');
  const offset = token === undefined ? 0 : /^page-\d+$/.test(token) ? Number(token.slice(5)) : -1;
  if (offset < 0) return { error: INVALID_NEXT_TOKEN };
  const queries: MetricQuery[] = [];
  const ids = new Set<string>();
  for (const [i, q] of raw.entries()) {
    const member = `MetricDataQueries.member.${i + 1}`;
    const parsed = parseQuery(q, member);
    if ('error' in parsed) return parsed;
    if (ids.has(parsed.id))
      return { error: invalid('ValidationError', `The value ${parsed.id} for parameter ${member}.Id is not unique.`) };
    ids.add(parsed.id);
    queries.push(parsed);
  }
  return {
    queries,
    // "Start time less than 15 days ago - Round down to the nearest whole minute."
    startMs: Math.floor(start / 60) * 60_000,
    endMs: end * 1000,
    descending: scanBy !== 'TimestampAscending',
    pageSize: Math.min(maxDatapoints ?? MAX_DATAPOINTS, MAX_DATAPOINTS),
    offset,
  };
}

function parseQuery(q: unknown, member: string): MetricQuery | { error: AwsErrorReply } {
  const query = (typeof q === 'object' && q !== null ? q : {}) as Input;
  const id = stringField(query, 'Id');
  if (id === undefined) return { error: missing(`${member}.Id`) };
  if (!ID.test(id))
    return {
      error: invalid(
        'ValidationError',
        `The value ${id} for parameter ${member}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
      ),
    };
  if (query.Expression !== undefined)
    return { error: notInFake(`${member}.Expression: fake CloudWatch implements MetricStat queries only`) };
  const stat = (typeof query.MetricStat === 'object' && query.MetricStat !== null ? query.MetricStat : undefined) as
    Input | undefined;
  if (!stat) return { error: missing(`${member}.MetricStat`) };
  const metric = (typeof stat.Metric === 'object' && stat.Metric !== null ? stat.Metric : {}) as Input;
  const namespace = stringField(metric, 'Namespace');
  const metricName = stringField(metric, 'MetricName');
  if (namespace === undefined) return { error: missing(`${member}.MetricStat.Metric.Namespace`) };
  if (metricName === undefined) return { error: missing(`${member}.MetricStat.Metric.MetricName`) };
  const dimensions: Record<string, string> = {};
  for (const d of Array.isArray(metric.Dimensions) ? (metric.Dimensions as Input[]) : []) {
    const name = stringField(d, 'Name');
    const value = stringField(d, 'Value');
    if (name === undefined || value === undefined) return { error: missing(`${member}.MetricStat.Metric.Dimensions`) };
    dimensions[name] = value;
  }
  const period = numberField(stat, 'Period');
  if (period === undefined) return { error: missing(`${member}.MetricStat.Period`) };
  // The fake stores standard-resolution data only, for which "the period can be as short as one
  // minute (60 seconds) and must be a multiple of 60".
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0)
    return {
      error: invalid(
        'ValidationError',
        `The parameter ${member}.MetricStat.Period must be a multiple of 60 for standard-resolution metrics.`,
      ),
    };
  const statName = stringField(stat, 'Stat');
  if (statName === undefined) return { error: missing(`${member}.MetricStat.Stat`) };
  const fn = statistic(statName);
  if (fn === 'unknown')
    return {
      error: invalid(
        'ValidationError',
        `The value ${statName} for parameter ${member}.MetricStat.Stat is not a valid statistic.`,
      ),
    };
  if (fn === 'not-in-fake')
    return { error: notInFake(`${member}.MetricStat.Stat ${statName}: fake CloudWatch does not compute it`) };
  return { id, namespace, metricName, dimensions, period, stat: fn };
}

type Statistic = (values: readonly number[]) => number | undefined;

const NUMBER = '(-?\\d+(?:\\.\\d+)?)';
const ABSOLUTE_RANGE = new RegExp(`^(TC|PR)\\(${NUMBER}?:${NUMBER}?\\)$`);
/** Statistics CloudWatch accepts that the fake does not compute (trimmed means, percent-bounded ranges, IQM...). */
const KNOWN_ELSEWHERE = /^(tm|wm|tc|ts)\d+(\.\d+)?$|^(TM|WM|TC|TS|PR)\(.*\)$|^IQM$/;

function statistic(name: string): Statistic | 'unknown' | 'not-in-fake' {
  switch (name) {
    case 'SampleCount':
      return (v) => v.length;
    case 'Sum':
      return (v) => v.reduce((a, b) => a + b, 0);
    case 'Average':
      return (v) => v.reduce((a, b) => a + b, 0) / v.length;
    case 'Minimum':
      return (v) => Math.min(...v);
    case 'Maximum':
      return (v) => Math.max(...v);
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(name);
  if (percentile) {
    const p = Number(percentile[1]);
    if (p > 100) return 'unknown';
    return (v) => {
      const sorted = [...v].sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
    };
  }
  const range = ABSOLUTE_RANGE.exec(name);
  if (range && (range[2] !== undefined || range[3] !== undefined)) {
    const low = range[2] === undefined ? -Infinity : Number(range[2]);
    const high = range[3] === undefined ? Infinity : Number(range[3]);
    if (low >= high) return 'unknown';
    const inRange = (v: readonly number[]): number => v.filter((x) => x > low && x <= high).length;
    // "These statistics are unavailable if any value is negative" (they need raw values ≥ 0).
    if (range[1] === 'TC') return (v) => (v.some((x) => x < 0) ? undefined : inRange(v));
    return (v) => (v.some((x) => x < 0) ? undefined : (100 * inRange(v)) / v.length);
  }
  return KNOWN_ELSEWHERE.test(name) ? 'not-in-fake' : 'unknown';
}

function keyOf(key: MetricKey): string {
  const dims = Object.entries(key.dimensions).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([key.namespace, key.metricName, dims]);
}

function invalid(code: string, message: string): AwsErrorReply {
  return { status: 400, code, message, fault: 'Sender' };
}

function missing(parameter: string): AwsErrorReply {
  return invalid('MissingParameter', `The parameter ${parameter} is required.`);
}

/** Amazon CloudWatch API Reference, GetMetricData: InvalidNextToken — "The next token specified is invalid." HTTP 400. */
const INVALID_NEXT_TOKEN: AwsErrorReply = invalid('InvalidNextToken', 'The next token specified is invalid.');

function invalidNextToken(): Reply {
  return error(INVALID_NEXT_TOKEN);
}

/** Valid for CloudWatch, but not implemented here: a test that needs it must extend the fake. */
function notInFake(message: string): AwsErrorReply {
  return { status: 400, code: 'NotImplementedInFake', message, fault: 'Sender' };
}

function error(e: AwsErrorReply): Reply {
  return json10QueryCompatibleError(e, 'com.amazonaws.cloudwatch');
}
