/**
 * The AppConfig Agent Lambda extension, pinned: one layer per region and architecture.
 *
 * Why pinned and not aws-cdk-lib's `Application.getLambdaLayerVersionArn`: that table is from
 * agent 2.0.358 (December 2023; us-east-1 arm64 → layer 61), which predates entity-based gradual
 * deployments, so during a phase's deployment one user could flip between flag versions (and
 * models) from one Lambda environment to the next. Why not the public SSM parameter: a deploy
 * would then pick up whatever agent AWS published that day, unreviewed; a pinned table changes
 * only in a commit, and a test keeps it at or above the first version with `Entity-Id` support.
 *
 * Source: AWS AppConfig User Guide, "Understanding available versions of the AWS AppConfig Agent
 * Lambda extension" (tables "x86-64 platform" and "ARM64 platform"), extension version
 * 2.0.17054.0 released 2026-05-14. To update: copy the new version's layer numbers from that
 * page, set AGENT_LAYER_TABLE.version/date, and run the tests.
 */

export type AgentArchitecture = 'arm64' | 'x86_64';

interface RegionLayers {
  /** The AWS account that publishes the layer in this region. */
  readonly account: string;
  /** Layer version of `AWS-AppConfig-Extension` (x86-64). */
  readonly x86_64: number;
  /** Layer version of `AWS-AppConfig-Extension-Arm64`. */
  readonly arm64: number;
}

export const AGENT_LAYER_TABLE = {
  version: '2.0.17054.0',
  date: '2026-05-14',
  regions: {
    'us-east-1': { account: '027255383542', x86_64: 321, arm64: 254 },
    'us-east-2': { account: '728743619870', x86_64: 277, arm64: 229 },
    'us-west-1': { account: '958113053741', x86_64: 395, arm64: 272 },
    'us-west-2': { account: '359756378197', x86_64: 373, arm64: 275 },
    'ca-central-1': { account: '039592058896', x86_64: 262, arm64: 182 },
    'ca-west-1': { account: '436199621743', x86_64: 172, arm64: 162 },
    'eu-central-1': { account: '066940009817', x86_64: 295, arm64: 238 },
    'eu-central-2': { account: '758369105281', x86_64: 220, arm64: 178 },
    'eu-west-1': { account: '434848589818', x86_64: 303, arm64: 241 },
    'eu-west-2': { account: '282860088358', x86_64: 242, arm64: 194 },
    'eu-west-3': { account: '493207061005', x86_64: 273, arm64: 192 },
    'eu-north-1': { account: '646970417810', x86_64: 367, arm64: 226 },
    'eu-south-1': { account: '203683718741', x86_64: 249, arm64: 177 },
    'eu-south-2': { account: '586093569114', x86_64: 214, arm64: 175 },
    'cn-north-1': { account: '615057806174', x86_64: 243, arm64: 165 },
    'cn-northwest-1': { account: '615084187847', x86_64: 241, arm64: 163 },
    'ap-east-1': { account: '630222743974', x86_64: 254, arm64: 182 },
    'ap-east-2': { account: '730335625313', x86_64: 147, arm64: 121 },
    'ap-northeast-1': { account: '980059726660', x86_64: 272, arm64: 225 },
    'ap-northeast-2': { account: '826293736237', x86_64: 273, arm64: 181 },
    'ap-northeast-3': { account: '706869817123', x86_64: 272, arm64: 187 },
    'ap-southeast-1': { account: '421114256042', x86_64: 258, arm64: 210 },
    'ap-southeast-2': { account: '080788657173', x86_64: 313, arm64: 256 },
    'ap-southeast-3': { account: '418787028745', x86_64: 256, arm64: 193 },
    'ap-southeast-4': { account: '307021474294', x86_64: 188, arm64: 173 },
    'ap-southeast-5': { account: '631746059939', x86_64: 161, arm64: 136 },
    'ap-southeast-6': { account: '381491832265', x86_64: 97, arm64: 87 },
    'ap-southeast-7': { account: '851725616657', x86_64: 134, arm64: 133 },
    'ap-south-1': { account: '554480029851', x86_64: 290, arm64: 232 },
    'ap-south-2': { account: '489524808438', x86_64: 217, arm64: 175 },
    'sa-east-1': { account: '000010852771', x86_64: 327, arm64: 215 },
    'mx-central-1': { account: '891376990304', x86_64: 142, arm64: 141 },
    'af-south-1': { account: '574348263942', x86_64: 260, arm64: 188 },
    'il-central-1': { account: '895787185223', x86_64: 188, arm64: 171 },
    'me-central-1': { account: '662846165436', x86_64: 212, arm64: 168 },
    'me-south-1': { account: '559955524753', x86_64: 254, arm64: 182 },
    'us-gov-east-1': { account: '946561847325', x86_64: 219, arm64: 165 },
    'us-gov-west-1': { account: '946746059096', x86_64: 220, arm64: 166 },
  } as Readonly<Record<string, RegionLayers>>,
} as const;

/**
 * The first extension version that keeps one `Entity-Id` on one configuration version during a
 * gradual deployment. AWS states the requirement for the EC2/ECS agent (2.0.136060, a different
 * numbering) and no Lambda-specific number; entity-based gradual deployments were documented on
 * 2026-03-26, and 2.0.14126.0 (2026-03-25) is the Lambda release they shipped with.
 */
export const FIRST_ENTITY_ID_VERSION = '2.0.14126.0';

/** The requested region has no pinned layer. */
export class AgentLayerError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'AgentLayerError';
  }
}

/** The pinned AppConfig Agent layer ARN for `region` and `architecture`. */
export function agentLayerArn(region: string, architecture: AgentArchitecture): string {
  const layers = AGENT_LAYER_TABLE.regions[region];
  if (!layers) {
    throw new AgentLayerError(
      `No AppConfig Agent layer is pinned for region ${region} (table of extension ${AGENT_LAYER_TABLE.version}). ` +
        'Set appConfig.agentLayerArn in the rollout config to the layer ARN from the AWS AppConfig User Guide page ' +
        '"Understanding available versions of the AWS AppConfig Agent Lambda extension", or deploy to a listed region.',
    );
  }
  const name = architecture === 'arm64' ? 'AWS-AppConfig-Extension-Arm64' : 'AWS-AppConfig-Extension';
  return `arn:${partitionOf(region)}:lambda:${region}:${layers.account}:layer:${name}:${layers[architecture]}`;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Compares dotted version strings numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
