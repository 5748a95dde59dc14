/** Where a stack lives, read from its ARN: arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID. */
export interface StackLocation {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * Undefined when `stackId` is not a stack ARN. DescribeStacks answers StackId as the stack's
 * ARN, which saves an STS GetCallerIdentity call (and a client) to learn the account.
 */
export function stackLocationOf(stackId: string): StackLocation | undefined {
  const match = /^arn:([a-z-]+):cloudformation:([a-z0-9-]+):(\d{12}):stack\/[^/]+\/.+$/.exec(stackId);
  if (!match) return undefined;
  return { partition: match[1]!, region: match[2]!, account: match[3]! };
}
