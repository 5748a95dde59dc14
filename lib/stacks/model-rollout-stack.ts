import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ConfigIssue } from '../domain/config-errors';
import type { RolloutConfig } from '../domain/config-schema';
import { ModelGateway } from '../constructs/model-gateway';
import { RolloutFlags } from '../constructs/rollout-flags';

export interface ModelRolloutStackProps extends StackProps {
  /** The validated rollout config (rollout.config.json). */
  readonly config: RolloutConfig;
  /**
   * Config findings that do not stop a deploy; shown as synth warnings.
   * @default - none
   */
  readonly configWarnings?: readonly ConfigIssue[];
}

/**
 * Everything one rollout needs, in one stack: the flag and its phases, (next) the gateway,
 * guard rails and spend alarms. One stack because the parts reference each other both ways
 * (the gateway reads the flag's environment; the environment's monitor watches the
 * gateway's alarms): split stacks would form a reference cycle.
 */
export class ModelRolloutStack extends Stack {
  public readonly flags: RolloutFlags;
  public readonly gateway: ModelGateway;

  public constructor(scope: Construct, id: string, props: ModelRolloutStackProps) {
    super(scope, id, {
      description: `Canary rollout of ${props.config.llm.newModelAlias} in place of ${props.config.llm.defaultModel}`,
      ...props,
      // The region must be concrete (the AppConfig Agent layer is per region): config's, unless given.
      env: props.env ?? { region: props.config.aws.region, account: props.config.aws.account },
    });
    for (const w of props.configWarnings ?? []) {
      Annotations.of(this).addWarningV2(`rollout-config:${w.path}`, `rollout config ${w.path}: ${w.message}`);
    }
    this.flags = new RolloutFlags(this, 'Flags', { config: props.config });
    this.gateway = new ModelGateway(this, 'Gateway', {
      config: props.config,
      flags: this.flags,
      callerArns: props.config.gateway.callerArns,
    });
  }
}
