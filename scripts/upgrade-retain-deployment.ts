/**
 * Upgrading from the first release: retain the stack's AppConfig deployment before the release
 * that removes it from the template (see lib/ops/retain-legacy-deployment.ts).
 *
 *   npm run upgrade:retain-deployment -- --stack NAME [--region R] [--bucket B] [--dry-run]
 */
import { runUpgradeRetainDeployment } from '../lib/ops/upgrade-cli';

void runUpgradeRetainDeployment(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
