import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack, WATCH_UPDATE, type StackView } from './stack-calls';
import { withUpgradeAwsErrors } from './upgrade-aws-errors';
import { StackUpdateFailedError, StackUpdateTimeoutError } from './upgrade-errors';

export interface WaitOptions {
  /** @default 5000 */
  readonly pollIntervalMs?: number;
  /** @default 30 minutes */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/**
 * Polls DescribeStacks until the update started after `before` ends (CloudFormation User Guide,
 * "Stack status codes"). UPDATE_COMPLETE counts only once LastUpdatedTime has moved past the
 * reading taken before UpdateStack, so a stale answer from before the update cannot end the
 * wait. UPDATE_ROLLBACK_* means the update failed (CloudFormation is putting the previous
 * template back): it is reported at once. `onStatus` sees each new status.
 */
export async function waitForUpdate(
  cfn: CloudFormationClient,
  before: StackView,
  region: string,
  options: WaitOptions = {},
  onStatus?: (status: string) => void,
): Promise<StackView> {
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const deadline = now().getTime() + timeoutMs;
  let last = '';
  for (;;) {
    const view = await withUpgradeAwsErrors(WATCH_UPDATE(before.name), region, () => describeStack(cfn, before.id));
    if (view.status !== last) onStatus?.(view.status);
    last = view.status;
    if (view.status.startsWith('UPDATE_ROLLBACK_'))
      throw new StackUpdateFailedError(before.name, view.status, view.reason);
    if (view.status === 'UPDATE_COMPLETE' && isAfter(view.lastUpdated, before.lastUpdated)) return view;
    if (now().getTime() >= deadline)
      throw new StackUpdateTimeoutError(before.name, view.status, Math.round(timeoutMs / 60_000), region);
    await sleep(options.pollIntervalMs ?? 5000);
  }
}

function isAfter(t: Date | undefined, reference: Date | undefined): boolean {
  if (!t) return false;
  return !reference || t.getTime() > reference.getTime();
}
