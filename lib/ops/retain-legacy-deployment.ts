import { randomUUID } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { capabilitiesFor } from './required-capabilities';
import { APPCONFIG_DEPLOYMENT, describeChanges, retainAppConfigDeployments, type RetainPlan } from './retain-template';
import { stackLocationOf } from './stack-arn';
import { deployedTemplate, describeStack, DESCRIBE_STACK, READ_TEMPLATE, updateStack, UPDATE_STACK, uploadTemplate, UPLOAD_TEMPLATE, type StackView } from './stack-calls';
import { notReadyAdvice } from './stack-status';
import { waitForUpdate, type WaitOptions } from './stack-update-wait';
import { planDelivery, TEMPLATE_BODY_LIMIT_BYTES, type TemplateDelivery } from './template-delivery';
import { withUpgradeAwsErrors } from './upgrade-aws-errors';
import { StackArnError, StackChangedError, StackNotReadyError } from './upgrade-errors';

export interface UpgradeClients {
  readonly cloudformation: CloudFormationClient;
  /** Made only when the template must go through S3, in the stack's region. */
  readonly s3: (region: string) => S3Client;
}

export interface UpgradeRequest {
  /** Stack name or ARN. */
  readonly stack: string;
  /** For messages: the region the CloudFormation client calls. */
  readonly region: string;
  readonly bucket?: string;
  readonly dryRun: boolean;
}

export interface UpgradeRuntime extends WaitOptions {
  readonly print: (line: string) => void;
  readonly now: () => Date;
  readonly clientRequestToken?: () => string;
}

export type UpgradeOutcome = 'updated' | 'already-retained' | 'no-deployments' | 'dry-run';

const NEXT_STEP = 'Next: cdk deploy the new release; CloudFormation then drops the deployment from the stack and keeps it in AppConfig, so the live phase stays as it is.';

/**
 * The upgrade step before the release that drops the AWS::AppConfig::Deployment from the stack:
 * CloudFormation deletes a resource removed from the template according to the DeletionPolicy
 * of the template currently deployed (CloudFormation User Guide, "DeletionPolicy attribute";
 * AWS re:Post Knowledge Center, "remove a resource from a CloudFormation stack without deleting
 * it": first update the stack with DeletionPolicy Retain, then remove the resource). So this
 * updates the stack with its own deployed template plus Retain on every AppConfig deployment,
 * and nothing else.
 */
export async function retainLegacyDeployments(request: UpgradeRequest, clients: UpgradeClients, runtime: UpgradeRuntime): Promise<UpgradeOutcome> {
  const { print } = runtime;
  const cfn = clients.cloudformation;
  const region = request.region;
  // Status first: while an operation runs, GetTemplate already answers the template being
  // applied, and a rollback would take it back.
  const stack = await withUpgradeAwsErrors(DESCRIBE_STACK(request.stack), region, () => describeStack(cfn, request.stack));
  assertReady(stack);
  const body = await withUpgradeAwsErrors(READ_TEMPLATE(stack.name), region, () => deployedTemplate(cfn, stack.id));
  const plan = retainAppConfigDeployments(body);

  if (plan.deployments.length === 0) {
    print(`Stack ${stack.name} has no ${APPCONFIG_DEPLOYMENT}: it needs no upgrade. Nothing was changed; cdk deploy the new release as usual.`);
    return 'no-deployments';
  }
  if (plan.changes.length === 0) {
    print(`Every ${APPCONFIG_DEPLOYMENT} of stack ${stack.name} (${plan.deployments.join(', ')}) already has DeletionPolicy and UpdateReplacePolicy Retain: nothing to do, nothing was changed.`);
    print(NEXT_STEP);
    return 'already-retained';
  }

  const location = stackLocationOf(stack.id);
  if (!location) throw new StackArnError(stack.id);
  const delivery = planDelivery(plan.body, { stackName: stack.name, location, bucket: request.bucket, now: runtime.now() });
  const capabilities = capabilitiesFor(plan.template, stack.capabilities);
  printPlan(print, stack, plan, delivery, capabilities, request.dryRun);
  if (request.dryRun) {
    print('Dry run: nothing was uploaded and the stack was not updated. Run it again without --dry-run to apply.');
    return 'dry-run';
  }

  if (delivery.kind === 's3') {
    await withUpgradeAwsErrors(UPLOAD_TEMPLATE(delivery.bucket, delivery.key), region, () =>
      uploadTemplate(clients.s3(location.region), delivery.bucket, delivery.key, delivery.body, location.account));
    print(`Uploaded the template to s3://${delivery.bucket}/${delivery.key}.`);
  }
  // Narrows the window in which a deploy by someone else, finished since the template was
  // read, would be overwritten by the old template: UpdateStack has no "only if unchanged".
  const current = await withUpgradeAwsErrors(DESCRIBE_STACK(stack.name), region, () => describeStack(cfn, stack.id));
  assertUnchanged(stack, current);

  await withUpgradeAwsErrors(UPDATE_STACK(stack.name), region, () => updateStack(cfn, {
    stackId: stack.id,
    template: delivery.kind === 'body' ? { body: delivery.body } : { url: delivery.url },
    parameterKeys: stack.parameterKeys,
    capabilities,
    clientRequestToken: (runtime.clientRequestToken ?? (() => `rollout-upgrade-${randomUUID()}`))(),
  }));
  print(`Update of stack ${stack.name} started; waiting for UPDATE_COMPLETE (do not cdk deploy meanwhile).`);
  await waitForUpdate(cfn, current, region, runtime, (status) => print(`  ${status}`));
  print(`Stack ${stack.name} is UPDATE_COMPLETE: ${plan.deployments.join(', ')} now ${plan.deployments.length === 1 ? 'has' : 'have'} DeletionPolicy and UpdateReplacePolicy Retain. The AppConfig deployment itself and the live phase were not touched.`);
  print(NEXT_STEP);
  return 'updated';
}

function assertReady(stack: StackView): void {
  const advice = notReadyAdvice(stack.status, stack.name);
  if (advice !== undefined) throw new StackNotReadyError(stack.name, stack.status, advice);
}

function assertUnchanged(before: StackView, after: StackView): void {
  const stamp = (s: StackView): string => `${s.status}, last updated ${s.lastUpdated?.toISOString() ?? 'never'}`;
  if (stamp(before) !== stamp(after)) throw new StackChangedError(before.name, stamp(before), stamp(after));
}

function printPlan(print: (line: string) => void, stack: StackView, plan: RetainPlan, delivery: TemplateDelivery, capabilities: readonly string[], dryRun: boolean): void {
  print(`Stack ${stack.name} is ${stack.status}. The update ${dryRun ? 'would set' : 'sets'}, and changes nothing else in the deployed template:`);
  for (const line of describeChanges(plan.changes)) print(`  ${line}`);
  print(`Parameters keep their previous values (${stack.parameterKeys.join(', ') || 'none'}); capabilities: ${capabilities.join(', ') || 'none'}.`);
  const size = `${delivery.bytes.toLocaleString('en-US')} bytes`;
  if (delivery.kind === 'body') {
    print(`The template (${size}) goes in the request (TemplateBody, at most ${TEMPLATE_BODY_LIMIT_BYTES.toLocaleString('en-US')} bytes).`);
  } else {
    print(`The template (${size}) is over the ${TEMPLATE_BODY_LIMIT_BYTES.toLocaleString('en-US')}-byte TemplateBody limit: it goes to s3://${delivery.bucket}/${delivery.key} and the update reads it from there (TemplateURL).`);
  }
}
