import { restJsonError, type AwsErrorReply } from './error-replies';
import { ok, stringField, type Input, type Reply } from './reply';

export type DeploymentState = 'BAKING' | 'VALIDATING' | 'DEPLOYING' | 'COMPLETE' | 'ROLLING_BACK' | 'ROLLED_BACK' | 'REVERTED';

export interface FakeDeployment {
  readonly number: number;
  readonly version: string;
  readonly strategyId: string;
  readonly description?: string;
  state: DeploymentState;
  percentComplete: number;
  readonly startedAt: Date;
  completedAt?: Date;
}

export interface AppConfigSeed {
  readonly applicationName: string;
  readonly environmentName: string;
  readonly profileName: string;
  /** Hosted versions, by label: the i-th label is version i + 1. */
  readonly labels: readonly string[];
  /** Deployment strategies, by name. */
  readonly strategyNames: readonly string[];
}

/** A request resolved to an AppConfig operation (how the recorder and fault injection name it). */
export interface AppConfigRequest {
  readonly operation: string;
  readonly params: Readonly<Record<string, string>>;
}

const APPLICATION_ID = 'app1';
const ENVIRONMENT_ID = 'env1';
const PROFILE_ID = 'prof1';
const IN_FLIGHT: readonly DeploymentState[] = ['DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK'];

/** AppConfig REST routes (method, path pattern) → operation name, as the SDK's model has them. */
const ROUTES: readonly [string, RegExp, string][] = [
  ['GET', /^\/applications$/, 'ListApplications'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments$/, 'ListEnvironments'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/configurationprofiles$/, 'ListConfigurationProfiles'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/configurationprofiles\/(?<profile>[^/]+)\/hostedconfigurationversions$/, 'ListHostedConfigurationVersions'],
  ['GET', /^\/deploymentstrategies$/, 'ListDeploymentStrategies'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments$/, 'ListDeployments'],
  ['POST', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments$/, 'StartDeployment'],
  ['GET', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments\/(?<number>\d+)$/, 'GetDeployment'],
  ['DELETE', /^\/applications\/(?<app>[^/]+)\/environments\/(?<env>[^/]+)\/deployments\/(?<number>\d+)$/, 'StopDeployment'],
];

/**
 * One AppConfig application with one environment and one feature-flag profile, answering the
 * REST JSON protocol (timestamps as ISO 8601 date-time, as the AppConfig model declares).
 * Like AppConfig, it runs one deployment at a time per environment: StartDeployment while
 * one is in flight is a ConflictException.
 */
export class FakeAppConfig {
  public readonly deployments: FakeDeployment[] = [];

  public constructor(private readonly seed: AppConfigSeed) {}

  public get applicationId(): string { return APPLICATION_ID; }
  public get environmentId(): string { return ENVIRONMENT_ID; }
  public get profileId(): string { return PROFILE_ID; }

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

  /** Adds a past deployment (numbered after the existing ones). */
  public addDeployment(d: Omit<FakeDeployment, 'number'>): FakeDeployment {
    const deployment = { ...d, number: this.deployments.length + 1 };
    this.deployments.push(deployment);
    return deployment;
  }

  public route(method: string, path: string): AppConfigRequest | undefined {
    for (const [m, pattern, operation] of ROUTES) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) return { operation, params: { ...match.groups } };
    }
    return undefined;
  }

  public handle(request: AppConfigRequest, input: Input, now: Date): Reply {
    const { operation, params } = request;
    if (params.app !== undefined && params.app !== APPLICATION_ID) return notFound(`Application ${params.app}`);
    if (params.env !== undefined && params.env !== ENVIRONMENT_ID) return notFound(`Environment ${params.env}`);
    if (params.profile !== undefined && params.profile !== PROFILE_ID) return notFound(`Configuration profile ${params.profile}`);
    switch (operation) {
      case 'ListApplications': return items([{ Id: APPLICATION_ID, Name: this.seed.applicationName }]);
      case 'ListEnvironments': return items([{ Id: ENVIRONMENT_ID, ApplicationId: APPLICATION_ID, Name: this.seed.environmentName, State: 'READY_FOR_DEPLOYMENT' }]);
      case 'ListConfigurationProfiles': return items([{ Id: PROFILE_ID, ApplicationId: APPLICATION_ID, Name: this.seed.profileName, Type: 'AWS.AppConfig.FeatureFlags' }]);
      case 'ListHostedConfigurationVersions':
        return items(this.seed.labels.map((label, i) => ({ ApplicationId: APPLICATION_ID, ConfigurationProfileId: PROFILE_ID, VersionNumber: i + 1, VersionLabel: label, ContentType: 'application/json' })));
      case 'ListDeploymentStrategies': return items(this.seed.strategyNames.map((name) => ({ Id: this.strategyIdOf(name), Name: name })));
      case 'ListDeployments': return items([...this.deployments].sort((a, b) => b.number - a.number).slice(0, 50).map(summary));
      case 'StartDeployment': return this.start(input, now);
      case 'GetDeployment': return this.withDeployment(params, (d) => ok(full(d), 'application/json'));
      case 'StopDeployment': return this.withDeployment(params, (d) => this.stop(d, now));
      default: return restJsonError({ status: 404, code: 'UnknownOperationException', message: `fake AppConfig has no ${operation}`, fault: 'Sender' });
    }
  }

  private start(input: Input, now: Date): Reply {
    const inFlight = this.deployments.find((d) => IN_FLIGHT.includes(d.state));
    if (inFlight) return restJsonError({ status: 409, code: 'ConflictException', message: `Deployment #${inFlight.number} is already in progress in environment ${ENVIRONMENT_ID}.`, fault: 'Sender' });
    const d = this.addDeployment({
      version: stringField(input, 'ConfigurationVersion') ?? '',
      strategyId: stringField(input, 'DeploymentStrategyId') ?? '',
      description: stringField(input, 'Description'),
      state: 'DEPLOYING',
      percentComplete: 0,
      startedAt: now,
    });
    return ok(full(d), 'application/json', 201);
  }

  /** A deployment in flight is rolled back (AllowRevert, for completed ones, is not modelled). */
  private stop(d: FakeDeployment, now: Date): Reply {
    if (!IN_FLIGHT.includes(d.state)) return restJsonError({ status: 400, code: 'BadRequestException', message: `Deployment #${d.number} is ${d.state}: nothing to stop.`, fault: 'Sender' });
    d.state = 'ROLLED_BACK';
    d.completedAt = now;
    return ok(full(d), 'application/json', 202);
  }

  private withDeployment(params: Readonly<Record<string, string>>, fn: (d: FakeDeployment) => Reply): Reply {
    const d = this.deployments.find((x) => String(x.number) === params.number);
    return d ? fn(d) : notFound(`Deployment #${params.number ?? '?'}`);
  }
}

function items(list: readonly unknown[]): Reply {
  return ok({ Items: list }, 'application/json');
}

function summary(d: FakeDeployment): Record<string, unknown> {
  return {
    DeploymentNumber: d.number, ConfigurationProfileId: PROFILE_ID, ConfigurationVersion: d.version, State: d.state,
    PercentageComplete: d.percentComplete, StartedAt: d.startedAt.toISOString(), ...(d.completedAt ? { CompletedAt: d.completedAt.toISOString() } : {}),
  };
}

function full(d: FakeDeployment): Record<string, unknown> {
  return { ...summary(d), ApplicationId: APPLICATION_ID, EnvironmentId: ENVIRONMENT_ID, DeploymentStrategyId: d.strategyId, Description: d.description };
}

function notFound(what: string): Reply {
  const e: AwsErrorReply = { status: 404, code: 'ResourceNotFoundException', message: `${what} not found.`, fault: 'Sender' };
  return restJsonError(e);
}
