import '../local/quiet-sdk-warning';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build, type BuildOptions } from 'esbuild';
import { FUNCTIONS, ROUTES, SETTINGS, TABLES, type FunctionId } from '../lib/definitions';
import { SERVICE_BUNDLING } from '../lib/service-function';
import { apiGatewayEvent, lambdaContext } from '../local/api-gateway-event';
import { issueKeys, openBenchStore, seedAccountPairs, type BenchStore } from './support/environment';
import { runMain, table } from './support/text-table';

/**
 * npm run bench:coldstart
 *
 * 1. `cdk synth` (into a scratch directory, so cdk.out is left alone): every
 *    API function's bundle exactly as deployed.
 * 2. The transfer function bundled other ways with the same esbuild
 *    (BUNDLINGS), and "today": the transfer function of REFERENCE_COMMIT
 *    (main before issue 11; BENCH_COLDSTART_REFERENCE=<git ref> for another)
 *    with that commit's bundling, the reference of every ratio.
 * 3. Rounds (BENCH_COLDSTART_RUNS, default 9). Each round starts every
 *    bundle once, in turn, in a fresh Node process (bench/coldstart-probe.mjs)
 *    with the function's environment from the template, against DynamoDB
 *    Local: load the bundle as the Lambda runtime does, invoke it once
 *    (cold), 5 times to warm it up, then 15 times: the steady state is the
 *    median of those 15. Init is the first invocation minus the steady
 *    state: configuration, clients, credentials and endpoint resolution,
 *    the first connection, and V8 compiling the code on the path.
 * 4. In the same rounds, the transfer function's CPU per request at steady
 *    state (the mean of BENCH_COLDSTART_CPU_REQUESTS=150 transfers after the
 *    warm-up): trace unsampled (what most Lambda invocations get; one
 *    sampled request in the warm-up, so that a lazily loaded tracer is
 *    there), sampled, and tracing off.
 *
 * Figures: medians over the rounds, with the interquartile range; ratios
 * are taken within a round (the two processes ran one after the other) and
 * then their median is reported. Wall time and the process's CPU time both;
 * CPU is steadier on a shared machine. Writes bench/coldstart.json.
 *
 * BENCH_DYNAMODB_ENDPOINT as for npm run bench; BENCH_COLDSTART_NODE runs
 * the probes on another Node binary (the Lambda runtime is Node 24).
 */

const ROOT = path.resolve(__dirname, '..');
const STACK = 'ExactlyOnceTransfers';
const WARMUPS = 5;
const STEADY = 15;
const CPU_REQUESTS = Number(process.env.BENCH_COLDSTART_CPU_REQUESTS ?? 150);
const runs = Number(process.env.BENCH_COLDSTART_RUNS ?? 9);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('BENCH_COLDSTART_RUNS must be a positive integer.');
const probeNode = process.env.BENCH_COLDSTART_NODE || process.execPath;
/** main before issue 11: today's transfer function and bundling, the reference. */
const REFERENCE_COMMIT = '8db00b06e91f33ad6da74754d2b6f43732c451f1';
const referenceRef = process.env.BENCH_COLDSTART_REFERENCE || REFERENCE_COMMIT;
/** Issue 11's targets for the transfer bundle. */
const TARGETS = { bundleBytes: 250 * 1024, loadPlusInitRatio: 0.9 };

/** What one probe process measured (bench/coldstart-probe.mjs). */
interface ProbeResult {
  readonly loadMs: number;
  readonly loadCpuMs: number;
  readonly firstMs: number;
  readonly firstCpuMs: number;
  readonly steadyMs: readonly number[];
  readonly steadyCpuMs: readonly number[];
  readonly statuses: readonly number[];
}

/** One process's cold start. */
interface ColdStart {
  readonly loadMs: number;
  readonly initMs: number;
  readonly loadPlusInitMs: number;
  readonly steadyMs: number;
  readonly loadCpuMs: number;
  readonly initCpuMs: number;
  readonly loadPlusInitCpuMs: number;
  readonly steadyCpuMs: number;
}

interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Bundle and map deflated, as the deployment zip stores them. */
  readonly deflatedBytes: number;
}

type Environment = Readonly<Record<string, string>>;
/** `count` events a function answers with `status`, each good for one invocation. */
type EventSource = (count: number) => Promise<APIGatewayProxyEvent[]>;

/** A bundle to start, with what to send it. */
interface Target {
  readonly bundle: Bundle;
  readonly environment: Environment;
  readonly events: EventSource;
  readonly status: number;
  readonly requests: number;
  /** unsampled (the default): every invocation but the first warm-up, sampled so that a lazily loaded tracer is there. */
  readonly trace?: TraceMode;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'coldstart-'));
  // Bundles in the scratch directory resolve `@aws-sdk/*` from the project's node_modules, standing in for
  // the runtime's /var/runtime/node_modules (the same dist-cjs packages, the version package-lock.json pins).
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'));
  const store = await openBenchStore();
  // Sampled traces go to this "daemon", which counts them: a sampled run that sends nothing measured nothing.
  const daemon = createSocket('udp4');
  let segmentsReceived = 0;
  daemon.on('message', () => segmentsReceived++);
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  const daemonAddress = `127.0.0.1:${(daemon.address() as AddressInfo).port}`;
  try {
    log('coldstart: cdk synth...');
    const outdir = path.join(scratch, 'cdk.out');
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const deployed = readDeployedFunctions(outdir);
    const transfer = deployed.find((fn) => fn.functionId === 'transfer');
    if (transfer === undefined) throw new Error('no transfer function in the template');
    const deployedNodeOptions = transfer.environment.NODE_OPTIONS ?? '';

    log('coldstart: building the transfer bundlings...');
    const today = await buildReference(scratch, referenceRef);
    const bundlings: Array<{ id: string; description: string; bundle: Bundle; nodeOptions: string }> = [
      { id: 'today', description: `${referenceRef.slice(0, 10)}: ${TODAY.description}`, bundle: today, nodeOptions: TODAY.nodeOptions },
      { id: 'deployed', description: 'as synthesized (lib/service-function.ts, SERVICE_BUNDLING)', bundle: transfer.bundle, nodeOptions: deployedNodeOptions },
    ];
    for (const bundling of BUNDLINGS) {
      const options = { ...deployedBuildOptions(), ...bundling.options };
      bundlings.push({ ...bundling, bundle: await buildTransfer(path.join(scratch, bundling.id), ROOT, options), nodeOptions: bundling.nodeOptions ?? deployedNodeOptions });
    }
    const bundlingById = (id: string) => bundlings.find((bundling) => bundling.id === id) as (typeof bundlings)[number];

    const events = await eventSources(store, transfer.environment);
    const target = (fn: { environment: Environment }, bundle: Bundle, answers: { source: EventSource; status: number }, options: Partial<Target> = {}): Target => ({
      bundle,
      environment: lambdaLikeEnvironment({ ...fn.environment, ...options.environment }, bundle.file, store, daemonAddress),
      events: answers.source,
      status: answers.status,
      requests: STEADY,
      ...(options.requests === undefined ? {} : { requests: options.requests }),
      ...(options.trace === undefined ? {} : { trace: options.trace }),
    });
    const coldTargets: Record<string, Target> = {};
    for (const fn of deployed) coldTargets[`function:${fn.functionId}`] = target(fn, fn.bundle, events[fn.functionId]);
    for (const bundling of bundlings) {
      coldTargets[bundling.id] = target(transfer, bundling.bundle, events.transfer, { environment: { NODE_OPTIONS: bundling.nodeOptions } });
    }
    // The cold start of an instance whose first request is sampled: it loads the tracer then.
    coldTargets['deployed-sampled'] = target(transfer, transfer.bundle, events.transfer, { trace: 'sampled' });
    const cpuRows = CPU_ROWS.map(({ bundling, trace }) => {
      const { bundle, nodeOptions } = bundlingById(bundling);
      const environment = { NODE_OPTIONS: nodeOptions, ...(trace === 'off' ? { POWERTOOLS_TRACE_ENABLED: 'false' } : {}) };
      return { bundling, trace, target: target(transfer, bundle, events.transfer, { environment, requests: CPU_REQUESTS, trace }) };
    });

    // Every target once per round, in turn, so that machine noise lands on all alike.
    const cold: Record<string, ColdStart[]> = {};
    const cpu: number[][] = cpuRows.map(() => []);
    for (let run = 0; run < runs; run++) {
      log(`coldstart: round ${run + 1}/${runs}`);
      for (const [id, coldTarget] of Object.entries(coldTargets)) (cold[id] ??= []).push(coldStart(await probe(scratch, coldTarget)));
      for (const [index, row] of cpuRows.entries()) {
        const before = segmentsReceived;
        const result = await probe(scratch, row.target);
        // Let the last datagrams of a traced run arrive before they are counted.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const sent = segmentsReceived - before;
        if (row.trace === 'sampled' && sent < CPU_REQUESTS) throw new Error(`${row.bundling}: ${CPU_REQUESTS} sampled requests sent ${sent} segments to X-Ray`);
        if (row.trace === 'off' && sent > 0) throw new Error(`${row.bundling}: tracing off, yet ${sent} segments were sent to X-Ray`);
        cpu[index]?.push(mean(result.steadyCpuMs));
      }
    }

    const todayCold = cold.today as ColdStart[];
    const functionRows = deployed.map((fn) => ({
      functionId: fn.functionId,
      memorySizeMb: fn.memorySizeMb,
      ...sizes(fn.bundle),
      ...summary(cold[`function:${fn.functionId}`] as ColdStart[]),
    }));
    const transferRows = [
      ...bundlings.map((bundling) => ({ id: bundling.id, description: bundling.description, ...sizes(bundling.bundle), samples: cold[bundling.id] as ColdStart[] })),
      { id: 'deployed-sampled', description: 'deployed, the first request sampled (the tracer loaded then)', ...sizes(transfer.bundle), samples: cold['deployed-sampled'] as ColdStart[] },
    ].map(({ samples, ...row }) => ({
      ...row,
      ...summary(samples),
      loadPlusInitRatio: pairedRatio(samples, todayCold, (sample) => sample.loadPlusInitMs),
      loadPlusInitCpuRatio: pairedRatio(samples, todayCold, (sample) => sample.loadPlusInitCpuMs),
    }));
    const cpuOf = (bundling: string, trace: TraceMode) => cpu[cpuRows.findIndex((row) => row.bundling === bundling && row.trace === trace)] as number[];
    const floor = cpuOf('deployed', 'off');
    const todayUnsampled = cpuOf('today', 'unsampled');
    const tracingRows = cpuRows.map(({ bundling, trace }, index) => {
      const samples = cpu[index] as number[];
      return {
        bundling,
        trace,
        cpuPerRequestMs: spread(samples),
        // Round by round: what tracing costs per request over the deployed bundle with tracing off, and the ratio to today's unsampled.
        overTracingOffMs: spread(samples.map((value, round) => value - (floor[round] as number))),
        ratioToTodayUnsampled: spread(samples.map((value, round) => value / (todayUnsampled[round] as number)), 3),
      };
    });
    const deployedRow = transferRows.find((row) => row.id === 'deployed');
    const verdicts = {
      transferBundleBytes: { value: transfer.bundle.bytes, target: TARGETS.bundleBytes, met: transfer.bundle.bytes <= TARGETS.bundleBytes },
      loadPlusInitRatio: { value: deployedRow?.loadPlusInitRatio.median, target: TARGETS.loadPlusInitRatio, met: (deployedRow?.loadPlusInitRatio.median ?? Infinity) <= TARGETS.loadPlusInitRatio },
      loadPlusInitCpuRatio: { value: deployedRow?.loadPlusInitCpuRatio.median, target: TARGETS.loadPlusInitRatio, met: (deployedRow?.loadPlusInitCpuRatio.median ?? Infinity) <= TARGETS.loadPlusInitRatio },
    };

    const probeVersion = execFileSync(probeNode, ['--version'], { encoding: 'utf8' }).trim();
    const output = {
      environment: {
        date: new Date().toISOString(),
        node: probeVersion,
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
        rounds: runs,
        warmupInvocations: WARMUPS,
        steadyInvocations: STEADY,
        cpuRequests: CPU_REQUESTS,
        reference: referenceRef,
        note:
          'Medians over fresh Node processes, one per bundle per round, with the interquartile range [p25, p75]. ' +
          'load: require()/import() of the bundle. init: the first invocation minus the steady state (the median of ' +
          `${STEADY} invocations after ${WARMUPS} warm-ups, same process). Ratios: to "today" in the same round, then the median. ` +
          'CPU per request: the mean over the steady transfers of one process. The Lambda runtime runs Node 24 on arm64; these ' +
          `probes ran ${probeVersion}. "@aws-sdk/* from the runtime" is approximated by node_modules (the same dist-cjs packaging ` +
          'as /var/runtime/node_modules, the version package-lock.json pins).',
      },
      verdicts,
      functions: functionRows,
      transferBundlings: transferRows,
      tracing: tracingRows,
    };
    writeFileSync(path.join(__dirname, 'coldstart.json'), `${JSON.stringify(output, null, 2)}\n`);
    console.log(report(probeVersion, functionRows, transferRows, tracingRows, verdicts));
    console.log(`\nWrote bench/coldstart.json.`);
  } finally {
    daemon.close();
    await store.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The functions of the synthesized template: bundle, memory, and the environment they get (literal values). */
function readDeployedFunctions(outdir: string) {
  const template = JSON.parse(readFileSync(path.join(outdir, `${STACK}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  // The API's functions, each invoked with its events; the scheduled reconciler is not a cold-start concern.
  const apiFunctions = [...new Set(ROUTES.map((route) => route.functionId))];
  return apiFunctions.map((functionId) => {
    const resource = Object.values(template.Resources).find(
      (candidate) => candidate.Type === 'AWS::Lambda::Function' && candidate.Properties.Description === FUNCTIONS[functionId].description,
    );
    if (resource === undefined) throw new Error(`no function ${functionId} in the template`);
    const { S3Key } = resource.Properties.Code as { S3Key: string };
    const assetDir = path.join(outdir, `asset.${S3Key.replace(/\.zip$/, '')}`);
    const file = ['index.mjs', 'index.js'].map((name) => path.join(assetDir, name)).find((candidate) => existsSync(candidate));
    if (file === undefined) throw new Error(`no bundle in ${assetDir}`);
    const variables = ((resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    const environment = Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    return { functionId, memorySizeMb: resource.Properties.MemorySize as number, bundle: measureBundle(file), environment };
  });
}

function measureBundle(file: string): Bundle {
  const map = `${file}.map`;
  const source = readFileSync(file);
  const mapSource = existsSync(map) ? readFileSync(map) : Buffer.alloc(0);
  return {
    file,
    bytes: source.length,
    mapBytes: mapSource.length,
    deflatedBytes: deflateRawSync(source).length + (mapSource.length > 0 ? deflateRawSync(mapSource).length : 0),
  };
}

function sizes(bundle: Bundle) {
  return { bundleBytes: bundle.bytes, mapBytes: bundle.mapBytes, deflatedBytes: bundle.deflatedBytes };
}

/**
 * Events each function answers successfully, fresh ones per invocation
 * where a call changes something (a key is used once). A transfer is made
 * through the handler first, for the functions that read one.
 */
async function eventSources(store: BenchStore, transferEnvironment: Environment) {
  const principal = 'coldstart-principal';
  const claims = { sub: principal };
  const [pair] = await seedAccountPairs(store, principal, 1);
  if (pair === undefined) throw new Error('no account pair');
  const transferBody = JSON.stringify({ fromAccountId: pair.from, toAccountId: pair.to, amount: 1, currency: 'USD', reference: 'coldstart' });
  const keyed = (request: (key: string) => APIGatewayProxyEvent): EventSource => async (count) => (await issueKeys(store, principal, count)).map(request);
  const repeated = (request: () => APIGatewayProxyEvent): EventSource => async (count) => Array.from({ length: count }, request);
  const transferEvent = (key: string) =>
    apiGatewayEvent({ method: 'POST', resource: '/transfers', path: '/transfers', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: transferBody, claims });
  const readableTransfer = await transferThroughHandler(store, transferEnvironment, transferEvent((await issueKeys(store, principal, 1))[0] as string));
  const sources: Record<FunctionId, { readonly source: EventSource; readonly status: number }> = {
    transfer: { source: keyed(transferEvent), status: 201 },
    createKey: { source: repeated(() => apiGatewayEvent({ method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', claims })), status: 201 },
    getAccount: {
      source: repeated(() => apiGatewayEvent({ method: 'GET', resource: '/accounts/{accountId}', path: `/accounts/${pair.from}`, pathParameters: { accountId: pair.from }, claims })),
      status: 200,
    },
    getTransfer: {
      source: repeated(() =>
        apiGatewayEvent({ method: 'GET', resource: '/transfers/{transferId}', path: `/transfers/${readableTransfer}`, pathParameters: { transferId: readableTransfer }, claims }),
      ),
      status: 200,
    },
    // A reversal and an opening under a key issued for transfers: refused (422) after the init and one call, which is what is timed.
    reverseTransfer: {
      source: keyed((key) =>
        apiGatewayEvent({
          method: 'POST',
          resource: '/transfers/{transferId}/reversals',
          path: `/transfers/${readableTransfer}/reversals`,
          pathParameters: { transferId: readableTransfer },
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: JSON.stringify({ amount: 1 }),
          claims,
        }),
      ),
      status: 422,
    },
    openAccount: {
      source: keyed((key) =>
        apiGatewayEvent({ method: 'POST', resource: '/accounts', path: '/accounts', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify({ currency: 'USD' }), claims }),
      ),
      status: 422,
    },
    listAccounts: { source: repeated(() => apiGatewayEvent({ method: 'GET', resource: '/accounts', path: '/accounts', claims })), status: 200 },
    listEntries: {
      source: repeated(() =>
        apiGatewayEvent({ method: 'GET', resource: '/accounts/{accountId}/entries', path: `/accounts/${pair.from}/entries`, pathParameters: { accountId: pair.from }, claims }),
      ),
      status: 200,
    },
    listTransfers: { source: repeated(() => apiGatewayEvent({ method: 'GET', resource: '/transfers', path: '/transfers', claims })), status: 200 },
    getIdempotencyKey: {
      source: keyed((key) => apiGatewayEvent({ method: 'GET', resource: '/idempotency-keys/{key}', path: `/idempotency-keys/${key}`, pathParameters: { key }, claims })),
      status: 200,
    },
  };
  return sources;
}

/** One transfer through the handler's sources, in this process, for the read functions to find; returns its id. */
async function transferThroughHandler(store: BenchStore, transferEnvironment: Environment, event: APIGatewayProxyEvent): Promise<string> {
  Object.assign(process.env, lambdaLikeEnvironment(transferEnvironment, ROOT, store, '127.0.0.1:9'), {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_LOGGER_SAMPLE_RATE: '0',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  delete process.env.LAMBDA_TASK_ROOT;
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  const { handler } = (await import('../functions/transfer')) as { handler: (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult> };
  const result = await handler(event, lambdaContext('transfer', 10));
  if (result.statusCode !== 201) throw new Error(`the set-up transfer failed: ${result.statusCode} ${result.body}`);
  return (JSON.parse(result.body) as { transferId: string }).transferId;
}

/**
 * What a Lambda instance sees: the function's own variables from the
 * template, credentials in the environment (as the runtime provides them),
 * a region, the Lambda identity variables Powertools looks at, and the
 * bench's tables on DynamoDB Local.
 */
function lambdaLikeEnvironment(functionEnvironment: Environment, bundle: string, store: BenchStore, daemonAddress: string): Environment {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...functionEnvironment,
    ...Object.fromEntries(Object.values(TABLES).map((table) => [table.envVar, store.tableNames[table.id]])),
    DYNAMODB_ENDPOINT: store.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'coldstart',
    AWS_SECRET_ACCESS_KEY: 'coldstart',
    AWS_SESSION_TOKEN: 'coldstart',
    AWS_LAMBDA_FUNCTION_NAME: 'coldstart',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    // The X-Ray SDK runs in Lambda mode (a facade segment from _X_AMZN_TRACE_ID) only when this is set;
    // without it every traced call logs a "context missing" error with a stack trace, which Lambda never does.
    LAMBDA_TASK_ROOT: path.dirname(bundle),
    AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
    // The SDK warns on Node < 22 only; Lambda runs Node 24. Left on, this machine's Node 20 would pay for
    // formatting the warning's stack (and parsing the source map for it) during init, which Lambda never does.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The list functions' cursor key, a secret's dynamic reference in the template.
    [SETTINGS.cursorSigningKey.envVar]: 'coldstart-cursor-signing-key-of-32-or-more-characters',
    // The trace header of the init; the probe sets a fresh one per invocation, as Lambda does.
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
  };
}

/** Starts `target` in a fresh process: its first invocation, the warm-ups, then `target.requests` steady ones. */
async function probe(scratch: string, target: Target): Promise<ProbeResult> {
  const [first, ...rest] = await target.events(1 + WARMUPS + target.requests);
  const eventsFile = path.join(scratch, 'events.json');
  const sampled = { sampled: 'all', unsampled: 'first-warmup', off: 'none' }[target.trace ?? 'unsampled'];
  writeFileSync(eventsFile, JSON.stringify({ first, warmups: rest.slice(0, WARMUPS), steady: rest.slice(WARMUPS), sampled }));
  const result = await new Promise<ProbeResult>((resolve, reject) => {
    const child = spawn(probeNode, [path.join(__dirname, 'coldstart-probe.mjs'), target.bundle.file, eventsFile], { env: target.environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('COLDSTART '));
      if (code !== 0 || line === undefined) reject(new Error(`probe failed (${code}) for ${target.bundle.file}:\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('COLDSTART '.length)) as ProbeResult);
    });
  });
  const unexpected = result.statuses.filter((status) => status !== target.status);
  if (unexpected.length > 0) throw new Error(`${target.bundle.file}: expected ${target.status} every time, got ${unexpected.slice(0, 5).join(', ')}`);
  return result;
}

function coldStart(result: ProbeResult): ColdStart {
  const steadyMs = median(result.steadyMs);
  const steadyCpuMs = median(result.steadyCpuMs);
  return {
    loadMs: result.loadMs,
    initMs: result.firstMs - steadyMs,
    loadPlusInitMs: result.loadMs + result.firstMs - steadyMs,
    steadyMs,
    loadCpuMs: result.loadCpuMs,
    initCpuMs: result.firstCpuMs - steadyCpuMs,
    loadPlusInitCpuMs: result.loadCpuMs + result.firstCpuMs - steadyCpuMs,
    steadyCpuMs,
  };
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The value at quantile `q` (0..1) of `values`, interpolated between neighbours. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] as number;
  const above = sorted[Math.ceil(position)] as number;
  return below + (above - below) * (position - Math.floor(position));
}
const median = (values: readonly number[]) => quantile(values, 0.5);

interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
}

function spread(values: readonly number[], digits = 2): Spread {
  return { median: round(median(values), digits), p25: round(quantile(values, 0.25), digits), p75: round(quantile(values, 0.75), digits) };
}

function summary(samples: readonly ColdStart[]): { [K in keyof ColdStart]: Spread } {
  const keys = Object.keys(samples[0] as ColdStart) as Array<keyof ColdStart>;
  return Object.fromEntries(keys.map((key) => [key, spread(samples.map((sample) => sample[key]), 1)])) as { [K in keyof ColdStart]: Spread };
}

/** The ratio of `samples` to `reference` within each round, summed up over the rounds. */
function pairedRatio(samples: readonly ColdStart[], reference: readonly ColdStart[], pick: (sample: ColdStart) => number): Spread {
  return spread(samples.map((sample, index) => pick(sample) / pick(reference[index] as ColdStart)), 3);
}

/**
 * The transfer function bundled other ways, each a change to the deployed
 * bundling (SERVICE_BUNDLING, with the template's NODE_OPTIONS unless
 * `nodeOptions` says otherwise), built from this tree.
 */
interface Bundling {
  readonly id: string;
  readonly description: string;
  readonly options: BuildOptions;
  /** NODE_OPTIONS of the function. */
  readonly nodeOptions?: string;
}

const ENABLE_SOURCE_MAPS = '--enable-source-maps';
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
/** Reached only when credentials are not in the environment, which in Lambda they always are. */
const CREDENTIAL_CHAIN = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];
const ESM: BuildOptions = { format: 'esm', mainFields: ['module', 'main'], banner: { js: ESM_REQUIRE_BANNER } };

/** Today's bundling (REFERENCE_COMMIT's lib/service-function.ts), for its own sources. */
const TODAY = {
  description: "CommonJS, the runtime's SDK, minified, source map without sources, --enable-source-maps",
  options: { format: 'cjs', target: 'node24', external: ['@aws-sdk/*'], minify: true, sourcemap: true, sourcesContent: false } satisfies BuildOptions,
  nodeOptions: ENABLE_SOURCE_MAPS,
};

const BUNDLINGS: readonly Bundling[] = [
  { id: 'cls-hooked', description: 'deployed, X-Ray context on cls-hooked as the SDK ships it', options: { alias: {} } },
  { id: 'enable-source-maps', description: 'deployed, with NODE_OPTIONS=--enable-source-maps', options: {}, nodeOptions: ENABLE_SOURCE_MAPS },
  { id: 'no-map', description: 'deployed, no source map at all', options: { sourcemap: false } },
  { id: 'esm', description: "ESM (.mjs), module-first main fields, the runtime's SDK", options: ESM },
  {
    id: 'esm-lean-sdk',
    description: 'esm, the SDK bundled but the credential chain Lambda never reaches, no source map',
    options: { ...ESM, external: CREDENTIAL_CHAIN, sourcemap: false },
  },
];

/** The esbuild options SERVICE_BUNDLING gives NodejsFunction, for the esbuild API. */
function deployedBuildOptions(): BuildOptions {
  const { forceDockerBundling, target, format, externalModules, minify, sourceMap, sourcesContent, esbuildArgs, ...others } = SERVICE_BUNDLING;
  if (Object.keys(others).length > 0) throw new Error(`bench/coldstart.ts does not know SERVICE_BUNDLING's ${Object.keys(others).join(', ')}`);
  void forceDockerBundling;
  const alias = Object.fromEntries(
    Object.entries(esbuildArgs ?? {}).map(([flag, value]) => {
      if (!flag.startsWith('--alias:') || typeof value !== 'string') throw new Error(`bench/coldstart.ts does not know the esbuild flag ${flag}`);
      return [flag.slice('--alias:'.length), value];
    }),
  );
  return {
    ...(target === undefined ? {} : { target }),
    format: format ?? 'cjs',
    external: externalModules ?? ['@aws-sdk/*'],
    minify: minify ?? false,
    sourcemap: sourceMap ?? false,
    sourcesContent: sourcesContent ?? true,
    alias,
  };
}

async function buildTransfer(directory: string, sourceRoot: string, options: BuildOptions): Promise<Bundle> {
  const outfile = path.join(directory, options.format === 'esm' ? 'index.mjs' : 'index.js');
  await build({ entryPoints: [path.join(sourceRoot, FUNCTIONS.transfer.entry)], bundle: true, platform: 'node', logLevel: 'error', outfile, ...options });
  if (!statSync(outfile).isFile()) throw new Error(`esbuild wrote no ${outfile}`);
  return measureBundle(outfile);
}

/** `ref`'s transfer function (a git archive of the commit) with today's bundling. */
async function buildReference(scratch: string, ref: string): Promise<Bundle> {
  const sourceRoot = path.join(scratch, 'reference-source');
  mkdirSync(sourceRoot);
  const archive = execFileSync('git', ['archive', '--format=tar', ref], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', sourceRoot], { input: archive });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(sourceRoot, 'node_modules'));
  return buildTransfer(path.join(scratch, 'today'), sourceRoot, TODAY.options);
}

type TraceMode = 'unsampled' | 'sampled' | 'off';
/** The per-request CPU rows: bundling and trace. */
const CPU_ROWS: ReadonlyArray<{ readonly bundling: string; readonly trace: TraceMode }> = [
  { bundling: 'today', trace: 'unsampled' },
  { bundling: 'today', trace: 'sampled' },
  { bundling: 'today', trace: 'off' },
  { bundling: 'deployed', trace: 'unsampled' },
  { bundling: 'deployed', trace: 'sampled' },
  { bundling: 'deployed', trace: 'off' },
  { bundling: 'cls-hooked', trace: 'unsampled' },
];

function report(
  node: string,
  functions: ReadonlyArray<{ functionId: string } & ReturnType<typeof sizes> & ReturnType<typeof summary>>,
  transfers: ReadonlyArray<{ id: string; loadPlusInitRatio: Spread; loadPlusInitCpuRatio: Spread } & ReturnType<typeof sizes> & ReturnType<typeof summary>>,
  tracing: ReadonlyArray<{ bundling: string; trace: TraceMode; cpuPerRequestMs: Spread; overTracingOffMs: Spread; ratioToTodayUnsampled: Spread }>,
  verdicts: Record<string, { value: number | undefined; target: number; met: boolean }>,
): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const withRange = (value: Spread, digits = 1) => `${value.median.toFixed(digits)} [${value.p25.toFixed(digits)}-${value.p75.toFixed(digits)}]`;
  const coldHeader = ['bundle', 'size', 'map', 'deflated', 'load ms', 'init ms', 'load+init ms', 'steady ms', 'load CPU', 'init CPU', 'load+init CPU'];
  const coldRow = (name: string, entry: ReturnType<typeof sizes> & ReturnType<typeof summary>) => [
    name,
    kb(entry.bundleBytes),
    kb(entry.mapBytes),
    kb(entry.deflatedBytes),
    withRange(entry.loadMs),
    withRange(entry.initMs),
    withRange(entry.loadPlusInitMs),
    withRange(entry.steadyMs),
    withRange(entry.loadCpuMs),
    withRange(entry.initCpuMs),
    withRange(entry.loadPlusInitCpuMs),
  ];
  return [
    `Cold start: medians [p25-p75] of ${runs} rounds, one fresh process per bundle per round (${node})`,
    '',
    'As synthesized (cdk synth):',
    ...table(coldHeader, functions.map((entry) => coldRow(entry.functionId, entry))),
    '',
    'transfer, bundlings (ratios: to "today" in the same round; size 0 KB map: none):',
    ...table(
      [...coldHeader, 'load+init / today', 'CPU / today'],
      transfers.map((entry) => [...coldRow(entry.id, entry), withRange(entry.loadPlusInitRatio, 3), withRange(entry.loadPlusInitCpuRatio, 3)]),
    ),
    '',
    `transfer, CPU per request at steady state (mean of ${CPU_REQUESTS} transfers per process; "over off": minus deployed with tracing off, same round):`,
    ...table(
      ['bundle', 'trace', 'CPU ms/request', 'over off ms', 'ratio to today unsampled'],
      tracing.map((entry) => [entry.bundling, entry.trace, withRange(entry.cpuPerRequestMs, 2), withRange(entry.overTracingOffMs, 2), withRange(entry.ratioToTodayUnsampled, 3)]),
    ),
    '',
    'Targets (issue 11):',
    ...Object.entries(verdicts).map(([name, verdict]) => `  ${name}: ${verdict.value} (target <= ${verdict.target}) ${verdict.met ? 'met' : 'NOT MET'}`),
  ].join('\n');
}

runMain(main);
