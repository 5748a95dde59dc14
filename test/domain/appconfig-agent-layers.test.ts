import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import {
  AGENT_LAYER_TABLE,
  AgentLayerError,
  agentLayerArn,
  compareVersions,
  FIRST_ENTITY_ID_VERSION,
} from '../../lib/domain/appconfig-agent-layers';
import { RolloutConfigError } from '../../lib/domain/config-errors';
import { parseRolloutConfig } from '../../lib/domain/load-config';
import { TODAY, withChange } from '../fixtures/config';

/**
 * The gateway keeps one user on one flag version during a phase's deployment only with an agent
 * that supports entity-based gradual deployments (AWS AppConfig User Guide, "Using AWS AppConfig
 * Agent for user- or entity-based gradual deployments"). Layer ARNs are per region and
 * architecture ("Understanding available versions of the AWS AppConfig Agent Lambda extension").
 */
describe('pinned AppConfig Agent layers', () => {
  it('pins a version at or above the first one with Entity-Id support', () => {
    expect(compareVersions(AGENT_LAYER_TABLE.version, FIRST_ENTITY_ID_VERSION)).toBeGreaterThanOrEqual(0);
    expect(AGENT_LAYER_TABLE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('gives the documented ARN for us-east-1 arm64 and x86-64', () => {
    expect(agentLayerArn('us-east-1', 'arm64')).toBe(
      'arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension-Arm64:254',
    );
    expect(agentLayerArn('us-east-1', 'x86_64')).toBe(
      'arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension:321',
    );
  });

  it("is newer than aws-cdk-lib's table in every region both know (that one is agent 2.0.358, 2023)", () => {
    let compared = 0;
    for (const region of Object.keys(AGENT_LAYER_TABLE.regions)) {
      const cdk = appconfig.Application.getLambdaLayerVersionArn(region, appconfig.Platform.ARM_64);
      if (!cdk) continue;
      compared++;
      const layerVersion = (arn: string): number => Number(arn.split(':').pop());
      expect([region, layerVersion(agentLayerArn(region, 'arm64')) > layerVersion(cdk)]).toEqual([region, true]);
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('uses the partition of the region (China, GovCloud)', () => {
    expect(agentLayerArn('cn-north-1', 'arm64')).toMatch(
      /^arn:aws-cn:lambda:cn-north-1:615057806174:layer:AWS-AppConfig-Extension-Arm64:\d+$/,
    );
    expect(agentLayerArn('us-gov-west-1', 'arm64')).toMatch(/^arn:aws-us-gov:lambda:us-gov-west-1:946746059096:layer:/);
  });

  it('has both architectures, a 12-digit publisher account and positive layer versions for every region', () => {
    for (const [region, layers] of Object.entries(AGENT_LAYER_TABLE.regions)) {
      expect([region, layers.account]).toEqual([region, expect.stringMatching(/^\d{12}$/)]);
      expect(layers.arm64).toBeGreaterThan(0);
      expect(layers.x86_64).toBeGreaterThan(0);
    }
  });

  it('refuses a region without a pinned layer, naming the config key that fixes it', () => {
    expect(() => agentLayerArn('xx-nowhere-1', 'arm64')).toThrow(AgentLayerError);
    expect(() => agentLayerArn('xx-nowhere-1', 'arm64')).toThrow(
      /No AppConfig Agent layer is pinned for region xx-nowhere-1.*appConfig\.agentLayerArn/,
    );
  });

  it('compares dotted versions numerically', () => {
    expect(compareVersions('2.0.17054.0', '2.0.14126.0')).toBeGreaterThan(0);
    expect(compareVersions('2.0.358', '2.0.14126.0')).toBeLessThan(0);
    expect(compareVersions('2.0.2037', '2.0.2037.0')).toBe(0);
  });
});

describe('config: the agent layer', () => {
  const parse =
    (input: unknown): (() => unknown) =>
    () =>
      parseRolloutConfig(input, { today: TODAY });

  it('refuses a region the table lacks unless appConfig.agentLayerArn is set', () => {
    const input = withChange((c) => {
      c.aws.region = 'eu-west-9';
    });
    expect(parse(input)).toThrow(RolloutConfigError);
    expect(parse(input)).toThrow(/aws\.region: has no pinned AppConfig Agent layer .*set appConfig\.agentLayerArn/);
    const fixed = withChange((c) => {
      c.aws.region = 'eu-west-9';
      c.appConfig.agentLayerArn = 'arn:aws:lambda:eu-west-9:123456789012:layer:AWS-AppConfig-Extension-Arm64:7';
    });
    expect(parse(fixed)).not.toThrow();
  });

  it('refuses an override from another region or for x86-64', () => {
    const otherRegion = withChange((c) => {
      c.appConfig.agentLayerArn = 'arn:aws:lambda:eu-west-1:434848589818:layer:AWS-AppConfig-Extension-Arm64:241';
    });
    expect(parse(otherRegion)).toThrow(
      /appConfig\.agentLayerArn: is a layer of eu-west-1, but the stack deploys to aws\.region us-east-1/,
    );
    const x86 = withChange((c) => {
      c.appConfig.agentLayerArn = 'arn:aws:lambda:us-east-1:027255383542:layer:AWS-AppConfig-Extension:321';
    });
    expect(parse(x86)).toThrow(/appConfig\.agentLayerArn: must be an arm64 AppConfig Agent layer ARN/);
  });
});
