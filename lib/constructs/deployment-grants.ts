import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface DeploymentGrantTarget {
  readonly application: appconfig.IApplication;
  readonly environment: appconfig.IEnvironment;
  readonly profile: appconfig.HostedConfiguration;
  /** The only strategy `grantee` may start deployments with. */
  readonly strategy: appconfig.IDeploymentStrategy;
}

/**
 * Lets `role` read the environment's deployments and start one of the profile with `strategy`
 * (and, with `stop`, stop or revert them). The Service Authorization Reference for AWS AppConfig
 * lists the application as a required resource of ListDeployments, GetDeployment,
 * StartDeployment and StopDeployment beside the environment (and the deployment, profile and
 * strategy where they apply): a policy that names resources must name every required type, so
 * each statement names the application too.
 */
export function grantDeployments(
  role: iam.Role,
  target: DeploymentGrantTarget,
  options: { readonly stop: boolean },
): void {
  const stack = Stack.of(role);
  const appArn = target.application.applicationArn;
  const envArn = target.environment.environmentArn;
  const deployments = `${envArn}/deployment/*`;
  role.addToPolicy(new iam.PolicyStatement({ actions: ['appconfig:ListDeployments'], resources: [appArn, envArn] }));
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['appconfig:GetDeployment', ...(options.stop ? ['appconfig:StopDeployment'] : [])],
      resources: [appArn, envArn, deployments],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['appconfig:StartDeployment'],
      resources: [
        appArn,
        envArn,
        target.profile.configurationProfileArn,
        stack.formatArn({
          service: 'appconfig',
          resource: 'deploymentstrategy',
          resourceName: target.strategy.deploymentStrategyId,
        }),
      ],
    }),
  );
  acknowledgeDeploymentWildcard(role, target);
}

/**
 * Lets `grantee` list and read the environment's deployments, and nothing else: the
 * application is a required resource of both calls beside the environment (and the
 * deployment for GetDeployment), as for grantDeployments.
 */
export function grantReadDeployments(
  grantee: iam.IGrantable & Construct,
  target: Pick<DeploymentGrantTarget, 'application' | 'environment'>,
): iam.Grant {
  const appArn = target.application.applicationArn;
  const envArn = target.environment.environmentArn;
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: ['appconfig:ListDeployments'],
    resourceArns: [appArn, envArn],
  }).combine(
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['appconfig:GetDeployment'],
      resourceArns: [appArn, envArn, `${envArn}/deployment/*`],
    }),
  );
  acknowledgeDeploymentWildcard(grantee, target);
  return grant;
}

function acknowledgeDeploymentWildcard(
  scope: Construct,
  target: Pick<DeploymentGrantTarget, 'application' | 'environment'>,
): void {
  const stack = Stack.of(scope);
  // cdk-nag names the finding after the resolved ARN: pseudo parameters and logical ids in <>.
  const logicalId = (c: Construct): string => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const known = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:appconfig:${known(stack.region, 'AWS::Region')}:${known(stack.account, 'AWS::AccountId')}:application/<${logicalId(target.application)}>/environment/<${logicalId(target.environment)}>/deployment/*]`,
    reason:
      'Deployment numbers are assigned by AppConfig at run time; the wildcard is limited to deployments of the rollout environment.',
  });
}
