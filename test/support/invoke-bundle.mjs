// Runs a synthesized bundle's handler in this fresh process, as one Lambda
// instance would (test/infra/bundle-tracing.test.ts starts it):
//
//   node test/support/invoke-bundle.mjs <bundle> <steps.json>
//
// steps.json: [{ "event": ..., "traceHeader": "Root=...;Parent=...;Sampled=1" }, ...],
// invoked one after the other, each with its trace header in
// _X_AMZN_TRACE_ID as Lambda sets it. Prints one line:
//   RESULT [{"statusCode":..,"startedAt":..,"endedAt":..,"tracerLoaded":..,"asyncHooks":..}, ...]
// tracerLoaded: the X-Ray SDK has created its context namespace (it does
// when it is loaded). asyncHooks: how many async_hooks the process has
// created since it started (cls-hooked creates one for the X-Ray SDK).
// Plain JavaScript: no TypeScript loader in the measured process.
import asyncHooks from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let hooksCreated = 0;
const createHook = asyncHooks.createHook;
asyncHooks.createHook = (callbacks) => {
  hooksCreated++;
  return createHook(callbacks);
};

const [bundle, stepsFile] = process.argv.slice(2);
const steps = JSON.parse(readFileSync(stepsFile, 'utf8'));
const { handler } = createRequire(import.meta.url)(bundle);

const results = [];
for (const step of steps) {
  process.env._X_AMZN_TRACE_ID = step.traceHeader;
  const startedAt = Date.now();
  const deadline = startedAt + 10_000;
  const answer = await handler(step.event, {
    callbackWaitsForEmptyEventLoop: false,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:transfer',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: crypto.randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  });
  results.push({ statusCode: answer.statusCode, startedAt, endedAt: Date.now(), tracerLoaded: process.namespaces?.AWSXRay !== undefined, asyncHooks: hooksCreated });
}
process.stdout.write(`\nRESULT ${JSON.stringify(results)}\n`);
// The last segments are sent asynchronously; a Lambda instance would live on.
setTimeout(() => process.exit(0), 100);
