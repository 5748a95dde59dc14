import type { Capability } from '@aws-sdk/client-cloudformation';
import { isObject, type TemplateDocument } from './template-json';

/**
 * The IAM resource types that need CAPABILITY_IAM or CAPABILITY_NAMED_IAM, and the property
 * that gives each a custom name, which needs CAPABILITY_NAMED_IAM (CloudFormation API
 * Reference, UpdateStack: Capabilities; CloudFormation User Guide, "Acknowledging IAM resources
 * in CloudFormation templates"). An inline AWS::IAM::Policy's PolicyName is not an IAM name.
 */
const IAM_NAME_PROPERTY: Readonly<Record<string, string | undefined>> = {
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::UserToGroupAddition': undefined,
};

/**
 * The capabilities to acknowledge on UpdateStack: every one the stack already has (DescribeStacks
 * Capabilities: cdk deploy passes CAPABILITY_IAM, CAPABILITY_NAMED_IAM and CAPABILITY_AUTO_EXPAND),
 * plus any the template needs that the stack lacks. Without them CloudFormation answers
 * InsufficientCapabilities and updates nothing.
 */
export function capabilitiesFor(template: TemplateDocument, stackCapabilities: readonly Capability[]): Capability[] {
  const wanted = new Set<Capability>(stackCapabilities);
  for (const resource of Object.values(template.Resources)) {
    if (!isObject(resource) || typeof resource.Type !== 'string' || !(resource.Type in IAM_NAME_PROPERTY)) continue;
    const nameProperty = IAM_NAME_PROPERTY[resource.Type];
    const named =
      nameProperty !== undefined && isObject(resource.Properties) && resource.Properties[nameProperty] !== undefined;
    if (named) wanted.add('CAPABILITY_NAMED_IAM');
    else if (!wanted.has('CAPABILITY_NAMED_IAM')) wanted.add('CAPABILITY_IAM');
  }
  // Macros, AWS::Serverless and AWS::Include among them (UpdateStack: CAPABILITY_AUTO_EXPAND).
  if (template.Transform !== undefined) wanted.add('CAPABILITY_AUTO_EXPAND');
  return [...wanted];
}
