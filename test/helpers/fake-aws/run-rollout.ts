import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { SHIPPED_CONFIG_FILE } from '../../fixtures/config';

export interface RolloutRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npx rollout <args>` (bin/rollout.cjs) as on-call would, with the shipped config and
 * the SDK's standard endpoint variables pointing every service at `endpoint`. Only PATH is
 * inherited, so no developer credentials or profile leak in.
 */
export function runRollout(args: readonly string[], endpoint: string): Promise<RolloutRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(__dirname, '../../../bin/rollout.cjs'), ...args, '--config', SHIPPED_CONFIG_FILE],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL_APPCONFIG: endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
          AWS_ENDPOINT_URL_SSM: endpoint,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
