/**
 * The checks of what the last jest.config.js run recorded in its directory
 * under .local/test-run (test/support/test-run.ts): IAM conformance of every AWS call the
 * functions made. `npm test` runs it after the main run; no DynamoDB Local.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.after-run.test.ts'],
  testTimeout: 120_000,
};
