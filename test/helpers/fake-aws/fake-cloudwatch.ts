import { json10QueryCompatibleError, type AwsErrorReply } from './error-replies';
import { FakeMetricStore } from './fake-metric-data';
import { numberField, ok, stringField, stringListField, type Input, type Reply } from './reply';

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

interface Alarm {
  readonly name: string;
  readonly type: AlarmType;
  state: AlarmState;
  reason: string;
  updatedAt: Date;
  actionsEnabled: boolean;
  /** When the actions were last enabled (creation, or EnableAlarmActions). */
  actionsEnabledAt: Date;
}

interface HistoryItem {
  readonly alarmName: string;
  readonly alarmType: AlarmType;
  readonly timestamp: Date;
  readonly type: HistoryItemType;
  readonly summary: string;
  readonly data: string;
}

const JSON_1_0 = 'application/x-amz-json-1.0';
const ACCOUNT = '123456789012';

/**
 * CloudWatch alarms and their history, and metric data (fake-metric-data.ts), answering the
 * JSON 1.0 protocol the SDK speaks (timestamps as epoch seconds) the way the CloudWatch API
 * Reference documents it. In
 * particular, AlarmTypes defaults to metric alarms only, on both DescribeAlarms and
 * DescribeAlarmHistory: a caller that forgets it never sees composite alarms.
 */
export class FakeCloudWatch {
  private readonly alarms = new Map<string, Alarm>();
  private readonly history: HistoryItem[] = [];
  /** Metric values (put raw, or from EMF documents) that GetMetricData reads. */
  public readonly metrics = new FakeMetricStore();

  public constructor(private readonly region = 'us-east-1') {}

  /** Creates an alarm in `state` (and its "Alarm created" ConfigurationUpdate history item). */
  public putAlarm(name: string, type: AlarmType, at: Date, state: AlarmState = 'INSUFFICIENT_DATA'): this {
    this.alarms.set(name, {
      name,
      type,
      state,
      reason: 'Unchecked: Initial alarm creation',
      updatedAt: at,
      actionsEnabled: true,
      actionsEnabledAt: at,
    });
    this.record(name, type, at, 'ConfigurationUpdate', `Alarm "${name}" created`, { version: '1.0', type: 'Create' });
    return this;
  }

  /** Moves an alarm to `state` at `at`, recording the StateUpdate history item CloudWatch would. */
  public setState(name: string, state: AlarmState, at: Date, reason = `Threshold crossed (fake, ${state})`): this {
    const alarm = this.alarm(name);
    const oldState = { stateValue: alarm.state, stateReason: alarm.reason };
    alarm.state = state;
    alarm.reason = reason;
    alarm.updatedAt = at;
    this.record(name, alarm.type, at, 'StateUpdate', `Alarm updated from ${oldState.stateValue} to ${state}`, {
      version: '1.0',
      oldState,
      newState: { stateValue: state, stateReason: reason },
    });
    return this;
  }

  public actionsEnabled(name: string): boolean {
    return this.alarm(name).actionsEnabled;
  }

  /** Disables or enables an alarm's actions as someone at the console would, at `at`. */
  public setActionsEnabled(name: string, enabled: boolean, at: Date): this {
    const alarm = this.alarm(name);
    if (enabled && !alarm.actionsEnabled) alarm.actionsEnabledAt = at;
    alarm.actionsEnabled = enabled;
    return this;
  }

  /**
   * Since when the alarm would make an AppConfig monitor roll a deployment back, or undefined.
   * AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": ALARM or
   * INSUFFICIENT_DATA rolls back, but "A deployment doesn't automatically roll back if actions
   * have been disabled in an associated CloudWatch alarm."
   */
  public firingSince(name: string): Date | undefined {
    const alarm = this.alarm(name);
    if (!alarm.actionsEnabled || alarm.state === 'OK') return undefined;
    return alarm.updatedAt > alarm.actionsEnabledAt ? alarm.updatedAt : alarm.actionsEnabledAt;
  }

  /** Answers one JSON 1.0 operation (the part of x-amz-target after the dot), at `now`. */
  public handle(operation: string, input: Input, now: Date = new Date()): Reply {
    switch (operation) {
      case 'DescribeAlarms':
        return this.describeAlarms(input);
      case 'DescribeAlarmHistory':
        return this.describeAlarmHistory(input);
      case 'DisableAlarmActions':
        return this.setActions(input, false, now);
      case 'EnableAlarmActions':
        return this.setActions(input, true, now);
      case 'GetMetricData':
        return this.metrics.getMetricData(input, now);
      default:
        return error({
          status: 400,
          code: 'UnknownOperationException',
          message: `fake CloudWatch has no ${operation}`,
          fault: 'Sender',
        });
    }
  }

  /**
   * CloudWatch API Reference, DescribeAlarms: AlarmTypes — "If you omit this parameter, only
   * metric alarms are returned, even if composite alarms exist in the account." AlarmNamePrefix
   * cannot be combined with AlarmNames.
   */
  private describeAlarms(input: Input): Reply {
    const names = stringListField(input, 'AlarmNames');
    const prefix = stringField(input, 'AlarmNamePrefix');
    if (names && prefix !== undefined) {
      return error(
        {
          status: 400,
          code: 'InvalidParameterCombination',
          message: 'AlarmNamePrefix cannot be specified with AlarmNames.',
          fault: 'Sender',
        },
        'com.amazonaws.cloudwatch',
      );
    }
    const types = alarmTypes(input);
    const state = stringField(input, 'StateValue');
    const matching = [...this.alarms.values()]
      .filter((a) => types.includes(a.type))
      .filter((a) => (names ? names.includes(a.name) : prefix === undefined || a.name.startsWith(prefix)))
      .filter((a) => state === undefined || a.state === state)
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(matching, input, 100, 50);
    return ok(
      {
        MetricAlarms: page.filter((a) => a.type === 'MetricAlarm').map((a) => this.describe(a)),
        CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map((a) => this.describe(a)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      },
      JSON_1_0,
    );
  }

  /**
   * CloudWatch API Reference, DescribeAlarmHistory: AlarmTypes — "If you omit this parameter,
   * only metric alarms are returned." So a composite alarm's history comes back only when
   * CompositeAlarm is asked for, even when it is named in AlarmName.
   */
  private describeAlarmHistory(input: Input): Reply {
    const name = stringField(input, 'AlarmName');
    const types = alarmTypes(input);
    const itemType = stringField(input, 'HistoryItemType');
    const start = numberField(input, 'StartDate');
    const end = numberField(input, 'EndDate');
    const ascending = stringField(input, 'ScanBy') === 'TimestampAscending';
    const matching = this.history
      .filter((h) => name === undefined || h.alarmName === name)
      .filter((h) => types.includes(h.alarmType))
      .filter((h) => itemType === undefined || h.type === itemType)
      .filter((h) => start === undefined || h.timestamp.getTime() >= start * 1000)
      .filter((h) => end === undefined || h.timestamp.getTime() <= end * 1000)
      .sort((a, b) => (ascending ? 1 : -1) * (a.timestamp.getTime() - b.timestamp.getTime()));
    const { page, nextToken } = paginate(matching, input, 100, 100);
    return ok(
      {
        AlarmHistoryItems: page.map((h) => ({
          AlarmName: h.alarmName,
          AlarmType: h.alarmType,
          Timestamp: epochSeconds(h.timestamp),
          HistoryItemType: h.type,
          HistorySummary: h.summary,
          HistoryData: h.data,
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      },
      JSON_1_0,
    );
  }

  private setActions(input: Input, enabled: boolean, now: Date): Reply {
    for (const name of stringListField(input, 'AlarmNames') ?? []) {
      if (this.alarms.has(name)) this.setActionsEnabled(name, enabled, now);
    }
    return ok({}, JSON_1_0);
  }

  private describe(a: Alarm): Record<string, unknown> {
    return {
      AlarmName: a.name,
      AlarmArn: `arn:aws:cloudwatch:${this.region}:${ACCOUNT}:alarm:${a.name}`,
      StateValue: a.state,
      StateReason: a.reason,
      StateUpdatedTimestamp: epochSeconds(a.updatedAt),
      ActionsEnabled: a.actionsEnabled,
    };
  }

  private alarm(name: string): Alarm {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`fake CloudWatch: no alarm ${name} (putAlarm it first)`);
    return alarm;
  }

  private record(
    alarmName: string,
    alarmType: AlarmType,
    timestamp: Date,
    type: HistoryItemType,
    summary: string,
    data: unknown,
  ): void {
    this.history.push({ alarmName, alarmType, timestamp, type, summary, data: JSON.stringify(data) });
  }
}

function alarmTypes(input: Input): AlarmType[] {
  const asked = stringListField(input, 'AlarmTypes')?.filter(
    (t): t is AlarmType => t === 'MetricAlarm' || t === 'CompositeAlarm',
  );
  return asked && asked.length ? asked : ['MetricAlarm'];
}

/** MaxRecords and an opaque NextToken (an offset here; AWS's tokens are opaque too). */
function paginate<T>(
  items: readonly T[],
  input: Input,
  max: number,
  fallback: number,
): { page: T[]; nextToken?: string } {
  const size = Math.min(max, Math.max(1, numberField(input, 'MaxRecords') ?? fallback));
  const from = Number(stringField(input, 'NextToken') ?? '0');
  const page = items.slice(from, from + size);
  return from + size < items.length ? { page, nextToken: String(from + size) } : { page };
}

function epochSeconds(d: Date): number {
  return d.getTime() / 1000;
}

function error(e: AwsErrorReply, namespace?: string): Reply {
  return json10QueryCompatibleError(e, namespace);
}
