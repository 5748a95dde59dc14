import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  environmentContract,
  GATEWAY_ENVIRONMENT,
  GUARD_ENVIRONMENT,
  MissingEnvironmentError,
} from '../../lib/domain/lambda-environment';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { shippedConfig } from '../fixtures/config';

describe('environmentContract', () => {
  const contract = environmentContract('Owner', ['A', 'B'] as const);

  it('reads every variable it declares', () => {
    expect(contract.read({ A: '1', B: '2', OTHER: '3' })).toEqual({ A: '1', B: '2' });
  });

  it.each([[{ B: '2' }], [{ A: '', B: '2' }]])('names the missing variable and who sets it (%j)', (env) => {
    expect(() => contract.read(env)).toThrow(MissingEnvironmentError);
    expect(() => contract.read(env)).toThrow(
      'Environment variable A is not set; the function is deployed by Owner, which sets it.',
    );
  });

  it('renders exactly its variables', () => {
    expect(contract.render({ A: 'x', B: 'y' })).toEqual({ A: 'x', B: 'y' });
  });
});

describe('the stack sets every variable each handler reads', () => {
  const t = Template.fromStack(
    new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', {
      config: shippedConfig(),
    }),
  );
  const envOf = (description: string): Record<string, unknown> => {
    const fns = Object.values(
      t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(description) } }),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
    expect(fns).toHaveLength(1);
    return fns[0]!.Properties.Environment.Variables;
  };

  it.each([
    ['^Rolls the model rollout back', GUARD_ENVIRONMENT.names],
    ['^Model gateway', GATEWAY_ENVIRONMENT.names],
  ])('%s', (description, names) => {
    const env = envOf(description);
    for (const name of names) expect([name, env[name]]).toEqual([name, expect.anything()]);
  });
});
