import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ModelRolloutStack } from '../../lib/stacks/model-rollout-stack';
import { configWith, shippedConfig, SHIPPED_CONFIG_FILE } from '../fixtures/config';

const ROOT = path.join(__dirname, '../..');

describe('ModelRolloutStack', () => {
  it('composes the flags and passes cdk-nag and the CloudFormation validation at app synth', () => {
    const app = new App();
    const stack = new ModelRolloutStack(app, 'Rollout', { config: shippedConfig(), env: { region: 'us-east-1' } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = app.synth(); // throws when a validation plugin reports a violation
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::AppConfig::Application', 1);
    t.resourceCountIs('AWS::AppConfig::Deployment', 0);
    expect(stack.templateOptions.description).toBe('Canary rollout of claude-haiku-4-5 in place of claude-sonnet-4-6');
    t.hasOutput('GatewayUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('GatewayFunctionFunctionUrl'), 'FunctionUrl'] },
    });
  });

  it('shows config warnings (a model retiring soon) as synth warnings', () => {
    const app = new App();
    const stack = new ModelRolloutStack(app, 'Rollout', {
      config: shippedConfig(),
      configWarnings: [
        { path: 'llm.models.x.vendorModelId', value: 'claude-sonnet-4-5', message: 'retires on 2026-11-30' },
      ],
    });
    Annotations.fromStack(stack).hasWarning(
      '/Rollout',
      Match.stringLikeRegexp('rollout config llm.models.x.vendorModelId: retires on 2026-11-30'),
    );
  });
});

describe('ModelRolloutStack in two regions', () => {
  // Budget and dashboard names are unique per account, not per region (AWS Budgets and
  // CloudWatch dashboards are global): the same stack name must deploy in a second region.
  it('names its budget and dashboard after the region too', () => {
    const names = ['us-east-1', 'eu-west-1'].map((region) => {
      const config = configWith((c) => {
        c.aws.region = region;
      });
      const t = Template.fromStack(
        new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', { config }),
      );
      const budget = Object.values(t.findResources('AWS::Budgets::Budget'))[0] as {
        Properties: { Budget: { BudgetName: string } };
      };
      const dashboard = Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0] as {
        Properties: { DashboardName: string };
      };
      return [budget.Properties.Budget.BudgetName, dashboard.Properties.DashboardName];
    });
    expect(names).toEqual([
      ['LlmModelRollout-us-east-1-aws-costs', 'LlmModelRollout-us-east-1-rollout'],
      ['LlmModelRollout-eu-west-1-aws-costs', 'LlmModelRollout-eu-west-1-rollout'],
    ]);
  });

  it('retains the id-hash key secret (retained logs stay linkable)', () => {
    const t = Template.fromStack(
      new ModelRolloutStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Rollout', {
        config: shippedConfig(),
      }),
    );
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('bin/app.ts', () => {
  function synthWith(config: string): { status: number; output: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'rollout-config-'));
    const file = path.join(dir, 'rollout.config.json');
    writeFileSync(file, config);
    try {
      const output = execFileSync('npx', ['tsx', 'bin/app.ts'], {
        cwd: ROOT,
        env: { ...process.env, ROLLOUT_CONFIG: file, CDK_OUTDIR: path.join(dir, 'cdk.out') },
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { status: 0, output };
    } catch (err) {
      const e = err as { status: number; stderr: string; stdout: string };
      return { status: e.status, output: e.stdout + e.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  type RawConfig = { llm: { newModelAlias: string }; rollout: { phases: { rolloutPercent: number }[] } };
  const shippedRaw = (): RawConfig => JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, 'utf8')) as RawConfig;

  it('refuses a config with a malformed value, naming key, value and fix, and exits 1', () => {
    const raw = shippedRaw();
    raw.rollout.phases[1]!.rolloutPercent = 101;
    const { status, output } = synthWith(JSON.stringify(raw));
    expect(status).toBe(1);
    expect(output).toMatch(/Invalid rollout config .*rollout\.config\.json/);
    expect(output).toMatch(/rollout\.phases\[1\]\.rolloutPercent: must be between 0 and 100 .*\(got 101\)/);
  });

  it('refuses a config whose parts disagree (unknown model alias), and exits 1', () => {
    const raw = shippedRaw();
    raw.llm.newModelAlias = 'claude-haiku-9';
    const { status, output } = synthWith(JSON.stringify(raw));
    expect(status).toBe(1);
    expect(output).toMatch(
      /llm\.newModelAlias: is not in llm\.models \(known aliases: claude-sonnet-4-6, claude-haiku-4-5\).*\(got "claude-haiku-9"\)/,
    );
  });

  it('synthesizes the shipped config with no AWS account', () => {
    const { status } = synthWith(readFileSync(SHIPPED_CONFIG_FILE, 'utf8'));
    expect(status).toBe(0);
  });
});
