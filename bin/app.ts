#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RolloutConfigError } from '../lib/domain/config-errors';
import { loadRolloutConfig } from '../lib/domain/load-config';
import { ModelRolloutStack } from '../lib/stacks/model-rollout-stack';

// Which config to deploy: `cdk synth -c config=path/to/file.json`, else ROLLOUT_CONFIG, else the shipped one.
const app = new App();
const contextConfig: unknown = app.node.tryGetContext('config');
const configPath =
  typeof contextConfig === 'string' ? contextConfig : (process.env.ROLLOUT_CONFIG ?? 'rollout.config.json');

let loaded: ReturnType<typeof loadRolloutConfig>;
try {
  loaded = loadRolloutConfig(configPath);
} catch (err) {
  if (!(err instanceof RolloutConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const { config, warnings } = loaded;
new ModelRolloutStack(app, config.stackName, {
  config,
  configWarnings: warnings,
  // The region is pinned by config (the AppConfig Agent layer is per region); the account
  // comes from config or the CLI's credentials, so synth works with none.
  env: { region: config.aws.region, account: config.aws.account ?? process.env.CDK_DEFAULT_ACCOUNT },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
