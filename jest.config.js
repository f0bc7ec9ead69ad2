/**
 * One Jest run for the four kinds of test. DynamoDB Local is started once
 * (test/support/global-setup.ts) and every test file creates its own tables,
 * so files never see each other's data.
 *
 *   npm run test:unit | test:integration | test:infra | test:e2e
 */
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform,
  // jose ships ES modules only; let swc turn it into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Powertools logs and metrics stay quiet in tests (see the file).
  setupFiles: ['<rootDir>/test/support/quiet-observability.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
