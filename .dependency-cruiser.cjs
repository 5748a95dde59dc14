/**
 * The import rules of the codebase, checked by `npm test` (npm run deps). The folders show the
 * architecture (docs/ARCHITECTURE.md, "The parts"); these rules keep it that way:
 * - lib/domain is plain code: it imports nothing else of ours, and nothing of AWS;
 * - runtime code (the Lambdas, the gateway core, the CLI, ops, the client) never imports CDK;
 * - the CLI and the Lambdas meet only in shared modules (lib/domain, lib/gateway, lib/ops);
 * - product code never imports tests; benchmarks and scripts share fakes/, not test/.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-nothing-of-ours',
      comment: 'lib/domain is shared by CDK, the Lambdas and the CLI: it may import only itself.',
      severity: 'error',
      from: { path: '^lib/domain/' },
      to: { path: '^(bin/|lib/(?!domain/)|lambda/|bench/|scripts/|fakes/|test/)' },
    },
    {
      name: 'domain-imports-no-aws',
      severity: 'error',
      from: { path: '^lib/domain/' },
      to: { path: 'node_modules/(aws-cdk-lib|constructs|@aws-sdk|@aws-lambda-powertools)/' },
    },
    {
      name: 'runtime-code-never-imports-cdk',
      comment: 'Lambda bundles, the gateway core, the CLI and ops run without CDK.',
      severity: 'error',
      from: { path: '^(lambda|lib/(gateway|cli|ops|client))/' },
      to: { path: ['node_modules/(aws-cdk-lib|constructs|cdk-nag)/', '^lib/(constructs|stacks)/', '^bin/'] },
    },
    {
      name: 'only-lib-constructs-and-stacks-compose-cdk',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/(constructs|stacks)/' },
      to: { path: '^lib/(constructs|stacks)/' },
    },
    {
      name: 'lib-never-imports-lambda',
      comment:
        'The CLI and the Lambdas meet in lib/domain, lib/gateway and lib/ops; constructs name Lambda entry files by path, not by import.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lambda/' },
    },
    {
      name: 'lambdas-are-independent',
      severity: 'error',
      from: { path: '^lambda/([^/]+)/' },
      to: { path: '^lambda/', pathNot: '^lambda/$1/' },
    },
    {
      name: 'product-never-imports-tests-or-fakes',
      severity: 'error',
      from: { path: '^(bin|lib|lambda)/' },
      to: { path: '^(test|fakes|bench)/' },
    },
    {
      name: 'bench-and-scripts-share-fakes-not-tests',
      severity: 'error',
      from: { path: '^(bench|scripts|fakes)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^cdk\\.out/' },
  },
};
