/**
 * One Jest run for the four kinds of test. DynamoDB Local is started once
 * (test/support/global-setup.ts) and every test file creates its own tables,
 * so files never see each other's data.
 *
 *   npm run test:unit | test:integration | test:infra | test:e2e
 *
 * Two projects: `sources`, every test against the TypeScript sources, and
 * `bundled`, the end-to-end files again against the synthesized bundles
 * (local/bundled-handlers.ts). After the run, jest.after-run.config.js
 * checks what it recorded (IAM conformance).
 */
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};

const common = {
  testEnvironment: 'node',
  transform,
  // jose ships ES modules only; let swc turn it into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testMatch: ['**/*.test.ts'],
  // Powertools logs and metrics stay quiet in tests (see the file).
  setupFiles: ['<rootDir>/test/support/quiet-observability.ts'],
  // Every AWS call of a handler is recorded, per function (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/support/record-aws-calls.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'sources',
      roots: ['<rootDir>/test'],
      // The checks of what the whole run recorded run after it (jest.after-run.config.js).
      testPathIgnorePatterns: ['/node_modules/', '\\.after-run\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'bundled',
      roots: ['<rootDir>/test/e2e'],
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/e2e-bundled-mode.ts'],
      // demo.test.ts injects faults, which live on the sources' DynamoDB client only; hostile-input.test.ts
      // fuzzes the request parser, the same code in both forms, and would double its minutes for little.
      testPathIgnorePatterns: ['/node_modules/', '/demo\\.test\\.ts$', '/hostile-input\\.test\\.ts$'],
    },
  ],
};
