import '../local/quiet-sdk-warning';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { build, type BuildOptions } from 'esbuild';
import { FUNCTIONS, ROUTES, TABLES, type FunctionId } from '../lib/definitions';
import { SERVICE_BUNDLING } from '../lib/service-function';
import { apiGatewayEvent } from '../local/api-gateway-event';
import { issueKeys, openBenchStore, seedAccountPairs, type BenchStore } from './support/environment';
import { floorTransfer } from './support/floor';
import { runMain, table } from './support/text-table';

/**
 * npm run bench:coldstart
 *
 * 1. `cdk synth` (into a scratch directory, so cdk.out is left alone): the
 *    size of every function's bundle exactly as deployed.
 * 2. For each bundle, BENCH_COLDSTART_RUNS (default 9) fresh Node processes
 *    (bench/coldstart-probe.mjs) with the function's environment from the
 *    template: load the bundle as the Lambda runtime does, invoke the
 *    handler once cold and once warm against DynamoDB Local. Init is
 *    first minus warm invocation: configuration, clients, credentials and
 *    endpoint resolution, the first connection. Medians are reported.
 * 3. The same for alternative bundlings of the transfer function, built
 *    here with the same esbuild: the numbers behind the choice in
 *    lib/service-function.ts.
 *
 * Writes bench/coldstart.json. BENCH_DYNAMODB_ENDPOINT as for npm run bench.
 */

const ROOT = path.resolve(__dirname, '..');
const STACK = 'ExactlyOnceTransfers';

interface ProbeResult {
  readonly loadMs: number;
  readonly firstInvokeMs: number;
  readonly warmInvokeMs: number;
  readonly loadCpuMs: number;
  readonly firstInvokeCpuMs: number;
  readonly warmInvokeCpuMs: number;
  readonly statuses: readonly number[];
}

interface Timing {
  readonly loadMs: number;
  readonly initMs: number;
  readonly loadPlusInitMs: number;
  readonly firstInvokeMs: number;
  readonly warmInvokeMs: number;
  /** The same spans in CPU time of the process (all threads): steadier on a busy machine. */
  readonly loadCpuMs: number;
  readonly loadPlusInitCpuMs: number;
}

interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Bundle and map deflated, as the deployment zip stores them. */
  readonly deflatedBytes: number;
}

type EventPair = { readonly first: APIGatewayProxyEvent; readonly warm: APIGatewayProxyEvent };

const runs = Number(process.env.BENCH_COLDSTART_RUNS ?? 9);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('BENCH_COLDSTART_RUNS must be a positive integer.');

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'coldstart-'));
  // Bundles in the scratch directory resolve `@aws-sdk/*` from the project's node_modules, standing in for
  // the runtime's /var/runtime/node_modules (the same dist-cjs packages, the version package-lock.json pins).
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'));
  const store = await openBenchStore();
  try {
    // 1. The bundles as deployed.
    log('coldstart: cdk synth...');
    const outdir = path.join(scratch, 'cdk.out');
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const deployed = readDeployedFunctions(outdir);

    // 2. Data for realistic invocations.
    const principal = 'coldstart-principal';
    const [pair] = await seedAccountPairs(store, principal, 1);
    if (pair === undefined) throw new Error('no account pair');
    const events = await eventFactory(store, principal, pair);

    // 3. Alternatives for the transfer function, built with the same esbuild.
    const transfer = deployed.find((fn) => fn.functionId === 'transfer');
    if (transfer === undefined) throw new Error('no transfer function in the template');
    const alternatives = [];
    for (const variant of VARIANTS) {
      alternatives.push({ variant, bundle: await buildVariant(scratch, variant) });
    }

    // 4. Every bundle once per run, round-robin, so machine noise lands on all alike.
    const targets: ProbeTarget[] = [
      ...deployed.map((fn) => ({ bundle: fn.bundle.file, environment: fn.environment, events: events[fn.functionId] })),
      ...alternatives.map(({ variant, bundle }) => ({
        bundle: bundle.file,
        environment: { ...transfer.environment, NODE_OPTIONS: variant.enableSourceMaps ? '--enable-source-maps' : '' },
        events: events.transfer,
      })),
    ];
    const timings = await probeRoundRobin(scratch, targets, store, (run) => log(`coldstart: run ${run + 1}/${runs}`));
    const functionRows = deployed.map((fn, index) => ({
      functionId: fn.functionId,
      memorySizeMb: fn.memorySizeMb,
      ...sizes(fn.bundle),
      ...(timings[index] as Timing),
    }));
    const alternativeRows = alternatives.map(({ variant, bundle }, index) => ({
      id: variant.id,
      description: variant.description,
      deployed: isDeployed(variant, transfer.environment),
      ...sizes(bundle),
      ...(timings[deployed.length + index] as Timing),
    }));

    const output = {
      environment: {
        date: new Date().toISOString(),
        node: process.version,
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
        runsPerFigure: runs,
        note:
          'Medians over fresh Node processes. loadMs: require()/import() of the bundle. initMs: first minus warm invocation ' +
          '(configuration, clients, credential and endpoint resolution, first connection to DynamoDB Local). The Lambda ' +
          'runtime runs Node 24; this machine runs ' + process.version + '. "@aws-sdk/* from the runtime" is approximated by ' +
          'node_modules (the same dist-cjs packaging as /var/runtime/node_modules, the version package-lock.json pins).',
      },
      functions: functionRows,
      transferAlternatives: alternativeRows,
    };
    writeFileSync(path.join(__dirname, 'coldstart.json'), `${JSON.stringify(output, null, 2)}\n`);
    console.log(report(functionRows, alternativeRows));
    console.log(`\nWrote bench/coldstart.json.`);
  } finally {
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

/** Two events per run (cold, warm) that each function answers successfully. */
async function eventFactory(store: BenchStore, principal: string, pair: { from: string; to: string }) {
  const claims = { sub: principal };
  const [readableKey] = await issueKeys(store, principal, 1);
  const readableTransfer = `tr_${'0'.repeat(31)}1`;
  await floorTransfer(
    store.setup.client,
    store.tableNames,
    { principal, idempotencyKey: readableKey as string, fromAccountId: pair.from, toAccountId: pair.to, amount: 1, currency: 'USD', reference: 'coldstart' },
    { singleWrite: true, transferId: readableTransfer },
  );
  const transfer = async (): Promise<EventPair> => {
    const [first, warm] = await issueKeys(store, principal, 2);
    const event = (key: string) =>
      apiGatewayEvent({
        method: 'POST',
        resource: '/transfers',
        path: '/transfers',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ fromAccountId: pair.from, toAccountId: pair.to, amount: 1, currency: 'USD', reference: 'coldstart' }),
        claims,
      });
    return { first: event(first as string), warm: event(warm as string) };
  };
  const twice = (event: () => APIGatewayProxyEvent) => async (): Promise<EventPair> => ({ first: event(), warm: event() });
  return {
    transfer,
    createKey: twice(() => apiGatewayEvent({ method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', claims })),
    getAccount: twice(() =>
      apiGatewayEvent({ method: 'GET', resource: '/accounts/{accountId}', path: `/accounts/${pair.from}`, pathParameters: { accountId: pair.from }, claims }),
    ),
    getTransfer: twice(() =>
      apiGatewayEvent({
        method: 'GET',
        resource: '/transfers/{transferId}',
        path: `/transfers/${readableTransfer}`,
        pathParameters: { transferId: readableTransfer },
        claims,
      }),
    ),
    // A reversal and an opening under a transfer key: refused (422) after the init and one call, which is what is timed.
    reverseTransfer: async (): Promise<EventPair> => {
      const [first, warm] = await issueKeys(store, principal, 2);
      const event = (key: string) =>
        apiGatewayEvent({
          method: 'POST',
          resource: '/transfers/{transferId}/reversals',
          path: `/transfers/${readableTransfer}/reversals`,
          pathParameters: { transferId: readableTransfer },
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: JSON.stringify({ amount: 1 }),
          claims,
        });
      return { first: event(first as string), warm: event(warm as string) };
    },
    openAccount: async (): Promise<EventPair> => {
      const [first, warm] = await issueKeys(store, principal, 2);
      const event = (key: string) =>
        apiGatewayEvent({
          method: 'POST',
          resource: '/accounts',
          path: '/accounts',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: JSON.stringify({ currency: 'USD' }),
          claims,
        });
      return { first: event(first as string), warm: event(warm as string) };
    },
    listAccounts: twice(() => apiGatewayEvent({ method: 'GET', resource: '/accounts', path: '/accounts', claims })),
    listEntries: twice(() =>
      apiGatewayEvent({
        method: 'GET',
        resource: '/accounts/{accountId}/entries',
        path: `/accounts/${pair.from}/entries`,
        pathParameters: { accountId: pair.from },
        claims,
      }),
    ),
    listTransfers: twice(() => apiGatewayEvent({ method: 'GET', resource: '/transfers', path: '/transfers', claims })),
    getIdempotencyKey: async (): Promise<EventPair> => {
      const [key] = await issueKeys(store, principal, 1);
      const event = () =>
        apiGatewayEvent({
          method: 'GET',
          resource: '/idempotency-keys/{key}',
          path: `/idempotency-keys/${key as string}`,
          pathParameters: { key: key as string },
          claims,
        });
      return { first: event(), warm: event() };
    },
  } satisfies Record<FunctionId, () => Promise<EventPair>>;
}

const EXPECTED_STATUS: Readonly<Record<string, number>> = { '/transfers': 201, '/idempotency-keys': 201 };

interface ProbeTarget {
  readonly bundle: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly events: () => Promise<EventPair>;
}

/** Median timings per target over `runs` fresh processes each; every run probes every target once. */
async function probeRoundRobin(
  scratch: string,
  targets: readonly ProbeTarget[],
  store: BenchStore,
  onRun: (run: number) => void,
): Promise<Timing[]> {
  const results: ProbeResult[][] = targets.map(() => []);
  for (let run = 0; run < runs; run++) {
    onRun(run);
    for (const [index, target] of targets.entries()) {
      const pair = await target.events();
      const eventsFile = path.join(scratch, 'events.json');
      writeFileSync(eventsFile, JSON.stringify(pair));
      const result = await spawnProbe(target.bundle, eventsFile, lambdaLikeEnvironment(target.environment, target.bundle, store));
      const expected = EXPECTED_STATUS[pair.first.path] ?? 200;
      if (result.statuses.some((status) => status !== expected)) {
        throw new Error(`${target.bundle}: expected ${expected}, got ${result.statuses.join(', ')}`);
      }
      results[index]?.push(result);
    }
  }
  return results.map((samples) => {
    const median = (pick: (result: ProbeResult) => number) => {
      const sorted = samples.map(pick).sort((a, b) => a - b);
      return Math.round((sorted[Math.floor(sorted.length / 2)] as number) * 10) / 10;
    };
    return {
      loadMs: median((result) => result.loadMs),
      initMs: median((result) => result.firstInvokeMs - result.warmInvokeMs),
      loadPlusInitMs: median((result) => result.loadMs + result.firstInvokeMs - result.warmInvokeMs),
      firstInvokeMs: median((result) => result.firstInvokeMs),
      warmInvokeMs: median((result) => result.warmInvokeMs),
      loadCpuMs: median((result) => result.loadCpuMs),
      loadPlusInitCpuMs: median((result) => result.loadCpuMs + result.firstInvokeCpuMs - result.warmInvokeCpuMs),
    };
  });
}

/**
 * What a Lambda instance sees: the function's own variables from the
 * template, credentials in the environment (as the runtime provides them),
 * a region, the Lambda identity variables Powertools looks at, and the
 * bench's tables on DynamoDB Local.
 */
function lambdaLikeEnvironment(functionEnvironment: Readonly<Record<string, string>>, bundle: string, store: BenchStore): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
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
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    // The X-Ray SDK runs in Lambda mode (a facade segment from _X_AMZN_TRACE_ID) only when this is set;
    // without it every traced call logs a "context missing" error with a stack trace, which Lambda never does.
    LAMBDA_TASK_ROOT: path.dirname(bundle),
    // The SDK warns on Node < 22 only; Lambda runs Node 24. Left on, this machine's Node 20 would pay for
    // formatting the warning's stack (and parsing the source map for it) during init, which Lambda never does.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // An unsampled trace, as most requests are: the tracer does its per-request work but sends nothing.
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
  };
}

function spawnProbe(bundle: string, eventsFile: string, env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'coldstart-probe.mjs'), bundle, eventsFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('COLDSTART '));
      if (code !== 0 || line === undefined) reject(new Error(`probe failed (${code}) for ${bundle}:\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('COLDSTART '.length)) as ProbeResult);
    });
  });
}

/**
 * Alternative bundlings of functions/transfer.ts, with the flags
 * NodejsFunction passes to esbuild (lib/service-function.ts).
 */
interface Variant {
  readonly id: string;
  readonly description: string;
  readonly options: BuildOptions;
  readonly enableSourceMaps: boolean;
}

const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
const RUNTIME_SDK = ['@aws-sdk/*'];
/** Reached only when credentials are not in the environment, which in Lambda they always are. */
const CREDENTIAL_CHAIN = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

const cjs = (extra: BuildOptions = {}): BuildOptions => ({ format: 'cjs', ...extra });
const esm = (extra: BuildOptions = {}): BuildOptions => ({ format: 'esm', mainFields: ['module', 'main'], banner: { js: ESM_REQUIRE_BANNER }, ...extra });

const VARIANTS: readonly Variant[] = [
  { id: 'cjs-sdk-bundled-main', description: 'CJS, SDK bundled, default main fields (the earlier setting)', options: cjs(), enableSourceMaps: true },
  {
    id: 'cjs-sdk-bundled',
    description: 'CJS, SDK bundled, module-first main fields (tree-shakes the SDK)',
    options: cjs({ mainFields: ['module', 'main'] }),
    enableSourceMaps: true,
  },
  { id: 'esm-sdk-bundled', description: 'ESM, SDK bundled, module-first main fields', options: esm(), enableSourceMaps: true },
  {
    id: 'esm-sdk-bundled-lean',
    description: 'ESM, SDK bundled but the credential chain Lambda never reaches left to the runtime',
    options: esm({ external: CREDENTIAL_CHAIN }),
    enableSourceMaps: true,
  },
  { id: 'cjs-runtime-sdk', description: 'CJS, @aws-sdk/* from the runtime', options: cjs({ external: RUNTIME_SDK }), enableSourceMaps: true },
  { id: 'esm-runtime-sdk', description: 'ESM, @aws-sdk/* from the runtime', options: esm({ external: RUNTIME_SDK }), enableSourceMaps: true },
  {
    id: 'cjs-runtime-sdk-unminified',
    description: 'CJS, @aws-sdk/* from the runtime, not minified',
    options: cjs({ external: RUNTIME_SDK, minify: false }),
    enableSourceMaps: true,
  },
  {
    id: 'cjs-runtime-sdk-no-enable-source-maps',
    description: 'CJS, @aws-sdk/* from the runtime, without NODE_OPTIONS=--enable-source-maps',
    options: cjs({ external: RUNTIME_SDK }),
    enableSourceMaps: false,
  },
  {
    id: 'cjs-runtime-sdk-sources-content',
    description: 'CJS, @aws-sdk/* from the runtime, sources embedded in the map',
    options: cjs({ external: RUNTIME_SDK, sourcesContent: true }),
    enableSourceMaps: true,
  },
];

/** Whether a variant is what lib/service-function.ts (SERVICE_BUNDLING) deploys. */
function isDeployed(variant: Variant, deployedEnvironment: Readonly<Record<string, string>>): boolean {
  const options = { format: 'cjs', minify: true, sourcesContent: false, external: [] as string[], mainFields: undefined as unknown, ...variant.options };
  return (
    options.format === (SERVICE_BUNDLING.format ?? 'cjs') &&
    options.minify === (SERVICE_BUNDLING.minify ?? false) &&
    options.sourcesContent === (SERVICE_BUNDLING.sourcesContent ?? true) &&
    JSON.stringify(options.external) === JSON.stringify(SERVICE_BUNDLING.externalModules ?? ['@aws-sdk/*']) &&
    JSON.stringify(options.mainFields) === JSON.stringify(SERVICE_BUNDLING.mainFields) &&
    variant.enableSourceMaps === (deployedEnvironment.NODE_OPTIONS ?? '').includes('--enable-source-maps')
  );
}

async function buildVariant(scratch: string, variant: Variant): Promise<Bundle> {
  const directory = path.join(scratch, variant.id);
  const outfile = path.join(directory, variant.options.format === 'esm' ? 'index.mjs' : 'index.js');
  await build({
    entryPoints: [path.join(ROOT, FUNCTIONS.transfer.entry)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
    outfile,
    ...variant.options,
  });
  if (!statSync(outfile).isFile()) throw new Error(`esbuild wrote no ${outfile}`);
  return measureBundle(outfile);
}

function report(
  functions: ReadonlyArray<{ functionId: string } & ReturnType<typeof sizes> & Timing>,
  alternatives: ReadonlyArray<{ id: string; deployed: boolean } & ReturnType<typeof sizes> & Timing>,
): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const ms = (value: number) => value.toFixed(1);
  const header = ['bundle', 'size', 'map', 'deflated', 'load ms', 'init ms', 'load+init ms', 'first invoke ms', 'warm invoke ms', 'load+init CPU ms'];
  const row = (name: string, entry: ReturnType<typeof sizes> & Timing) => [
    name,
    kb(entry.bundleBytes),
    kb(entry.mapBytes),
    kb(entry.deflatedBytes),
    ms(entry.loadMs),
    ms(entry.initMs),
    ms(entry.loadPlusInitMs),
    ms(entry.firstInvokeMs),
    ms(entry.warmInvokeMs),
    ms(entry.loadPlusInitCpuMs),
  ];
  return [
    `Cold start, medians of ${runs} fresh processes (node ${process.version})`,
    '',
    'As synthesized (cdk synth):',
    ...table(header, functions.map((entry) => row(entry.functionId, entry))),
    '',
    'transfer, alternative bundlings:',
    ...table(header, alternatives.map((entry) => row(entry.deployed ? `${entry.id} (deployed)` : entry.id, entry))),
  ].join('\n');
}

runMain(main);
