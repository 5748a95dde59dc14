import { restJsonError, type AwsErrorReply } from './error-replies';
import { deploymentProgress, type StrategyTiming } from './fake-deployment-progress';
import { ok, stringField, type Input, type Reply } from './reply';

export type { StrategyTiming } from './fake-deployment-progress';
export type DeploymentState =
  'BAKING' | 'VALIDATING' | 'DEPLOYING' | 'COMPLETE' | 'ROLLING_BACK' | 'ROLLED_BACK' | 'REVERTED';
/** AWS AppConfig API Reference, DeploymentEvent: EventType and TriggeredBy. */
export type DeploymentEventType =
  | 'DEPLOYMENT_STARTED'
  | 'PERCENTAGE_UPDATED'
  | 'BAKE_TIME_STARTED'
  | 'DEPLOYMENT_COMPLETED'
  | 'ROLLBACK_STARTED'
  | 'ROLLBACK_COMPLETED'
  | 'REVERT_COMPLETED';
export type TriggeredBy = 'USER' | 'APPCONFIG' | 'CLOUDWATCH_ALARM' | 'INTERNAL_ERROR';

export interface FakeDeploymentEvent {
  readonly type: DeploymentEventType;
  readonly triggeredBy: TriggeredBy;
  readonly description: string;
  readonly occurredAt: Date;
}

export interface FakeDeployment {
  readonly number: number;
  readonly version: string;
  readonly strategyId: string;
  readonly description?: string;
  state: DeploymentState;
  percentComplete: number;
  readonly startedAt: Date;
  completedAt?: Date;
  readonly timing: StrategyTiming;
  /** The version in effect when it started: what a rollback or revert puts back (none for the first). */
  readonly previousVersion?: string;
  /** Newest first, as GetDeployment's EventLog lists them. */
  readonly events: FakeDeploymentEvent[];
  rollbackEndsAt?: Date;
}

/** A deployment a test puts in the past (or leaves in flight, to progress on the fake's clock). */
export interface SeedDeployment {
  readonly version: string;
  readonly strategyId: string;
  readonly description?: string;
  readonly state: DeploymentState;
  readonly percentComplete: number;
  readonly startedAt: Date;
  readonly completedAt?: Date;
  /** ROLLED_BACK or REVERTED: when that happened (its event log says so). */
  readonly undoneAt?: Date;
}

export interface AppConfigSeed {
  readonly applicationName: string;
  readonly environmentName: string;
  readonly profileName: string;
  /** Hosted versions, by label: the i-th label is version i + 1. */
  readonly labels: readonly string[];
  /** Deployment strategies, by name. */
  readonly strategyNames: readonly string[];
  /** Each strategy's duration, bake and growth, by name. @default all at once, no bake */
  readonly strategyTimings?: Readonly<Record<string, StrategyTiming>>;
  /** How long a rollback stays ROLLING_BACK before it is ROLLED_BACK. @default 10 */
  readonly rollbackSeconds?: number;
  /**
   * How long the monitor takes to act on its alarm: AppConfig checks its monitors on its own
   * schedule, so the rollback alarm's EventBridge event can reach the guard first. @default 0
   */
  readonly monitorDelaySeconds?: number;
  /** No deployment is instant, all-at-once included: it is DEPLOYING for at least this long. @default 1 */
  readonly minimumDeploySeconds?: number;
}

/** A request resolved to an AppConfig operation (how the recorder and fault injection name it). */
export interface AppConfigRequest {
  readonly operation: string;
  readonly params: Readonly<Record<string, string>>;
}

const APPLICATION_ID = 'app1';
const ENVIRONMENT_ID = 'env1';
const PROFILE_ID = 'prof1';
const IN_PROGRESS: readonly DeploymentState[] = ['DEPLOYING', 'BAKING', 'VALIDATING'];
const UNSETTLED: readonly DeploymentState[] = [...IN_PROGRESS, 'ROLLING_BACK'];
const ALL_AT_ONCE: StrategyTiming = { durationMinutes: 0, finalBakeMinutes: 0, growthFactor: 100 };
/** AWS AppConfig API Reference, StopDeployment: "AppConfig only allows a revert within 72 hours of deployment completion." */
const REVERT_WINDOW_MS = 72 * 3_600_000;

/** AppConfig REST routes (method, path pattern) → operation name, as the SDK's model has them. */
const ROUTES: readonly [string, RegExp, string][] = [
  ['GET', /^\/applications$/, 'ListApplications'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments$/, 'ListEnvironments'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/configurationprofiles$/, 'ListConfigurationProfiles'],
  [
    'GET',
    /^\/applications\/(?<app>[^/]+)\/configurationprofiles\/(?<profile>[^/]+)\/hostedconfigurationversions$/,
    'ListHostedConfigurationVersions',
  ],
  ['GET', /^\/deploymentstrategies$/, 'ListDeploymentStrategies'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments$/, 'ListDeployments'],
  ['POST', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments$/, 'StartDeployment'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments\/(?<number>\d+)$/, 'GetDeployment'],
  [
    'DELETE',
    /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments\/(?<number>\d+)$/,
    'StopDeployment',
  ],
];

/**
 * One AppConfig application with one environment and one feature-flag profile, answering the
 * REST JSON protocol (timestamps as ISO 8601 date-time, as the AppConfig model declares), and
 * running deployments as AppConfig documents them, on the clock each request brings:
 *
 * - A deployment is DEPLOYING for its strategy's duration, BAKING for its final bake, then
 *   COMPLETE, when its version becomes the one in effect.
 * - One deployment at a time per environment: StartDeployment while one is in progress or
 *   rolling back is a ConflictException.
 * - AWS AppConfig User Guide, "Monitoring deployments for automatic rollback": a monitor alarm
 *   in ALARM or INSUFFICIENT_DATA during a deployment or its bake rolls it back — unless the
 *   alarm's actions are disabled. (The fake sees the alarm as it is at each request, and acts
 *   `monitorDelaySeconds` after it started firing.)
 * - AWS AppConfig API Reference, StopDeployment: "This API action works only on deployments that
 *   have a status of DEPLOYING, unless an AllowRevert parameter is supplied. If the AllowRevert
 *   parameter is supplied, the status of an in-progress deployment will be ROLLED_BACK. The
 *   status of a completed deployment will be REVERTED. AppConfig only allows a revert within 72
 *   hours of deployment completion." Anything else is a BadRequestException.
 * - A rollback is ROLLING_BACK for `rollbackSeconds`, then ROLLED_BACK; after it, or a revert,
 *   the version in effect before the deployment is in effect again.
 * - Every step lands in the deployment's EventLog with its time (GetDeployment).
 *
 * Where the reference is silent the fake is strict: reverting a deployment that has no version
 * before it, or that is no longer the one in effect, is a BadRequestException.
 */
export class FakeAppConfig {
  public readonly deployments: FakeDeployment[] = [];
  private live?: string;
  private monitor: () => Date | undefined = () => undefined;

  public constructor(private readonly seed: AppConfigSeed) {}

  public get applicationId(): string {
    return APPLICATION_ID;
  }
  public get environmentId(): string {
    return ENVIRONMENT_ID;
  }
  public get profileId(): string {
    return PROFILE_ID;
  }

  /** The version every environment ends up with once nothing is in progress (undefined: never deployed). */
  public get liveVersion(): string | undefined {
    return this.live;
  }

  public versionOf(label: string): string {
    const i = this.seed.labels.indexOf(label);
    if (i < 0) throw new Error(`fake AppConfig: no version labelled ${label}`);
    return String(i + 1);
  }

  public strategyIdOf(name: string): string {
    const i = this.seed.strategyNames.indexOf(name);
    if (i < 0) throw new Error(`fake AppConfig: no strategy ${name}`);
    return `strat${i}`;
  }

  /**
   * The environment's monitor: since when its alarm would roll a deployment back (in ALARM or
   * INSUFFICIENT_DATA with its actions enabled), or undefined while it would not.
   */
  public watch(firingSince: () => Date | undefined): void {
    this.monitor = firingSince;
  }

  /** Adds a past deployment (numbered after the existing ones), with the event log it would have. */
  public addDeployment(d: SeedDeployment): FakeDeployment {
    const deployment: FakeDeployment = {
      number: this.deployments.length + 1,
      version: d.version,
      strategyId: d.strategyId,
      description: d.description,
      state: d.state,
      percentComplete: d.percentComplete,
      startedAt: d.startedAt,
      completedAt: d.completedAt,
      timing: this.timingOf(d.strategyId),
      previousVersion: this.live,
      events: [],
    };
    log(deployment, 'DEPLOYMENT_STARTED', 'USER', d.startedAt);
    if (d.completedAt && (d.state === 'COMPLETE' || d.state === 'REVERTED'))
      log(deployment, 'DEPLOYMENT_COMPLETED', 'APPCONFIG', d.completedAt);
    if (d.state === 'COMPLETE') this.live = d.version;
    if (d.state === 'REVERTED') log(deployment, 'REVERT_COMPLETED', 'USER', d.undoneAt ?? d.completedAt ?? d.startedAt);
    if (d.state === 'ROLLED_BACK') {
      log(deployment, 'ROLLBACK_STARTED', 'USER', d.undoneAt ?? d.startedAt);
      log(deployment, 'ROLLBACK_COMPLETED', 'APPCONFIG', d.undoneAt ?? d.startedAt);
    }
    this.deployments.push(deployment);
    return deployment;
  }

  /** Moves every deployment on to `now`: progress, bake, monitor rollbacks, rollbacks settling. */
  public advance(now: Date): void {
    for (const d of this.deployments) this.progress(d, now);
  }

  public route(method: string, path: string): AppConfigRequest | undefined {
    for (const [m, pattern, operation] of ROUTES) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) return { operation, params: { ...match.groups } };
    }
    return undefined;
  }

  public handle(
    request: AppConfigRequest,
    input: Input,
    now: Date,
    headers: Readonly<Record<string, string>> = {},
  ): Reply {
    this.advance(now);
    const { operation, params } = request;
    if (params.app !== undefined && params.app !== APPLICATION_ID) return notFound(`Application ${params.app}`);
    if (params.env !== undefined && params.env !== ENVIRONMENT_ID) return notFound(`Environment ${params.env}`);
    if (params.profile !== undefined && params.profile !== PROFILE_ID)
      return notFound(`Configuration profile ${params.profile}`);
    switch (operation) {
      case 'ListApplications':
        return items([{ Id: APPLICATION_ID, Name: this.seed.applicationName }]);
      case 'ListEnvironments':
        return items([
          {
            Id: ENVIRONMENT_ID,
            ApplicationId: APPLICATION_ID,
            Name: this.seed.environmentName,
            State: 'READY_FOR_DEPLOYMENT',
          },
        ]);
      case 'ListConfigurationProfiles':
        return items([
          {
            Id: PROFILE_ID,
            ApplicationId: APPLICATION_ID,
            Name: this.seed.profileName,
            Type: 'AWS.AppConfig.FeatureFlags',
          },
        ]);
      case 'ListHostedConfigurationVersions':
        return items(
          this.seed.labels.map((label, i) => ({
            ApplicationId: APPLICATION_ID,
            ConfigurationProfileId: PROFILE_ID,
            VersionNumber: i + 1,
            VersionLabel: label,
            ContentType: 'application/json',
          })),
        );
      case 'ListDeploymentStrategies':
        return items(this.seed.strategyNames.map((name) => ({ Id: this.strategyIdOf(name), Name: name })));
      case 'ListDeployments':
        return items(
          [...this.deployments]
            .sort((a, b) => b.number - a.number)
            .slice(0, 50)
            .map(summary),
        );
      case 'StartDeployment':
        return this.start(input, now);
      case 'GetDeployment':
        return this.withDeployment(params, (d) => ok(full(d), 'application/json'));
      // The SDK sends AllowRevert as the Allow-Revert header (the operation has no body).
      case 'StopDeployment':
        return this.withDeployment(params, (d) => this.stop(d, headers['allow-revert'] === 'true', now));
      default:
        return restJsonError({
          status: 404,
          code: 'UnknownOperationException',
          message: `fake AppConfig has no ${operation}`,
          fault: 'Sender',
        });
    }
  }

  private start(input: Input, now: Date): Reply {
    const busy = this.unsettled();
    if (busy) return conflict(`Deployment #${busy.number} is already in progress in environment ${ENVIRONMENT_ID}.`);
    const version = stringField(input, 'ConfigurationVersion') ?? '';
    const strategyId = stringField(input, 'DeploymentStrategyId') ?? '';
    if (!/^\d+$/.test(version) || Number(version) < 1 || Number(version) > this.seed.labels.length)
      return notFound(`Configuration version ${version}`);
    if (!this.seed.strategyNames.some((name) => this.strategyIdOf(name) === strategyId))
      return notFound(`Deployment strategy ${strategyId}`);
    const d: FakeDeployment = {
      number: this.deployments.length + 1,
      version,
      strategyId,
      description: stringField(input, 'Description'),
      state: 'DEPLOYING',
      percentComplete: 0,
      startedAt: now,
      timing: this.timingOf(strategyId),
      previousVersion: this.live,
      events: [],
    };
    log(d, 'DEPLOYMENT_STARTED', 'USER', now);
    this.deployments.push(d);
    // Answered DEPLOYING, as AppConfig does; it moves on from the next request.
    return ok(full(d), 'application/json', 201);
  }

  private stop(d: FakeDeployment, allowRevert: boolean, now: Date): Reply {
    if (!allowRevert) {
      if (d.state !== 'DEPLOYING')
        return badRequest(
          `Deployment #${d.number} is ${d.state}: StopDeployment works only on a DEPLOYING deployment unless AllowRevert is supplied.`,
        );
      this.rollBack(d, now, 'USER');
      return ok(full(d), 'application/json', 202);
    }
    if (IN_PROGRESS.includes(d.state)) {
      this.rollBack(d, now, 'USER');
      return ok(full(d), 'application/json', 202);
    }
    if (d.state !== 'COMPLETE')
      return badRequest(
        `Deployment #${d.number} is ${d.state}: only an in-progress or COMPLETE deployment can be stopped or reverted.`,
      );
    if (now.getTime() - (d.completedAt ?? d.startedAt).getTime() >= REVERT_WINDOW_MS) {
      return badRequest(
        `Deployment #${d.number} completed more than 72 hours ago: AppConfig only allows a revert within 72 hours of deployment completion.`,
      );
    }
    const busy = this.unsettled();
    if (busy) return conflict(`Deployment #${busy.number} is in progress in environment ${ENVIRONMENT_ID}.`);
    if (d.previousVersion === undefined)
      return badRequest(`Deployment #${d.number} has no previous configuration version to revert to.`);
    if (this.live !== d.version || this.newestComplete() !== d)
      return badRequest(`Deployment #${d.number} is not the deployment in effect: only that one can be reverted.`);
    d.state = 'REVERTED';
    log(d, 'REVERT_COMPLETED', 'USER', now);
    this.live = d.previousVersion;
    return ok(full(d), 'application/json', 202);
  }

  private progress(d: FakeDeployment, now: Date): void {
    if (IN_PROGRESS.includes(d.state)) {
      const deployMs = Math.max(d.timing.durationMinutes * 60_000, (this.seed.minimumDeploySeconds ?? 1) * 1000);
      const bakeStarts = new Date(d.startedAt.getTime() + deployMs);
      const ends = new Date(bakeStarts.getTime() + d.timing.finalBakeMinutes * 60_000);
      const since = this.monitor();
      const firing = since && new Date(since.getTime() + (this.seed.monitorDelaySeconds ?? 0) * 1000);
      const rollbackAt = firing && (firing > d.startedAt ? firing : d.startedAt);
      const rollsBack = rollbackAt !== undefined && rollbackAt <= (now < ends ? now : ends);
      // Time runs up to the rollback, if there is one, else up to now.
      const until = rollsBack ? rollbackAt : now;
      if (d.state === 'DEPLOYING' && until >= bakeStarts) {
        d.state = 'BAKING';
        log(d, 'BAKE_TIME_STARTED', 'APPCONFIG', bakeStarts);
      }
      d.percentComplete =
        d.state === 'DEPLOYING' ? deploymentProgress(d.timing, until.getTime() - d.startedAt.getTime()) : 100;
      if (rollsBack) {
        this.rollBack(d, rollbackAt, 'CLOUDWATCH_ALARM');
      } else if (d.state === 'BAKING' && now >= ends) {
        d.state = 'COMPLETE';
        d.completedAt = ends;
        log(d, 'DEPLOYMENT_COMPLETED', 'APPCONFIG', ends);
        this.live = d.version;
      }
    }
    if (d.state === 'ROLLING_BACK' && d.rollbackEndsAt && now >= d.rollbackEndsAt) {
      d.state = 'ROLLED_BACK';
      log(d, 'ROLLBACK_COMPLETED', 'APPCONFIG', d.rollbackEndsAt);
    }
  }

  /** Rolling back leaves the version in effect as it was: the deployment never completed. */
  private rollBack(d: FakeDeployment, at: Date, by: TriggeredBy): void {
    d.state = 'ROLLING_BACK';
    d.rollbackEndsAt = new Date(at.getTime() + (this.seed.rollbackSeconds ?? 10) * 1000);
    log(d, 'ROLLBACK_STARTED', by, at);
  }

  private unsettled(): FakeDeployment | undefined {
    return this.deployments.find((d) => UNSETTLED.includes(d.state));
  }

  private newestComplete(): FakeDeployment | undefined {
    return [...this.deployments].reverse().find((d) => d.state === 'COMPLETE');
  }

  private timingOf(strategyId: string): StrategyTiming {
    const name = this.seed.strategyNames.find((n) => this.strategyIdOf(n) === strategyId);
    return (name !== undefined ? this.seed.strategyTimings?.[name] : undefined) ?? ALL_AT_ONCE;
  }

  private withDeployment(params: Readonly<Record<string, string>>, fn: (d: FakeDeployment) => Reply): Reply {
    const d = this.deployments.find((x) => String(x.number) === params.number);
    return d ? fn(d) : notFound(`Deployment #${params.number ?? '?'}`);
  }
}

function log(d: FakeDeployment, type: DeploymentEventType, triggeredBy: TriggeredBy, occurredAt: Date): void {
  d.events.unshift({
    type,
    triggeredBy,
    description: `${type.toLowerCase().replace(/_/g, ' ')} (#${d.number})`,
    occurredAt,
  });
}

function items(list: readonly unknown[]): Reply {
  return ok({ Items: list }, 'application/json');
}

function summary(d: FakeDeployment): Record<string, unknown> {
  return {
    DeploymentNumber: d.number,
    ConfigurationProfileId: PROFILE_ID,
    ConfigurationVersion: d.version,
    State: d.state,
    PercentageComplete: d.percentComplete,
    DeploymentDurationInMinutes: d.timing.durationMinutes,
    FinalBakeTimeInMinutes: d.timing.finalBakeMinutes,
    GrowthFactor: d.timing.growthFactor,
    GrowthType: 'LINEAR',
    StartedAt: d.startedAt.toISOString(),
    ...(d.completedAt ? { CompletedAt: d.completedAt.toISOString() } : {}),
  };
}

function full(d: FakeDeployment): Record<string, unknown> {
  return {
    ...summary(d),
    ApplicationId: APPLICATION_ID,
    EnvironmentId: ENVIRONMENT_ID,
    DeploymentStrategyId: d.strategyId,
    Description: d.description,
    EventLog: d.events.map((e) => ({
      EventType: e.type,
      TriggeredBy: e.triggeredBy,
      Description: e.description,
      OccurredAt: e.occurredAt.toISOString(),
    })),
  };
}

function notFound(what: string): Reply {
  const e: AwsErrorReply = {
    status: 404,
    code: 'ResourceNotFoundException',
    message: `${what} not found.`,
    fault: 'Sender',
  };
  return restJsonError(e);
}

function badRequest(message: string): Reply {
  return restJsonError({ status: 400, code: 'BadRequestException', message, fault: 'Sender' });
}

function conflict(message: string): Reply {
  return restJsonError({ status: 409, code: 'ConflictException', message, fault: 'Sender' });
}
