const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

/**
 * One Jest run for the four kinds of test. DynamoDB Local is started once
 * (test/support/global-setup.ts) and every test file creates its own tables,
 * so files never see each other's data.
 *
 *   npm run test:unit | test:integration | test:infra | test:e2e
 *
 * Two projects: every test against the TypeScript sources, and `bundled`,
 * the end-to-end files again against the synthesized bundles
 * (local/bundled-handlers.ts); `--ignoreProjects bundled` or
 * `--selectProjects bundled` runs one. After the run,
 * jest.after-run.config.js checks what it recorded (IAM conformance).
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

/**
 * The end-to-end files the bundles can answer: those that start the local
 * stack through test/support/e2e-client.ts. Not the demo (its faults live
 * on the sources' DynamoDB client) and not the hostile-input fuzz (the same
 * parser code in both forms: it would double its time for little).
 */
const e2eDir = path.join(__dirname, 'test', 'e2e');
const bundledE2e = readdirSync(e2eDir)
  .filter((name) => name.endsWith('.test.ts') && name !== 'hostile-input.test.ts')
  .filter((name) => readFileSync(path.join(e2eDir, name), 'utf8').includes('startE2eStack('));

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      roots: ['<rootDir>/test'],
      // The checks of what the whole run recorded run after it (jest.after-run.config.js).
      testPathIgnorePatterns: ['/node_modules/', '\\.after-run\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'bundled',
      roots: ['<rootDir>/test/e2e'],
      testMatch: bundledE2e.map((name) => `<rootDir>/test/e2e/${name}`),
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/e2e-bundled-mode.ts'],
    },
  ],
};
