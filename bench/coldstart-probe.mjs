// One cold start, in a fresh Node process (spawned by bench/coldstart.ts).
//
//   node [NODE_OPTIONS] bench/coldstart-probe.mjs <bundle> <events.json>
//
// Loads the bundle as the Lambda Node.js runtime does (require() for a
// CommonJS .js, import() for .mjs), then invokes the handler twice: the
// first invocation constructs configuration and clients and opens the
// connection; the second runs warm. Prints one line:
//   COLDSTART {"loadMs":..,"firstInvokeMs":..,"warmInvokeMs":..,"loadCpuMs":..,...,"statuses":[..]}
// Wall-clock milliseconds, and the process's CPU milliseconds for the same
// spans (all threads): less sensitive to other load on the machine.
// Plain JavaScript on purpose: no TypeScript loader in the measured process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [bundle, eventsFile] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));

const context = () => {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'coldstart',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:coldstart',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '/aws/lambda/coldstart',
    logStreamName: 'coldstart',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

let cpu = process.cpuUsage();
const loadStarted = performance.now();
const loaded = bundle.endsWith('.mjs') ? await import(pathToFileURL(bundle).href) : createRequire(import.meta.url)(bundle);
const loadMs = performance.now() - loadStarted;
const loadCpuMs = cpuMs(cpu);
const handler = loaded.handler ?? loaded.default?.handler;

cpu = process.cpuUsage();
const firstStarted = performance.now();
const first = await handler(events.first, context());
const firstInvokeMs = performance.now() - firstStarted;
const firstInvokeCpuMs = cpuMs(cpu);

cpu = process.cpuUsage();
const warmStarted = performance.now();
const warm = await handler(events.warm, context());
const warmInvokeMs = performance.now() - warmStarted;
const warmInvokeCpuMs = cpuMs(cpu);

const result = { loadMs, firstInvokeMs, warmInvokeMs, loadCpuMs, firstInvokeCpuMs, warmInvokeCpuMs, statuses: [first.statusCode, warm.statusCode] };
process.stdout.write(`\nCOLDSTART ${JSON.stringify(result)}\n`);
process.exit(0);
