// One cold start, in a fresh Node process (spawned by bench/coldstart.ts).
//
//   node [NODE_OPTIONS] bench/coldstart-probe.mjs <bundle> <events.json>
//
// Loads the bundle as the Lambda Node.js runtime does (require() for a
// CommonJS .js, import() for .mjs), then invokes the handler with
// events.json's `first` event (the cold invocation: configuration, clients,
// the first connection, and V8 compiling every function on the path), its
// `warmups` (not reported: the code is still being optimised), and its
// `steady` events, one after the other. Prints one line:
//   COLDSTART {"loadMs":..,"loadCpuMs":..,"firstMs":..,"firstCpuMs":..,"steadyMs":[..],"steadyCpuMs":[..],"statuses":[..]}
// Wall-clock milliseconds, and the process's CPU milliseconds for the same
// spans (all threads, garbage collection included): less sensitive to other
// load on the machine. Plain JavaScript on purpose: no TypeScript loader in
// the measured process.
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

/** Runs `work`, returning its result with its wall and CPU milliseconds. */
const timed = async (work) => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started, cpuMs: cpuMs(cpu) };
};

const load = await timed(() => (bundle.endsWith('.mjs') ? import(pathToFileURL(bundle).href) : createRequire(import.meta.url)(bundle)));
const handler = load.value.handler ?? load.value.default?.handler;

// Lambda gives every invocation a trace header of its own (the X-Ray SDK starts a new trace when it changes).
// events.json's `sampled` says which traces are sampled (their segments sent to the daemon): 'all', 'none',
// or 'first-warmup' (that one only, so that a tracer loaded at the first sampled request is there).
const hex = (length) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const traceHeader = (sampled) => `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24)};Parent=${hex(16)};Sampled=${sampled ? 1 : 0}`;

const statuses = [];
const invoke = (event, sampled = events.sampled === 'all') => {
  process.env._X_AMZN_TRACE_ID = traceHeader(sampled);
  return timed(async () => {
    const result = await handler(event, context());
    statuses.push(result.statusCode);
  });
};
const first = await invoke(events.first);
for (const [index, event] of events.warmups.entries()) await invoke(event, events.sampled === 'all' || (index === 0 && events.sampled === 'first-warmup'));
const steadyMs = [];
const steadyCpuMs = [];
for (const event of events.steady) {
  const { ms, cpuMs: cpu } = await invoke(event);
  steadyMs.push(ms);
  steadyCpuMs.push(cpu);
}

const result = { loadMs: load.ms, loadCpuMs: load.cpuMs, firstMs: first.ms, firstCpuMs: first.cpuMs, steadyMs, steadyCpuMs, statuses };
process.stdout.write(`\nCOLDSTART ${JSON.stringify(result)}\n`);
process.exit(0);
