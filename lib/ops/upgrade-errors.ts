import { CliError } from '../cli/cli-error';

/**
 * The stack is not in a state CloudFormation can update, or one where the deployed template
 * cannot be trusted (during an update, GetTemplate already returns the template being applied,
 * which a rollback would undo). `advice` says what to do first.
 */
export class StackNotReadyError extends CliError {
  public constructor(
    public readonly stackName: string,
    public readonly status: string,
    advice: string,
  ) {
    super(`Stack ${stackName} is ${status}: ${advice} Nothing was changed.`);
    this.name = 'StackNotReadyError';
  }
}

/** The stack changed between reading its template and updating it (someone deployed meanwhile). */
export class StackChangedError extends CliError {
  public constructor(
    public readonly stackName: string,
    before: string,
    after: string,
  ) {
    super(
      `Stack ${stackName} changed while this ran (${before} → ${after}): someone else is deploying it. Nothing was changed; run this again once that deployment has ended.`,
    );
    this.name = 'StackChangedError';
  }
}

/** The deployed template cannot be edited without changing more than the two policies. */
export class TemplateNotEditableError extends CliError {
  public constructor(reason: string, options?: { cause: unknown }) {
    super(
      `The deployed template cannot be edited safely: ${reason}. Nothing was changed. Add DeletionPolicy: Retain and UpdateReplacePolicy: Retain to every AWS::AppConfig::Deployment by hand (CloudFormation console, "Update stack", "Edit template") before deploying the new release.`,
      options,
    );
    this.name = 'TemplateNotEditableError';
  }
}

/** The stack's ARN is not one this tool can read the account and region from. */
export class StackArnError extends CliError {
  public constructor(public readonly stackId: string) {
    super(
      `CloudFormation described the stack with an id that is not a stack ARN (${stackId}), so its account and region are unknown. Nothing was changed.`,
    );
    this.name = 'StackArnError';
  }
}

/** The update ended in a rollback (UPDATE_ROLLBACK_*): the deployed template still lacks Retain. */
export class StackUpdateFailedError extends CliError {
  public constructor(
    public readonly stackName: string,
    public readonly status: string,
    reason: string | undefined,
  ) {
    const next =
      status === 'UPDATE_ROLLBACK_FAILED'
        ? `continue the rollback (aws cloudformation continue-update-rollback --stack-name ${stackName}) until the stack is UPDATE_ROLLBACK_COMPLETE`
        : 'wait for UPDATE_ROLLBACK_COMPLETE';
    super(
      `The update of stack ${stackName} failed: it is ${status}${reason ? ` (${reason})` : ''}. CloudFormation puts the deployed template back, so the AppConfig deployments are still NOT retained: do not cdk deploy the new release. Find the first failed resource in the stack's Events tab (CloudFormation console) and fix the cause, ${next}, then run this again.`,
    );
    this.name = 'StackUpdateFailedError';
  }
}

/** The update did not end within the wait; it goes on in CloudFormation without this command. */
export class StackUpdateTimeoutError extends CliError {
  public constructor(
    public readonly stackName: string,
    public readonly status: string,
    minutes: number,
    region: string,
  ) {
    super(
      `Stack ${stackName} is still ${status} after ${minutes} minutes; the update goes on without this command. Follow it in the CloudFormation console (Events tab) or with: aws cloudformation wait stack-update-complete --stack-name ${stackName} --region ${region}. Only once it is UPDATE_COMPLETE, cdk deploy the new release (running this again then says the deployments are retained).`,
    );
    this.name = 'StackUpdateTimeoutError';
  }
}

const BY_HAND =
  'add DeletionPolicy: Retain and UpdateReplacePolicy: Retain to every AWS::AppConfig::Deployment by hand (CloudFormation console, "Update stack", "Edit template") in an update that also changes a resource — e.g. adds an AWS::CloudFormation::WaitConditionHandle without properties — since CloudFormation has taken an update of only these policies as no change; then check the Template tab';

/**
 * The update ended UPDATE_COMPLETE, but the deployed template read back (GetTemplate) does not
 * retain every AWS::AppConfig::Deployment: UPDATE_COMPLETE alone is not trusted.
 */
export class RetentionNotVerifiedError extends CliError {
  public constructor(
    public readonly stackName: string,
    public readonly problems: readonly string[],
  ) {
    super(
      `Stack ${stackName} is UPDATE_COMPLETE, but its deployed template, read back from CloudFormation, does not retain every AWS::AppConfig::Deployment (${problems.join('; ')}). The AppConfig deployments are not retained: do not cdk deploy the new release. Look at the stack's Template tab (CloudFormation console) and run this again; if it ends the same way, ${BY_HAND}.`,
    );
    this.name = 'RetentionNotVerifiedError';
  }
}

/**
 * UpdateStack answered "No updates are to be performed." (CloudFormation found the template the
 * same as the deployed one) and the deployed template, read back, lacks what the update sets.
 */
export class NoUpdatesPerformedError extends CliError {
  public constructor(
    public readonly stackName: string,
    requestId: string | undefined,
    public readonly problems: readonly string[],
  ) {
    super(
      `CloudFormation answered the update of stack ${stackName} with "No updates are to be performed." (ValidationError, request id ${requestId ?? 'not given'}): it applied nothing, yet the deployed template, read back, lacks what the update sets (${problems.join('; ')}). The AppConfig deployments are not retained: do not cdk deploy the new release. CloudFormation has treated a change of only DeletionPolicy/UpdateReplacePolicy as no change (cloudformation-coverage-roadmap#1543), which is why the update also changes the RolloutUpgradeRetainMarker resource; that it still saw none means the stack is not what this tool read. Check the stack's Events and Template tabs (someone deploying meanwhile?) and run this again; if CloudFormation answers the same, ${BY_HAND}, and quote the request id to AWS Support.`,
    );
    this.name = 'NoUpdatesPerformedError';
  }
}
