import { withPoliciesOf, type ResourceEffect } from './stack-update-effects';

export interface StackParameter {
  readonly key: string;
  readonly value: string;
  /** What an SSM parameter type resolved to (DescribeStacks ResolvedValue). */
  readonly resolved?: string;
}

/**
 * How the next update runs: `polls` DescribeStacks answers show UPDATE_IN_PROGRESS (0: done at
 * once). `keepsPreviousPolicies`: it completes, but the stack keeps every resource's previous
 * DeletionPolicy and UpdateReplacePolicy (GetTemplate answers them), as reported of updates that
 * changed policies (cloudformation-coverage-roadmap#1543) — so UPDATE_COMPLETE proves nothing.
 */
export type UpdateScript =
  | { readonly polls: number; readonly result: 'complete'; readonly keepsPreviousPolicies?: boolean }
  | { readonly polls: number; readonly result: 'rollback'; readonly reason: string };

/** An UpdateStack CloudFormation accepted. */
export interface AcceptedUpdate {
  readonly templateBody: string;
  readonly via: 'TemplateBody' | 'TemplateURL';
  readonly templateUrl?: string;
  /** The Parameters members exactly as sent. */
  readonly parametersSent: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly parameters: readonly StackParameter[];
  readonly capabilities: readonly string[];
  readonly clientRequestToken?: string;
  /** What the update does to each resource it touches. */
  readonly effects: readonly ResourceEffect[];
}

export interface FakeStackInit {
  readonly name: string;
  readonly account: string;
  readonly templateBody: string;
  readonly parameters?: readonly StackParameter[];
  readonly capabilities?: readonly string[];
  readonly status?: string;
  readonly createdAt: Date;
  readonly lastUpdatedAt?: Date;
  readonly roleArn?: string;
}

/** One stack and its history, open to tests. */
export class FakeStack {
  public readonly id: string;
  public readonly name: string;
  public status: string;
  public reason: string | undefined;
  public templateBody: string;
  public parameters: readonly StackParameter[];
  public capabilities: readonly string[];
  public lastUpdatedAt: Date | undefined;
  public readonly createdAt: Date;
  public readonly roleArn: string | undefined;
  public readonly updates: AcceptedUpdate[] = [];
  /** How the next accepted update runs. */
  public nextUpdate: UpdateScript = { polls: 1, result: 'complete' };
  /** Statuses still to come, one per DescribeStacks answer. */
  private queue: string[] = [];
  private beforeUpdate: { templateBody: string; parameters: readonly StackParameter[] } | undefined;

  public constructor(init: FakeStackInit, region: string) {
    this.id = `arn:aws:cloudformation:${region}:${init.account}:stack/${init.name}/4d2f0a80-9e6b-11ef-8f2e-0affd1b2c3d4`;
    this.name = init.name;
    this.status = init.status ?? 'CREATE_COMPLETE';
    this.templateBody = init.templateBody;
    this.parameters = init.parameters ?? [];
    this.capabilities = init.capabilities ?? [];
    this.createdAt = init.createdAt;
    this.lastUpdatedAt = init.lastUpdatedAt;
    this.roleArn = init.roleArn;
  }

  /** Starts an accepted update: the new template is the stack's from now on (GetTemplate answers it). */
  public start(update: AcceptedUpdate, now: Date): void {
    this.beforeUpdate = { templateBody: this.templateBody, parameters: this.parameters };
    const script = this.nextUpdate;
    this.templateBody =
      script.result === 'complete' && script.keepsPreviousPolicies === true
        ? JSON.stringify(
            withPoliciesOf(JSON.parse(this.templateBody) as unknown, JSON.parse(update.templateBody) as unknown),
          )
        : update.templateBody;
    this.parameters = update.parameters;
    this.capabilities = update.capabilities;
    this.lastUpdatedAt = now;
    this.reason = 'User Initiated';
    this.updates.push(update);
    const waiting = Array<string>(Math.max(0, script.polls - 1)).fill('UPDATE_IN_PROGRESS');
    if (script.result === 'complete') {
      this.status = script.polls > 0 ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE';
      this.queue = script.polls > 0 ? [...waiting, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'] : [];
    } else {
      this.status = 'UPDATE_IN_PROGRESS';
      this.queue = [
        ...waiting,
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE',
      ];
    }
    if (this.status === 'UPDATE_COMPLETE') this.reason = undefined;
  }

  /** After a DescribeStacks answer: the update moves on by one status. */
  public advance(): void {
    const next = this.queue.shift();
    if (next === undefined) return;
    this.status = next;
    if (next === 'UPDATE_ROLLBACK_IN_PROGRESS' && this.beforeUpdate) {
      const script = this.nextUpdate;
      this.reason = script.result === 'rollback' ? script.reason : 'rolled back';
      this.templateBody = this.beforeUpdate.templateBody;
      this.parameters = this.beforeUpdate.parameters;
    }
    if (next === 'UPDATE_COMPLETE') this.reason = undefined;
  }
}
