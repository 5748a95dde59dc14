import { randomUUID } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { capabilitiesFor } from './required-capabilities';
import {
  APPCONFIG_DEPLOYMENT,
  describeChanges,
  describeMissing,
  retainAppConfigDeployments,
  retentionOf,
  RETAIN_MARKER_ID,
  RETAIN_MARKER_TYPE,
  type RetainPlan,
} from './retain-template';
import { stackLocationOf } from './stack-arn';
import {
  deployedTemplate,
  describeStack,
  DESCRIBE_STACK,
  READ_BACK_TEMPLATE,
  READ_TEMPLATE,
  updateStack,
  UPDATE_STACK,
  uploadTemplate,
  UPLOAD_TEMPLATE,
  type StackView,
} from './stack-calls';
import { notReadyAdvice } from './stack-status';
import { waitForUpdate, type WaitOptions } from './stack-update-wait';
import { planDelivery, TEMPLATE_BODY_LIMIT_BYTES, type TemplateDelivery } from './template-delivery';
import { withUpgradeAwsErrors } from './upgrade-aws-errors';
import {
  NoUpdatesPerformedError,
  RetentionNotVerifiedError,
  StackArnError,
  StackChangedError,
  StackNotReadyError,
} from './upgrade-errors';

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

const nextStep = (markerInStack: boolean): string =>
  `Next: cdk deploy the new release; CloudFormation then drops the deployment from the stack and keeps it in AppConfig, so the live phase stays as it is${markerInStack ? ` (it also deletes ${RETAIN_MARKER_ID}, which the new release does not have)` : ''}.`;

/**
 * The upgrade step before the release that drops the AWS::AppConfig::Deployment from the stack:
 * CloudFormation deletes a resource removed from the template according to the DeletionPolicy
 * of the template currently deployed (CloudFormation User Guide, "DeletionPolicy attribute";
 * AWS re:Post Knowledge Center, "remove a resource from a CloudFormation stack without deleting
 * it": first update the stack with DeletionPolicy Retain, then remove the resource; CloudFormation
 * User Guide, "Reverting an import operation": "perform a stack update to apply the deletion
 * policy"). So this updates the stack with its own deployed template plus Retain on every
 * AppConfig deployment plus one harmless resource, RolloutUpgradeRetainMarker (see
 * retain-template.ts): CloudFormation has treated an update of only DeletionPolicy/
 * UpdateReplacePolicy as no change (cloudformation-coverage-roadmap#1543, aws-cdk#11521,
 * cloudformation-cli#855), so the update carries a real resource change.
 *
 * Nothing is taken on trust: after UPDATE_COMPLETE, and after "No updates are to be performed.",
 * the deployed template is read back, and only a template that retains every deployment counts.
 */
export async function retainLegacyDeployments(
  request: UpgradeRequest,
  clients: UpgradeClients,
  runtime: UpgradeRuntime,
): Promise<UpgradeOutcome> {
  const { print } = runtime;
  const cfn = clients.cloudformation;
  const region = request.region;
  // Status first: while an operation runs, GetTemplate already answers the template being
  // applied, and a rollback would take it back.
  const stack = await withUpgradeAwsErrors(DESCRIBE_STACK(request.stack), region, () =>
    describeStack(cfn, request.stack),
  );
  assertReady(stack);
  const body = await withUpgradeAwsErrors(READ_TEMPLATE(stack.name), region, () => deployedTemplate(cfn, stack.id));
  const plan = retainAppConfigDeployments(body);

  if (plan.deployments.length === 0) {
    print(
      `Stack ${stack.name} has no ${APPCONFIG_DEPLOYMENT}: it needs no upgrade. Nothing was changed; cdk deploy the new release as usual.`,
    );
    return 'no-deployments';
  }
  if (plan.marker === 'none') {
    print(alreadyRetained(stack.name, plan.deployments, true));
    print(nextStep(true));
    return 'already-retained';
  }

  const location = stackLocationOf(stack.id);
  if (!location) throw new StackArnError(stack.id);
  const delivery = planDelivery(plan.body, {
    stackName: stack.name,
    location,
    bucket: request.bucket,
    now: runtime.now(),
  });
  const capabilities = capabilitiesFor(plan.template, stack.capabilities);
  printPlan(print, stack, plan, delivery, capabilities, request.dryRun);
  if (request.dryRun) {
    print('Dry run: nothing was uploaded and the stack was not updated. Run it again without --dry-run to apply.');
    return 'dry-run';
  }

  if (delivery.kind === 's3') {
    await withUpgradeAwsErrors(UPLOAD_TEMPLATE(delivery.bucket, delivery.key), region, () =>
      uploadTemplate(clients.s3(location.region), delivery.bucket, delivery.key, delivery.body, location.account),
    );
    print(`Uploaded the template to s3://${delivery.bucket}/${delivery.key}.`);
  }
  // Narrows the window in which a deploy by someone else, finished since the template was
  // read, would be overwritten by the old template: UpdateStack has no "only if unchanged".
  const current = await withUpgradeAwsErrors(DESCRIBE_STACK(stack.name), region, () => describeStack(cfn, stack.id));
  assertUnchanged(stack, current);

  const answer = await withUpgradeAwsErrors(UPDATE_STACK(stack.name), region, () =>
    updateStack(cfn, {
      stackId: stack.id,
      template: delivery.kind === 'body' ? { body: delivery.body } : { url: delivery.url },
      parameterKeys: stack.parameterKeys,
      capabilities,
      clientRequestToken: (runtime.clientRequestToken ?? (() => `rollout-upgrade-${randomUUID()}`))(),
    }),
  );
  const readBack = (): Promise<string> =>
    withUpgradeAwsErrors(READ_BACK_TEMPLATE(stack.name), region, () => deployedTemplate(cfn, stack.id));

  if (answer.kind === 'no-updates') {
    // CloudFormation found nothing to change, so it applied nothing: only the deployed template
    // says whether that is because it already has what the update sets.
    const problems = retentionProblems(await readBack(), plan, { markerExpected: plan.marker === 'add' });
    if (problems.length > 0) throw new NoUpdatesPerformedError(stack.name, answer.requestId, problems);
    print(
      `CloudFormation answered "No updates are to be performed.": the deployed template, read back, already has what this update sets.`,
    );
    print(alreadyRetained(stack.name, plan.deployments, plan.marker === 'add'));
    print(nextStep(plan.marker === 'add'));
    return 'already-retained';
  }

  print(`Update of stack ${stack.name} started; waiting for UPDATE_COMPLETE (do not cdk deploy meanwhile).`);
  await waitForUpdate(cfn, current, region, runtime, (status) => print(`  ${status}`));
  // UPDATE_COMPLETE says the update ended, not what CloudFormation recorded: read it back.
  const problems = retentionProblems(await readBack(), plan, { markerExpected: undefined });
  if (problems.length > 0) throw new RetentionNotVerifiedError(stack.name, problems);
  const ids = plan.deployments.join(', ');
  print(
    `Stack ${stack.name} is UPDATE_COMPLETE, and its deployed template, read back, confirms it: ${ids} now ${plan.deployments.length === 1 ? 'has' : 'have'} DeletionPolicy and UpdateReplacePolicy Retain. The AppConfig deployment itself and the live phase were not touched.`,
  );
  print(nextStep(plan.marker === 'add'));
  return 'updated';
}

function alreadyRetained(stackName: string, deployments: readonly string[], markerInStack: boolean): string {
  const marker = markerInStack ? `, and the stack has ${RETAIN_MARKER_ID} (the real change that came with them)` : '';
  return `Every ${APPCONFIG_DEPLOYMENT} of stack ${stackName} (${deployments.join(', ')}) already has DeletionPolicy and UpdateReplacePolicy Retain${marker}: already retained, nothing to do, nothing was changed.`;
}

/**
 * What the deployed template lacks: a policy that is not Retain, a deployment of the plan no
 * longer there, and, when `markerExpected` is set, the marker not as the update left it. Empty:
 * every deployment is retained.
 */
function retentionProblems(
  deployedBody: string,
  plan: RetainPlan,
  options: { markerExpected: boolean | undefined },
): string[] {
  const check = retentionOf(deployedBody);
  if (!check) return ['the deployed template is not a JSON template with Resources'];
  const problems = describeMissing(check.missing);
  for (const id of plan.deployments)
    if (!check.deployments.includes(id)) problems.push(`${id}: no longer in the deployed template`);
  if (options.markerExpected === true && !check.markerPresent)
    problems.push(`${RETAIN_MARKER_ID}: not in the deployed template`);
  if (options.markerExpected === false && check.markerPresent)
    problems.push(`${RETAIN_MARKER_ID}: still in the deployed template`);
  return problems;
}

function assertReady(stack: StackView): void {
  const advice = notReadyAdvice(stack.status, stack.name);
  if (advice !== undefined) throw new StackNotReadyError(stack.name, stack.status, advice);
}

function assertUnchanged(before: StackView, after: StackView): void {
  const stamp = (s: StackView): string => `${s.status}, last updated ${s.lastUpdated?.toISOString() ?? 'never'}`;
  if (stamp(before) !== stamp(after)) throw new StackChangedError(before.name, stamp(before), stamp(after));
}

function printPlan(
  print: (line: string) => void,
  stack: StackView,
  plan: RetainPlan,
  delivery: TemplateDelivery,
  capabilities: readonly string[],
  dryRun: boolean,
): void {
  print(
    `Stack ${stack.name} is ${stack.status}. The update ${dryRun ? 'would change' : 'changes'} only this in the deployed template:`,
  );
  for (const line of describeChanges(plan.changes)) print(`  ${line}`);
  if (plan.changes.length === 0)
    print(
      `  ${plan.deployments.join(', ')}: DeletionPolicy and UpdateReplacePolicy already Retain (kept; sent again with a real change, since nothing shows one came with them)`,
    );
  if (plan.marker === 'add') {
    print(
      `  ${RETAIN_MARKER_ID}: added, an ${RETAIN_MARKER_TYPE} without properties (no cost; nothing uses it without a WaitCondition), so that CloudFormation sees a real change and performs the update; the next cdk deploy deletes it`,
    );
  } else if (plan.marker === 'remove') {
    print(
      `  ${RETAIN_MARKER_ID}: removed (an earlier run added it), so that CloudFormation sees a real change and performs the update; deleting a ${RETAIN_MARKER_TYPE} is harmless`,
    );
  }
  print(
    `Parameters keep their previous values (${stack.parameterKeys.join(', ') || 'none'}); capabilities: ${capabilities.join(', ') || 'none'}.`,
  );
  const size = `${delivery.bytes.toLocaleString('en-US')} bytes`;
  if (delivery.kind === 'body') {
    print(
      `The template (${size}) goes in the request (TemplateBody, at most ${TEMPLATE_BODY_LIMIT_BYTES.toLocaleString('en-US')} bytes).`,
    );
  } else {
    print(
      `The template (${size}) is over the ${TEMPLATE_BODY_LIMIT_BYTES.toLocaleString('en-US')}-byte TemplateBody limit: it goes to s3://${delivery.bucket}/${delivery.key} and the update reads it from there (TemplateURL).`,
    );
  }
}
