// Two projects: `unit` (pure modules, no servers, no synth: seconds) and `integration`
// (local fake servers, the Lambda runtime's own code, CDK synth). `npm test` runs both;
// `npm run test:unit` runs the first alone while you work.
const UNIT = [
  '<rootDir>/test/domain/**/*.test.ts',
  '<rootDir>/test/gateway/units/**/*.test.ts',
  '<rootDir>/test/bench/**/*.test.ts',
];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    // Type-checking happens once in `npm test` (tsc --noEmit); ts-jest only transpiles.
    '^.+\\.ts$': 'ts-jest',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: UNIT },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/domain/',
        '<rootDir>/test/gateway/units/',
        '<rootDir>/test/bench/',
      ],
    },
  ],
};
