import * as path from 'node:path';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { createRecorder } from './aws-call-recorder';
import { REPO_ROOT, callsDir } from './test-run';

/**
 * TEST ONLY, in every jest test file (jest.config.js, setupFilesAfterEnv):
 * records the AWS calls the handlers make, per function, for
 * test/infra/iam-conformance.after-run.test.ts.
 *
 * Each handler module of lib/definitions.ts is replaced by itself with its
 * `handler` wrapped in the recorder's scope, so a call is attributed to
 * the function whose invocation made it, whichever way a test reaches the
 * handler (the harness, local/handlers.ts, the local server). A function
 * added to FUNCTIONS is recorded without touching this file.
 */

const testPath = (): string => path.relative(REPO_ROOT, expect.getState().testPath ?? 'unknown');
const recorder = createRecorder({ mode: 'source', test: testPath, callsDir: callsDir() });

// The SDK clients of this test file's module registry.
recorder.patch(require('@smithy/core/client'));

for (const functionId of Object.keys(FUNCTIONS) as FunctionId[]) {
  const entry = path.join(REPO_ROOT, FUNCTIONS[functionId].entry);
  // doMock, not mock: it must not be hoisted above `entry`.
  jest.doMock(entry, () => {
    const actual = jest.requireActual<Record<string, unknown>>(entry);
    const handler = actual.handler as (...args: unknown[]) => Promise<unknown>;
    return { __esModule: true, ...actual, handler: recorder.asFunction(functionId, handler) };
  });
}

afterAll(() => recorder.flush());
