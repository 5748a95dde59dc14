/**
 * Stack states in which the stack has settled and CloudFormation accepts UpdateStack
 * (CloudFormation User Guide, "Stack status codes"). ROLLBACK_COMPLETE is a failed creation:
 * CloudFormation cannot update it, only delete it.
 */
const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** Undefined when the stack can be upgraded now; otherwise what on-call should do first. */
export function notReadyAdvice(status: string, stackName: string): string | undefined {
  if (UPDATABLE.has(status)) return undefined;
  if (status.endsWith('_IN_PROGRESS')) {
    return 'another operation on it is still running, and until it ends the deployed template is not settled (a rollback would undo it). Wait for it to end (CloudFormation console, Events tab), then run this again.';
  }
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return `its last update could not be rolled back. Continue the rollback first (aws cloudformation continue-update-rollback --stack-name ${stackName}) until it is UPDATE_ROLLBACK_COMPLETE, then run this again.`;
  }
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return 'its creation failed, so CloudFormation can only delete it, not update it: it runs no AppConfig deployment to keep.';
  }
  return 'this is not a settled *_COMPLETE state CloudFormation can update. Find out what happened to it (CloudFormation console, Events tab) before changing it.';
}
