import { isDeepStrictEqual } from 'node:util';
import type { AwsErrorReply } from './error-replies';
import type { FakeS3 } from './fake-s3';
import {
  el,
  memberList,
  members,
  memberStructs,
  queryError,
  queryResult,
  validationError,
  type QueryInput,
  type XmlNode,
} from './query-protocol';
import type { Reply } from './reply';
import { FakeStack, type FakeStackInit, type StackParameter } from './fake-stack';
import { updateEffects, withoutRetentionPolicies } from './stack-update-effects';

/**
 * Stack states from which CloudFormation accepts UpdateStack (CloudFormation User Guide, "Stack
 * status codes"); any other answers "… is in STATE state and can not be updated."
 */
const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** CloudFormation API Reference, UpdateStack: TemplateBody is at most 51,200 bytes. */
const TEMPLATE_BODY_MAX_BYTES = 51_200;
/** CloudFormation User Guide, "CloudFormation quotas": a template in S3 is at most 1 MB. */
const TEMPLATE_URL_MAX_BYTES = 1_048_576;

/** CloudFormation API Reference, UpdateStack: which IAM resources need which capability. */
const IAM_TYPES = new Set([
  'AWS::IAM::AccessKey',
  'AWS::IAM::Group',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::UserToGroupAddition',
]);
const IAM_CUSTOM_NAMES = ['GroupName', 'InstanceProfileName', 'ManagedPolicyName', 'RoleName', 'UserName'];

class Refusal extends Error {
  public constructor(public readonly reply: AwsErrorReply) {
    super(reply.message);
  }
}

/**
 * CloudFormation stacks answering DescribeStacks, GetTemplate and UpdateStack as the
 * CloudFormation API Reference documents them, with the refusals that matter to an upgrade:
 * a TemplateBody over 51,200 bytes, a stack that is not in an updatable *_COMPLETE state, a
 * template identical to the deployed one or differing from it only in DeletionPolicy/
 * UpdateReplacePolicy ("No updates are to be performed."; see withoutRetentionPolicies), parameters left
 * out (they take their Default, not their previous value), missing capabilities. A TemplateURL
 * is read from the fake S3, as CloudFormation reads it from S3.
 */
export class FakeCloudFormation {
  private readonly stacks: FakeStack[] = [];

  public constructor(
    private readonly s3: FakeS3,
    public readonly region = 'us-east-1',
  ) {}

  public addStack(init: FakeStackInit): FakeStack {
    const stack = new FakeStack(init, this.region);
    this.stacks.push(stack);
    return stack;
  }

  /** By name or stack ARN. */
  public stack(nameOrId: string): FakeStack | undefined {
    return this.stacks.find((s) => s.name === nameOrId || s.id === nameOrId);
  }

  public handle(action: string, input: QueryInput, requestId: string, now: Date): Reply {
    try {
      switch (action) {
        case 'DescribeStacks':
          return queryResult(action, this.describeStacks(input), requestId);
        case 'GetTemplate':
          return queryResult(action, this.getTemplate(input), requestId);
        case 'UpdateStack':
          return queryResult(action, this.updateStack(input, now), requestId);
        default:
          throw new Refusal({
            status: 400,
            code: 'InvalidAction',
            message: `Could not find operation ${action} for version 2010-05-15`,
            fault: 'Sender',
          });
      }
    } catch (err) {
      if (err instanceof Refusal) return queryError(err.reply, requestId);
      throw err;
    }
  }

  private describeStacks(input: QueryInput): XmlNode[] {
    const name = input.get('StackName');
    const found = name === undefined ? [...this.stacks] : [this.existing(name, `Stack with id ${name} does not exist`)];
    const answer = [
      members(
        'Stacks',
        found.map((s) => describe(s)),
      ),
    ];
    for (const stack of found) stack.advance();
    return answer;
  }

  private getTemplate(input: QueryInput): XmlNode[] {
    const name = input.get('StackName') ?? '';
    const stack = this.existing(name, `Stack with id ${name} does not exist`);
    return [el('TemplateBody', stack.templateBody), members('StagesAvailable', ['Original', 'Processed'])];
  }

  private updateStack(input: QueryInput, now: Date): XmlNode[] {
    const name = input.get('StackName') ?? '';
    const body = input.get('TemplateBody');
    const url = input.get('TemplateURL');
    const usePrevious = input.get('UsePreviousTemplate') === 'true';
    if ([body !== undefined, url !== undefined, usePrevious].filter(Boolean).length !== 1) {
      throw new Refusal(
        validationError('Exactly one of TemplateBody, TemplateURL or UsePreviousTemplate must be specified.'),
      );
    }
    if (body !== undefined && Buffer.byteLength(body, 'utf8') > TEMPLATE_BODY_MAX_BYTES) {
      throw new Refusal(
        validationError(
          `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${TEMPLATE_BODY_MAX_BYTES}`,
        ),
      );
    }
    const stack = this.existing(name, `Stack [${name}] does not exist`);
    const token = input.get('ClientRequestToken');
    const last = stack.updates.at(-1);
    // UpdateStack: ClientRequestToken — a retry with the same token is the same request.
    if (token !== undefined && last?.clientRequestToken === token) return [el('StackId', stack.id)];
    if (!UPDATABLE.has(stack.status))
      throw new Refusal(validationError(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`));
    const templateBody = body ?? (url !== undefined ? this.fromS3(url) : stack.templateBody);
    const template = parseJson(templateBody);
    const parameters = this.resolveParameters(stack, template, memberStructs(input, 'Parameters'));
    const capabilities = memberList(input, 'Capabilities');
    const missing = requiredCapabilities(template).filter(
      (c) =>
        !(c === 'CAPABILITY_IAM'
          ? capabilities.includes(c) || capabilities.includes('CAPABILITY_NAMED_IAM')
          : capabilities.includes(c)),
    );
    if (missing.length > 0) {
      throw new Refusal({
        status: 400,
        code: 'InsufficientCapabilitiesException',
        message: `Requires capabilities : [${missing.join(', ')}]`,
        fault: 'Sender',
      });
    }
    const before = parseJson(stack.templateBody);
    // Policies alone are no change (the conservative reading of the reports: see
    // withoutRetentionPolicies): the update is refused and the deployed template keeps its own.
    if (
      isDeepStrictEqual(withoutRetentionPolicies(before), withoutRetentionPolicies(template)) &&
      sameValues(stack.parameters, parameters)
    ) {
      throw new Refusal(validationError('No updates are to be performed.'));
    }
    stack.start(
      {
        templateBody,
        via: body !== undefined ? 'TemplateBody' : 'TemplateURL',
        templateUrl: url,
        parametersSent: memberStructs(input, 'Parameters').map((m) => Object.fromEntries(m)),
        parameters,
        capabilities,
        clientRequestToken: token,
        effects: updateEffects(before, template),
      },
      now,
    );
    return [el('StackId', stack.id)];
  }

  /**
   * A template CloudFormation can fetch: https://s3.REGION.amazonaws.com/BUCKET/KEY (or the
   * virtual-hosted form), from a bucket in the stack's region.
   */
  private fromS3(url: string): string {
    const location = s3Location(url);
    if (!location) throw new Refusal(validationError('TemplateURL must be a supported URL.'));
    const object = location.region === this.region ? this.s3.object(location.bucket, location.key) : undefined;
    if (!object)
      throw new Refusal(
        validationError(
          'S3 error: Access Denied\nFor more information check http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html',
        ),
      );
    if (object.body.byteLength > TEMPLATE_URL_MAX_BYTES)
      throw new Refusal(validationError(`Template may not exceed ${TEMPLATE_URL_MAX_BYTES} bytes in size.`));
    return object.body.toString('utf8');
  }

  /**
   * CloudFormation API Reference, Parameter: UsePreviousValue keeps the stack's current value; a
   * parameter left out takes the template's Default (not its previous value), and one with
   * neither is refused.
   */
  private resolveParameters(
    stack: FakeStack,
    template: unknown,
    sent: Array<ReadonlyMap<string, string>>,
  ): StackParameter[] {
    const declared = (template as { Parameters?: Record<string, { Default?: unknown }> }).Parameters ?? {};
    const unknown = sent.map((p) => p.get('ParameterKey') ?? '').filter((k) => !(k in declared));
    if (unknown.length > 0)
      throw new Refusal(validationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`));
    const resolved: StackParameter[] = [];
    const missing: string[] = [];
    for (const [key, declaration] of Object.entries(declared)) {
      const given = sent.find((p) => p.get('ParameterKey') === key);
      const previous = stack.parameters.find((p) => p.key === key);
      if (given?.get('UsePreviousValue') === 'true') {
        if (given.get('ParameterValue') !== undefined)
          throw new Refusal(
            validationError(
              `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true and non empty value for a parameter`,
            ),
          );
        if (!previous)
          throw new Refusal(
            validationError(
              `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
            ),
          );
        resolved.push(previous);
      } else if (given?.get('ParameterValue') !== undefined) {
        resolved.push({ key, value: given.get('ParameterValue') ?? '' });
      } else if (declaration.Default !== undefined) {
        resolved.push({
          key,
          value: typeof declaration.Default === 'string' ? declaration.Default : JSON.stringify(declaration.Default),
        });
      } else {
        missing.push(key);
      }
    }
    if (missing.length > 0) throw new Refusal(validationError(`Parameters: [${missing.join(', ')}] must have values`));
    return resolved;
  }

  private existing(nameOrId: string, message: string): FakeStack {
    const stack = this.stack(nameOrId);
    if (!stack) throw new Refusal(validationError(message));
    return stack;
  }
}

function describe(s: FakeStack): XmlNode {
  const description = (parseJsonOrUndefined(s.templateBody) as { Description?: unknown } | undefined)?.Description;
  return [
    el('StackId', s.id),
    el('StackName', s.name),
    el('Description', typeof description === 'string' ? description : undefined),
    members(
      'Parameters',
      s.parameters.map((p) =>
        [el('ParameterKey', p.key), el('ParameterValue', p.value), el('ResolvedValue', p.resolved)].join(''),
      ),
    ),
    el('CreationTime', s.createdAt.toISOString()),
    el('LastUpdatedTime', s.lastUpdatedAt?.toISOString()),
    el('StackStatus', s.status),
    el('StackStatusReason', s.reason),
    el('DisableRollback', false),
    members('NotificationARNs', []),
    members('Capabilities', [...s.capabilities]),
    el('RoleARN', s.roleArn),
    members('Tags', []),
    el('EnableTerminationProtection', false),
  ].join('');
}

/** CloudFormation User Guide, UpdateStack Capabilities: IAM resources, named ones, macros. */
function requiredCapabilities(template: unknown): string[] {
  const t = template as {
    Resources?: Record<string, { Type?: unknown; Properties?: Record<string, unknown> }>;
    Transform?: unknown;
  };
  const iam = Object.values(t.Resources ?? {}).filter((r) => typeof r.Type === 'string' && IAM_TYPES.has(r.Type));
  const needed: string[] = [];
  if (iam.some((r) => IAM_CUSTOM_NAMES.some((n) => r.Properties?.[n] !== undefined)))
    needed.push('CAPABILITY_NAMED_IAM');
  else if (iam.length > 0) needed.push('CAPABILITY_IAM');
  if (t.Transform !== undefined) needed.push('CAPABILITY_AUTO_EXPAND');
  return needed;
}

/** https://s3.REGION.amazonaws.com/BUCKET/KEY or https://BUCKET.s3.REGION.amazonaws.com/KEY. */
function s3Location(url: string): { region: string; bucket: string; key: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:') return undefined;
  const segments = parsed.pathname.slice(1).split('/').map(decodeURIComponent);
  const pathStyle = /^s3\.([a-z0-9-]+)\.amazonaws\.com$/.exec(parsed.hostname);
  if (pathStyle && segments.length > 1)
    return { region: pathStyle[1]!, bucket: segments[0]!, key: segments.slice(1).join('/') };
  const virtualHosted = /^(.+)\.s3\.([a-z0-9-]+)\.amazonaws\.com$/.exec(parsed.hostname);
  if (virtualHosted) return { region: virtualHosted[2]!, bucket: virtualHosted[1]!, key: segments.join('/') };
  return undefined;
}

function sameValues(a: readonly StackParameter[], b: readonly StackParameter[]): boolean {
  const values = (list: readonly StackParameter[]): Record<string, string> =>
    Object.fromEntries(list.map((p) => [p.key, p.value]));
  return isDeepStrictEqual(values(a), values(b));
}

function parseJson(body: string): unknown {
  const value = parseJsonOrUndefined(body);
  if (value === undefined) throw new Refusal(validationError('Template format error: JSON not well-formed.'));
  return value;
}

function parseJsonOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
