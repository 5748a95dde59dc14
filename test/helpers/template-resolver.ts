/**
 * Resolves a synthesized template's intrinsics (Ref, Fn::GetAtt ... Arn, Fn::Join, Fn::Sub,
 * pseudo parameters) to the concrete strings CloudFormation would produce in one account and
 * region, so policies can be evaluated against the ARNs AWS services will really present.
 * Physical names follow the resource's own name property when it has one, else the logical id.
 */

export interface TemplateJson {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

export interface Place {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

export const TEST_PLACE: Place = { account: '111122223333', region: 'us-east-1', partition: 'aws' };

export class TemplateResolver {
  public constructor(
    public readonly template: TemplateJson,
    public readonly place: Place = TEST_PLACE,
  ) {}

  public resource(id: string): { readonly Type: string; readonly Properties: Record<string, unknown> } {
    const r = this.template.Resources[id];
    if (!r) throw new Error(`template has no resource ${id}`);
    return { Type: r.Type, Properties: r.Properties ?? {} };
  }

  public ofType(type: string): Array<[string, Record<string, unknown>]> {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]);
  }

  /** The value with every intrinsic resolved (objects and arrays deeply). */
  public resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      if (k === 'Ref') return this.ref(arg as string);
      if (k === 'Fn::GetAtt') return this.getAtt(...(arg as [string, string]));
      if (k === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return parts.map((p) => this.str(p)).join(sep);
      }
      if (k === 'Fn::Sub') return this.sub(arg as string | [string, Record<string, unknown>]);
      if (k.startsWith('Fn::')) throw new Error(`template resolver: ${k} not supported`);
    }
    return Object.fromEntries(keys.map((key) => [key, this.resolve(o[key])]));
  }

  public str(value: unknown): string {
    const v = this.resolve(value);
    if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** The logical id of the resource whose Ref or Arn is `arn`. */
  public idOfArn(arn: string): string | undefined {
    for (const id of Object.keys(this.template.Resources)) {
      try {
        if (this.ref(id) === arn || this.getAtt(id, 'Arn') === arn) return id;
      } catch {
        // a resource whose name property cannot be resolved here
      }
    }
    return undefined;
  }

  public ref(id: string): string {
    const { account, region, partition } = this.place;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'Rollout',
    };
    if (pseudo[id]) return pseudo[id];
    const r = this.resource(id);
    // Ref of a topic is its ARN; of most other resources, its name or id.
    if (r.Type === 'AWS::SNS::Topic') return `arn:${partition}:sns:${region}:${account}:${this.nameOf(id)}`;
    return this.nameOf(id);
  }

  public getAtt(id: string, attribute: string): string {
    const { account, region, partition } = this.place;
    const r = this.resource(id);
    const name = this.nameOf(id);
    if (attribute !== 'Arn') return `${id}.${attribute}`;
    switch (r.Type) {
      case 'AWS::KMS::Key':
        return `arn:${partition}:kms:${region}:${account}:key/${id}`;
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role/${name}`;
      case 'AWS::Events::Rule':
        return `arn:${partition}:events:${region}:${account}:rule/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
      case 'AWS::SNS::Topic':
        return this.ref(id);
      case 'AWS::Logs::LogGroup':
        return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
      default: {
        // Other types only appear in statements the audit does not match on: any unique ARN will do.
        const [, service = 'unknown', type = 'resource'] = r.Type.split('::');
        return `arn:${partition}:${service.toLowerCase()}:${region}:${account}:${type.toLowerCase()}/${id}`;
      }
    }
  }

  private nameOf(id: string): string {
    const p = this.resource(id).Properties;
    const name = p.AlarmName ?? p.TopicName ?? p.RoleName ?? p.FunctionName ?? p.Name;
    return name === undefined ? id : this.str(name);
  }

  private sub(arg: string | [string, Record<string, unknown>]): string {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in vars) return this.str(vars[name]);
      const [id, att] = name.split('.');
      return att ? this.getAtt(id!, att) : this.ref(id!);
    });
  }
}
