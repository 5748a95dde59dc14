import type { AwsErrorReply } from './error-replies';
import { ok, stringField, type Input, type Reply } from './reply';

/** SSM's JSON 1.1 operations arrive as POST / with `x-amz-target: AmazonSSM.<Operation>`. */
export const SSM_TARGET = 'AmazonSSM';

const JSON_1_1 = 'application/x-amz-json-1.1';
const ACCOUNT = '123456789012';

interface Parameter {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  readonly version: number;
  readonly lastModified: Date;
}

/**
 * SSM Parameter Store's GetParameter and PutParameter, as the AWS Systems Manager API Reference
 * documents them, over JSON 1.1 (timestamps as epoch seconds, the error name in `__type`):
 *
 * - GetParameter of a missing name is ParameterNotFound.
 * - PutParameter of an existing name without `Overwrite: true` is ParameterAlreadyExists; with
 *   it, the value is replaced and the version goes up by one. A new parameter needs a Type
 *   (ValidationException without one); Overwrite does not create one without it either.
 * - Values are 1 to 4,096 characters (standard tier).
 */
export class FakeSsm {
  private readonly parameters = new Map<string, Parameter>();

  public constructor(private readonly region = 'us-east-1') {}

  /** A parameter as the stack creates it (version 1). */
  public seed(name: string, value: string, at: Date = new Date(), type = 'String'): this {
    this.parameters.set(name, { name, type, value, version: 1, lastModified: at });
    return this;
  }

  public valueOf(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }

  public versionOf(name: string): number | undefined {
    return this.parameters.get(name)?.version;
  }

  public handle(operation: string, input: Input, now: Date = new Date()): Reply {
    switch (operation) {
      case 'GetParameter':
        return this.get(input);
      case 'PutParameter':
        return this.put(input, now);
      default:
        return ssmError({
          status: 400,
          code: 'UnknownOperationException',
          message: `fake SSM has no ${operation}`,
          fault: 'Sender',
        });
    }
  }

  private get(input: Input): Reply {
    const name = stringField(input, 'Name');
    if (name === undefined)
      return validation("Value null at 'name' failed to satisfy constraint: Member must not be null");
    const p = this.parameters.get(name);
    // SSM answers ParameterNotFound with an empty message.
    if (!p) return ssmError({ status: 400, code: 'ParameterNotFound', message: '', fault: 'Sender' });
    return ok(
      {
        Parameter: {
          Name: p.name,
          Type: p.type,
          Value: p.value,
          Version: p.version,
          LastModifiedDate: p.lastModified.getTime() / 1000,
          ARN: `arn:aws:ssm:${this.region}:${ACCOUNT}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
          DataType: 'text',
        },
      },
      JSON_1_1,
    );
  }

  private put(input: Input, now: Date): Reply {
    const name = stringField(input, 'Name');
    const value = stringField(input, 'Value');
    if (name === undefined)
      return validation("Value null at 'name' failed to satisfy constraint: Member must not be null");
    if (value === undefined || value.length < 1 || value.length > 4096)
      return validation(
        `Value '${value ?? 'null'}' at 'value' failed to satisfy constraint: Member must have length between 1 and 4096`,
      );
    const existing = this.parameters.get(name);
    const type = stringField(input, 'Type');
    if (existing) {
      if (input.Overwrite !== true) {
        return ssmError({
          status: 400,
          code: 'ParameterAlreadyExists',
          message:
            'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          fault: 'Sender',
        });
      }
      const next = {
        ...existing,
        type: type ?? existing.type,
        value,
        version: existing.version + 1,
        lastModified: now,
      };
      this.parameters.set(name, next);
      return ok({ Version: next.version, Tier: 'Standard' }, JSON_1_1);
    }
    if (type === undefined) return validation('A parameter type is required when you create a parameter.');
    this.parameters.set(name, { name, type, value, version: 1, lastModified: now });
    return ok({ Version: 1, Tier: 'Standard' }, JSON_1_1);
  }
}

function validation(message: string): Reply {
  return ssmError({
    status: 400,
    code: 'ValidationException',
    message: `1 validation error detected: ${message}`,
    fault: 'Sender',
  });
}

/** JSON 1.1 errors: the name in the body's `__type` (and x-amzn-errortype), the text in `message`. */
export function ssmError(error: AwsErrorReply): Reply {
  return {
    status: error.status,
    headers: { 'content-type': JSON_1_1, 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}
