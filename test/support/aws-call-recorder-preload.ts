import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FunctionId } from '../../lib/definitions';
import { RUNTIME_SDK_ROOT_ENV, type InvokeMessage } from '../../local/lambda-runtime';
import { createRecorder } from './aws-call-recorder';

/**
 * TEST ONLY: loaded with `--require` into a function's process of
 * local/bundled-handlers.ts by the bundled end-to-end run
 * (test/support/e2e-client.ts), before the bundle. Every AWS call of the
 * process is this function's: the bundle's own SDK client (the runtime's
 * @aws-sdk, from node_modules) records them. The records are written when
 * the process ends.
 */

export const RECORDER_ENV = {
  functionId: 'AWS_CALL_RECORDER_FUNCTION_ID',
  test: 'AWS_CALL_RECORDER_TEST',
  callsDir: 'AWS_CALL_RECORDER_DIR',
} as const;

const functionId = process.env[RECORDER_ENV.functionId] as FunctionId | undefined;
const callsDir = process.env[RECORDER_ENV.callsDir];
if (functionId !== undefined && callsDir !== undefined) {
  const scope = { functionId, mode: 'bundled' as const };
  const recorder = createRecorder({ mode: 'bundled', test: () => process.env[RECORDER_ENV.test] ?? 'unknown', callsDir, defaultScope: scope });
  // The @smithy/core the runtime's SDK loads: resolved from @aws-sdk/client-dynamodb, as the bundle resolves it.
  const sdkRoot = process.env[RUNTIME_SDK_ROOT_ENV] ?? process.cwd();
  const clientDynamoDb = createRequire(path.join(sdkRoot, 'package.json')).resolve('@aws-sdk/client-dynamodb');
  recorder.patch(createRequire(clientDynamoDb)('@smithy/core/client'));
  process.on('message', (message: InvokeMessage) => {
    if (message.type === 'invoke') recorder.invoked(scope);
  });
  process.on('exit', () => recorder.flush());
}
