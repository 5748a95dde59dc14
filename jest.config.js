/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking happens once in `npm test` (tsc --noEmit); ts-jest only transpiles.
    '^.+\\.ts$': 'ts-jest',
  },
  testTimeout: 30000,
};
