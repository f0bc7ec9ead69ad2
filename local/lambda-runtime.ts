import { readFileSync } from 'node:fs';
import Module, { createRequire, isBuiltin } from 'node:module';
import * as path from 'node:path';

/**
 * A Lambda Node.js runtime in miniature: one child process per function,
 * started by local/bundled-handlers.ts for `npm start -- --bundled` and the
 * bundled end-to-end run. It loads the synthesized bundle the way the
 * Lambda runtime does, and nothing of the sources:
 *
 * - `_HANDLER` (`index.handler`) names a CommonJS module in the asset
 *   directory (`LAMBDA_TASK_ROOT`) and the function it exports;
 * - the module may require Node's built-ins and the AWS SDK v3 that the
 *   runtime ships (`@aws-sdk/*`, here the copy in node_modules, standing
 *   for /var/runtime/node_modules), and nothing else: a bundle that needs
 *   any other package fails to load, as it would in Lambda;
 * - the process environment is the function's `Environment` from the
 *   template plus what Lambda itself sets (built by bundled-handlers.ts);
 * - the handler is loaded once (init) and then invoked with the event and a
 *   Lambda context; its answer goes back JSON-serialised, as Lambda's does.
 *
 * It runs on this machine's Node.js, not on the Lambda runtime's: the
 * bundles target Node.js 24, and this one has to load them too
 * (test/infra/runtime-compat.test.ts keeps the code within what both run).
 *
 * Compiled with esbuild and started with plain `node`: this file imports
 * nothing but Node's built-ins.
 */

/** Parent -> child. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: InvocationContext;
}

/** What the child needs to rebuild the Lambda context of one invocation. */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly deadlineMs: number;
}

/** Child -> parent. */
export type RuntimeMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: ErrorReport }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: ErrorReport };

export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Where the "runtime's" AWS SDK is found: the repository's node_modules. */
export const RUNTIME_SDK_ROOT_ENV = 'LOCAL_RUNTIME_SDK_ROOT';

type LambdaHandler = (event: unknown, context: Record<string, unknown>) => unknown;

function report(error: unknown): ErrorReport {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  return { name: 'Error', message: String(error) };
}

function send(message: RuntimeMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

/** Runtime.ImportModuleError, as the Lambda runtime names a module that cannot be loaded. */
function moduleNotFound(id: string, from: string): Error {
  const error = new Error(`Cannot find module '${id}' from ${from}: the Lambda runtime provides only Node's built-ins and @aws-sdk/*.`);
  error.name = 'Runtime.ImportModuleError';
  return Object.assign(error, { code: 'MODULE_NOT_FOUND' });
}

/** Loads `index.handler` from LAMBDA_TASK_ROOT with the runtime's module rules. */
function loadHandler(): LambdaHandler {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const handlerSetting = process.env._HANDLER;
  const sdkRoot = process.env[RUNTIME_SDK_ROOT_ENV];
  if (taskRoot === undefined || handlerSetting === undefined || sdkRoot === undefined) {
    throw new Error(`LAMBDA_TASK_ROOT, _HANDLER and ${RUNTIME_SDK_ROOT_ENV} must be set.`);
  }
  const dot = handlerSetting.lastIndexOf('.');
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const file = path.join(taskRoot, `${moduleName}.js`);
  const runtimeSdk = createRequire(path.join(sdkRoot, 'package.json'));

  // A module object of our own, so that its `require` follows the runtime's
  // rules instead of walking up to the repository's node_modules.
  const bundle = new Module(file);
  bundle.filename = file;
  const ownRequire = bundle.require.bind(bundle);
  bundle.require = ((id: string) => {
    if (isBuiltin(id)) return ownRequire(id);
    if (id.startsWith('@aws-sdk/')) return runtimeSdk(id);
    if (id.startsWith('./') || id.startsWith('../')) return ownRequire(id);
    throw moduleNotFound(id, file);
  }) as NodeJS.Require;
  (bundle as unknown as { _compile(source: string, filename: string): void })._compile(readFileSync(file, 'utf8'), file);

  const handler = (bundle.exports as Record<string, unknown>)[exportName];
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerSetting} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler as LambdaHandler;
}

function lambdaContext({ awsRequestId, deadlineMs }: InvocationContext): Record<string, unknown> {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'local'}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

/** Lambda sets a fresh trace header per invocation; not sampled, so nothing is sent to an X-Ray daemon. */
function traceHeader(): string {
  const hex = (length: number): string => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)};Parent=${hex(16)};Sampled=0`;
}

function main(): void {
  let handler: LambdaHandler;
  try {
    handler = loadHandler();
  } catch (error) {
    // Leave only once the report is out: the parent tells a failed init by it.
    send({ type: 'init-error', error: report(error) }, () => {
      process.exitCode = 1;
      process.disconnect?.();
    });
    return;
  }
  process.on('message', (message: InvokeMessage) => {
    if (message.type !== 'invoke') return;
    process.env._X_AMZN_TRACE_ID = traceHeader();
    void (async () => {
      try {
        const result = await handler(message.event, lambdaContext(message.context));
        send({ type: 'result', id: message.id, result });
      } catch (error) {
        send({ type: 'error', id: message.id, error: report(error) });
      }
    })();
  });
  // The parent went away (or closed us): this instance ends, as a Lambda sandbox does.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

if (require.main === module) main();
