import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { agentLayerArn } from '../domain/appconfig-agent-layers';
import type { RolloutConfig } from '../domain/config-schema';
import { gatewaySettingsFrom } from '../domain/gateway-settings';
import { GATEWAY_ENVIRONMENT } from '../domain/lambda-environment';
import { GatewayMetrics } from './gateway-metrics';
import { GATEWAY_ENTRY, lambdaBundling } from './lambda-bundling';
import type { RolloutFlags } from './rollout-flags';

export interface ModelGatewayProps {
  /** The validated rollout config. */
  readonly config: RolloutConfig;
  /** The flag the gateway reads (through the AppConfig Agent extension). */
  readonly flags: RolloutFlags;
  /**
   * Principals (role or user ARNs) allowed to call the Function URL.
   * @default - none: grant callers with `grantInvoke`, or an identity policy in this account
   */
  readonly callerArns?: readonly string[];
  /**
   * How long the gateway's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The model selector: a Node.js 24 arm64 Lambda behind a Function URL (AWS_IAM auth,
 * response streaming) that serves the Anthropic Messages API, reads the flag through the
 * AppConfig Agent extension, and falls back to the default model.
 *
 * The vendor key lives in a Secrets Manager secret the operator creates (its name is in
 * config); it is read by the function at cold start and never appears in the template.
 */
export class ModelGateway extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  public readonly logGroup: logs.LogGroup;
  /** HMAC key for user and client ids in logs (generated, stack-owned). */
  public readonly idHashKey: secretsmanager.Secret;
  public readonly vendorApiKey: secretsmanager.ISecret;
  /** The metrics the gateway writes (EMF), for alarms, spend and the dashboard. */
  public readonly metrics: GatewayMetrics;

  public constructor(scope: Construct, id: string, props: ModelGatewayProps) {
    super(scope, id);
    const { config, flags } = props;
    const settings = gatewaySettingsFrom(config);
    const g = config.gateway;
    this.metrics = new GatewayMetrics(g.metricsNamespace, Duration.minutes(config.alarms.periodMinutes));

    this.vendorApiKey = secretsmanager.Secret.fromSecretNameV2(this, 'VendorApiKey', g.vendorApiKeySecretName);
    this.idHashKey = new secretsmanager.Secret(this, 'IdHashKey', {
      description: 'HMAC key that pseudonymizes user and client ids in the model gateway logs',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // Retained: deleting the stack must not lose the key that links hashed ids in retained
      // logs to one user (a new key would make every old log line unmatchable).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.idHashKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key pseudonymizes ids in logs; rotating it would break correlation of one user across log history, and it grants no access to anything.',
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role with write access to this log group only (instead of the managed
    // AWSLambdaBasicExecutionRole, which allows any log group).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Model gateway: write its logs, read its two secrets and the rollout flag',
    });
    this.logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: GATEWAY_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: g.memoryMb,
      timeout: Duration.seconds(g.timeoutSeconds),
      role,
      logGroup: this.logGroup,
      description: `Model gateway: ${settings.defaultModel.alias} → ${settings.newModel.alias} canary`,
      layers: [lambda.LayerVersion.fromLayerVersionArn(this, 'AppConfigAgent', appConfigAgentLayerArn(this, config))],
      environment: {
        ...GATEWAY_ENVIRONMENT.render({
          ROLLOUT_GATEWAY_SETTINGS: JSON.stringify(settings),
          VENDOR_API_KEY_SECRET_ID: this.vendorApiKey.secretName,
          ID_HASH_KEY_SECRET_ID: this.idHashKey.secretArn,
          // The partition's own domain (amazonaws.com, amazonaws.com.cn, …), resolved at deploy.
          AWS_ENDPOINT_URL_SECRETS_MANAGER: `https://secretsmanager.${Stack.of(this).region}.${Aws.URL_SUFFIX}`,
        }),
        POWERTOOLS_SERVICE_NAME: 'model-gateway',
        AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: String(config.appConfig.agentPollIntervalSeconds),
        AWS_APPCONFIG_EXTENSION_PREFETCH_LIST: `/applications/${config.appConfig.applicationName}/environments/${config.appConfig.environmentName}/configurations/${config.appConfig.profileName}`,
        // No --enable-source-maps: Node would read and parse the 5 MB source map at every cold
        // start (about 2x the init time, npm run bench). The map is still shipped beside the
        // bundle; set NODE_OPTIONS=--enable-source-maps on the function to get mapped stack traces.
      },
      bundling: lambdaBundling(),
    });
    this.vendorApiKey.grantRead(this.function);
    if (g.vendorApiKeySecretKmsKeyArn) {
      kms.Key.fromKeyArn(this, 'VendorApiKeyKey', g.vendorApiKeySecretKmsKeyArn).grantDecrypt(this.function);
    }
    this.idHashKey.grantRead(this.function);
    flags.grantReadFlag(this.function);

    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });
    for (const arn of props.callerArns ?? []) this.grantInvoke(new iam.ArnPrincipal(arn));
  }

  /** Lets `grantee` call the gateway's Function URL (SigV4-signed requests). */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }
}

/**
 * The AppConfig Agent Lambda extension layer for the stack's region (arm64): config's
 * override, else the pinned table (new enough for entity-based gradual deployments). Needs a
 * concrete region: a function deployed without the agent could not read the flag.
 */
function appConfigAgentLayerArn(scope: Construct, config: RolloutConfig): string {
  if (config.appConfig.agentLayerArn) return config.appConfig.agentLayerArn;
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) {
    throw new Error(
      'ModelGateway needs a concrete region for the AppConfig Agent layer: give the stack env.region (aws.region in rollout.config.json).',
    );
  }
  return agentLayerArn(region, 'arm64');
}
