// First: the deployed Powertools settings, before any handler module reads them.
import { quietStdout } from './support/deployed-observability';
import '../local/quiet-sdk-warning';
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { config } from '../functions/shared/config';
import { dynamoDb } from '../functions/shared/dependencies';
import { freePort } from '../local/dynamodb-local';
import { HANDLERS } from '../local/handlers';
import { startLocalStack } from '../local/stack';
import { computeTransferCapacity, type ComputedTransferCapacity } from './support/capacity-check';
import { renderChart } from './support/chart';
import { percentile } from './support/driver';
import { openBenchStore, seedAccountPairs, type BenchStore } from './support/environment';
import { benchReconcile, type ReconcileBenchSettings } from './support/reconcile-bench';
import { benchStatement, type StatementBenchSettings } from './support/statement-bench';
import { startLoadClient, type LoadClient } from './support/load-client';
import { SCENARIOS, SCENARIO_DESCRIPTIONS, createScenarios, type Scenario, type ScenarioName } from './support/scenarios';
import { loadServiceInstance } from './support/service-instance';
import { runMain, table } from './support/text-table';

/**
 * npm run bench
 *
 * One run, one DynamoDB Local, every scenario interleaved: each round runs a
 * batch of every scenario at every concurrency, starting with a different
 * scenario each round, so machine noise lands on all of them alike.
 *
 *   BENCH_ROUNDS=6            timed rounds (after one untimed warm-up round)
 *   BENCH_REQUESTS=60         requests per batch at concurrency 1; a batch at
 *                             concurrency c has BENCH_REQUESTS * (1 + (c - 1) / 3)
 *   BENCH_CONCURRENCY=1,4,16
 *   BENCH_PAIRS=500           account pairs seeded (1,000 accounts)
 *   BENCH_SCENARIOS=a,b       only these scenarios (diagnostics; ratios need floor);
 *                             `reconcile` alone: only the reconciler's throughput
 *                             `statement` alone: the first statement page at 10 and 10,000 entries
 *   BENCH_STATEMENT_ENTRIES=10000 BENCH_STATEMENT_ROUNDS=7 BENCH_STATEMENT_CALLS=30
 *   BENCH_RECONCILE_ENTRIES=100000  entries seeded for the reconciler (BENCH_RECONCILE_ACCOUNTS=1000
 *                             accounts); BENCH_RECONCILE_SEGMENTS=4, BENCH_RECONCILE_RUNS=3 (the median is reported)
 *   BENCH_DYNAMODB_ENDPOINT   use this DynamoDB (Local) instead of starting one
 *   BENCH_OUTPUT_DIR=bench    where results.json and results.svg go (reconcile.json for the reconciler)
 */

interface Settings {
  readonly rounds: number;
  readonly requestsAtOne: number;
  readonly concurrencies: readonly number[];
  readonly pairs: number;
  readonly only: ReadonlySet<string> | undefined;
  readonly outputDir: string;
  readonly reconcile: ReconcileBenchSettings;
  readonly statement: StatementBenchSettings;
}

interface Cell {
  requests: number;
  elapsedMs: number;
  latenciesMs: number[];
  calls: Map<string, number>;
  writeUnits: number;
  readUnits: number;
  computedWriteUnits: number;
  unaccountedCalls: number;
  failures: number;
  firstFailure: string | undefined;
  /** CPU time of this Node process (client, handler, local API) during the batch. */
  cpuMs: number;
}

export interface ResultRow {
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly requests: number;
  readonly throughputPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly storeCallsPerRequest: number;
  readonly wcuPerRequest: number;
  readonly rcuPerRequest: number;
  /** Extras: calls per request by command, the computed part of wcuPerRequest, failed requests. */
  readonly callsByCommand: Readonly<Record<string, number>>;
  readonly computedWcuPerRequest: number;
  /** CPU milliseconds this Node process spent per request (driver, SDK, handler, local API): the cost our code adds. */
  readonly nodeCpuMsPerRequest: number;
  readonly failures: number;
}

type Ratios = { handlerVsFloor: number; httpVsFloor: number; floorVsSingleWrite: number };

function readSettings(): Settings {
  const integer = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}".`);
    return value;
  };
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,4,16').split(',').map((part) => Number(part.trim()));
  if (concurrencies.some((value) => !Number.isSafeInteger(value) || value < 1)) throw new Error('BENCH_CONCURRENCY must list positive integers.');
  return {
    rounds: integer('BENCH_ROUNDS', 6),
    requestsAtOne: integer('BENCH_REQUESTS', 60),
    concurrencies,
    pairs: integer('BENCH_PAIRS', 500),
    only: process.env.BENCH_SCENARIOS ? new Set(process.env.BENCH_SCENARIOS.split(',').map((name) => name.trim())) : undefined,
    outputDir: path.resolve(process.env.BENCH_OUTPUT_DIR ?? path.join(__dirname)),
    reconcile: {
      entries: integer('BENCH_RECONCILE_ENTRIES', 100_000),
      accounts: Math.max(2, integer('BENCH_RECONCILE_ACCOUNTS', 1_000)),
      segments: integer('BENCH_RECONCILE_SEGMENTS', 4),
      runs: integer('BENCH_RECONCILE_RUNS', 3),
    },
    statement: {
      sizes: [10, integer('BENCH_STATEMENT_ENTRIES', 10_000)],
      rounds: integer('BENCH_STATEMENT_ROUNDS', 7),
      callsPerRound: integer('BENCH_STATEMENT_CALLS', 30),
    },
  };
}

const batchSize = (settings: Settings, concurrency: number, scale = 1) =>
  Math.max(concurrency, Math.round(settings.requestsAtOne * (1 + (concurrency - 1) / 3) * scale));

async function main(): Promise<void> {
  const settings = readSettings();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const transfers = settings.only === undefined || SCENARIOS.some((name) => settings.only?.has(name));
  const reconcile = settings.only === undefined || settings.only.has('reconcile');
  const statement = settings.only === undefined || settings.only.has('statement');

  log('bench: starting DynamoDB Local...');
  const store = await openBenchStore();
  try {
    if (transfers) await benchTransfers(store, settings, log);
    if (statement) await benchStatements(store, settings, log);
    if (reconcile) await benchReconciler(store, settings, log);
  } finally {
    await store.stop();
  }
}

/** The first page of a statement at 10 and at BENCH_STATEMENT_ENTRIES entries (bench/support/statement-bench.ts), to statement.json. */
async function benchStatements(store: BenchStore, settings: Settings, log: (line: string) => void): Promise<void> {
  const result = await benchStatement(store, settings.statement, log);
  await writeFile(
    path.join(settings.outputDir, 'statement.json'),
    `${JSON.stringify({ environment: { date: new Date().toISOString(), node: process.version, loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10 }, statement: result }, null, 2)}\n`,
  );
  console.log(
    [
      'Statement, first page (limit 20) through the handler, paired rounds:',
      ...table(['entries', 'p50 ms', 'p95 ms'], result.sizes.map((size) => [size.entries.toLocaleString('en-US'), size.p50Ms.toFixed(2), size.p95Ms.toFixed(2)])),
      `p50 ratio largest/smallest: median ${result.medianRatio} over ${result.roundRatios.length} rounds (min ${result.ratioSpread.min}, max ${result.ratioSpread.max})`,
    ].join('\n'),
  );
}

/** The reconciler's throughput over BENCH_RECONCILE_ENTRIES entries (bench/support/reconcile-bench.ts), to reconcile.json. */
async function benchReconciler(store: BenchStore, settings: Settings, log: (line: string) => void): Promise<void> {
  const result = await benchReconcile(store, settings.reconcile, log);
  const output = {
    environment: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
      // The machine may be shared: the figures mean little without it.
      loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
      store: store.startedHere ? 'DynamoDB Local (in memory), started by the bench' : `DynamoDB at ${store.endpoint}`,
    },
    reconcile: result,
  };
  await writeFile(path.join(settings.outputDir, 'reconcile.json'), `${JSON.stringify(output, null, 2)}\n`);
  const estimate = result.estimate100MillionEntries;
  console.log(
    [
      `Reconciler: ${result.entries.toLocaleString('en-US')} entries, ${result.movements.toLocaleString('en-US')} movements, ${result.accounts} accounts, ` +
        `${result.scannedItems.toLocaleString('en-US')} items scanned, ${result.segments} segments per table`,
      ...table(
        ['run', 'seconds', 'items/s', 'entries/s', 'node CPU us/item', 'ok'],
        result.runs.map((run, index) => [String(index + 1), run.seconds.toFixed(1), String(run.itemsPerSecond), String(run.entriesPerSecond), run.nodeCpuMicrosPerItem.toFixed(1), String(run.ok)]),
      ),
      `median: ${result.itemsPerSecond.toLocaleString('en-US')} items/s (${result.entriesPerSecond.toLocaleString('en-US')} entries/s); seeding took ${result.seedSeconds.toFixed(0)} s`,
      `100 million entries: ${estimate.items.toLocaleString('en-US')} items, ~${estimate.gigabytes} GB, ${estimate.readUnits.toLocaleString('en-US')} read units (consistent Scan): ` +
        `${estimate.hoursAtMeasuredRate} h at the measured rate, ${estimate.minutesAt12000ReadUnitsPerSecond} min at 12,000 RRU/s, ${estimate.minutesAt40000ReadUnitsPerSecond} min at 40,000 RRU/s`,
      `Wrote ${path.relative(process.cwd(), path.join(settings.outputDir, 'reconcile.json'))}.`,
    ].join('\n'),
  );
  if (result.runs.some((run) => !run.ok)) process.exitCode = 1;
}

async function benchTransfers(store: BenchStore, settings: Settings, log: (line: string) => void): Promise<void> {
  const startedAt = Date.now();
  // 1. The local API over the bench's tables (the HTTP scenario).
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoDbEndpoint: store.endpoint,
    tableNames: store.tableNames,
    log: () => undefined,
  });
  let loadClient: LoadClient | undefined;
  try {
    const caller = stack.identities[0];
    if (caller === undefined) throw new Error('the local stack seeded no identity');

    // 2. Two "instances" of the transfer function: the one the local API serves
    //    (cache off, configuration read now), and one with the local cache on.
    config();
    const plain = { transfer: HANDLERS.transfer, client: dynamoDb().client };
    const cached = loadServiceInstance({ IDEMPOTENCY_LOCAL_CACHE: 'true' });
    const client = await startLoadClient(store.endpoint, store.tableNames);
    loadClient = client;

    log(`bench: seeding ${settings.pairs * 2} accounts...`);
    const pairs = await seedAccountPairs(store, caller.sub, settings.pairs);
    const { scenarios: all, lastTransfer } = await quietStdout(() => createScenarios({
      store,
      principal: caller.sub,
      token: caller.token,
      pairs,
      loadClient: client,
      plain,
      cached,
      baseUrl: stack.baseUrl,
      replaySetSize: 64,
    }));
    const scenarios = all.filter((scenario) => settings.only?.has(scenario.name) ?? true);

    // 3. Warm-up (JIT on both sides, connections), then the timed rounds.
    log('bench: warm-up round (not measured)...');
    const cells = new Map<string, Cell>();
    await quietStdout(async () => {
      for (const concurrency of settings.concurrencies) {
        for (const scenario of scenarios) await measureBatch(scenario, batchSize(settings, concurrency, 0.5), concurrency);
      }
      for (let round = 0; round < settings.rounds; round++) {
        log(`bench: round ${round + 1}/${settings.rounds}`);
        for (const concurrency of settings.concurrencies) {
          for (let offset = 0; offset < scenarios.length; offset++) {
            const scenario = scenarios[(round + offset) % scenarios.length] as Scenario;
            const measured = await measureBatch(scenario, batchSize(settings, concurrency), concurrency);
            merge(cells, `${scenario.name}@${concurrency}`, measured);
          }
        }
      }
    });

    // 4. Figures, the capacity cross-check, the files.
    const rows = scenarios.flatMap((scenario) =>
      settings.concurrencies.map((concurrency) => toRow(scenario.name, concurrency, cells.get(`${scenario.name}@${concurrency}`) as Cell)),
    );
    const ratios = computeRatios(rows, settings.concurrencies);
    const sample = lastTransfer();
    const computed = sample === undefined ? undefined : await computeTransferCapacity(store, caller.sub, sample);
    const environment = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      store: store.startedHere ? 'DynamoDB Local (in memory), started by the bench' : `DynamoDB at ${store.endpoint}`,
      rounds: settings.rounds,
      batchSizes: Object.fromEntries(settings.concurrencies.map((concurrency) => [concurrency, batchSize(settings, concurrency)])),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    const capacityMethod =
      'ConsumedCapacity reported by DynamoDB Local (a client middleware sends every call with ReturnConsumedCapacity=TOTAL), corrected where ' +
      'DynamoDB Local departs from DynamoDB billing (the corrected part is computedWcuPerRequest): failed conditional writes report nothing, so ' +
      'they are computed from item sizes (1 WCU per KB of the larger of the item sent and the ALL_OLD item found); transactions are reported ' +
      'per table as if the items were one, so per table the larger of that and 2 WCU per item is taken. computedFirstTimeTransfer recomputes a ' +
      'first-time transfer from its item sizes alone (DynamoDB rules: 2 WCU per KB per transactional item, 1 per KB standard) as a cross-check.';
    const output = {
      environment,
      scenarios: SCENARIO_DESCRIPTIONS,
      capacityMethod,
      results: rows,
      ratios,
      computedFirstTimeTransfer: computed ?? null,
    };
    await writeFile(path.join(settings.outputDir, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
    await writeFile(
      path.join(settings.outputDir, 'results.svg'),
      renderChart(rows, `${environment.date.slice(0, 10)} · node ${process.version} · ${environment.cpus} · ${environment.store}`),
    );
    console.log(report(rows, ratios, computed, capacityMethod, environment.durationSeconds));
    console.log(`\nWrote ${path.relative(process.cwd(), path.join(settings.outputDir, 'results.json'))} and results.svg.`);
    if (rows.some((row) => row.failures > 0)) process.exitCode = 1;
  } finally {
    await loadClient?.stop();
    await stack.stop();
  }
}

async function measureBatch(scenario: Scenario, count: number, concurrency: number): Promise<Cell> {
  await scenario.prepare(count);
  const batch = await scenario.run(count, concurrency);
  if (batch.failures > 0) process.stderr.write(`bench: ${scenario.name}@${concurrency}: ${batch.failures} failed, first: ${batch.firstFailure}\n`);
  return {
    requests: count,
    elapsedMs: batch.elapsedMs,
    latenciesMs: batch.latenciesMs,
    calls: new Map(batch.calls),
    writeUnits: batch.units.write,
    readUnits: batch.units.read,
    computedWriteUnits: batch.units.computedWrite,
    unaccountedCalls: batch.units.unaccounted,
    failures: batch.failures,
    firstFailure: batch.firstFailure,
    cpuMs: batch.cpuMs,
  };
}

function merge(cells: Map<string, Cell>, id: string, batch: Cell): void {
  const cell = cells.get(id);
  if (cell === undefined) {
    cells.set(id, batch);
    return;
  }
  cell.requests += batch.requests;
  cell.elapsedMs += batch.elapsedMs;
  cell.latenciesMs.push(...batch.latenciesMs);
  for (const [command, count] of batch.calls) cell.calls.set(command, (cell.calls.get(command) ?? 0) + count);
  cell.writeUnits += batch.writeUnits;
  cell.readUnits += batch.readUnits;
  cell.computedWriteUnits += batch.computedWriteUnits;
  cell.unaccountedCalls += batch.unaccountedCalls;
  cell.failures += batch.failures;
  cell.cpuMs += batch.cpuMs;
  cell.firstFailure ??= batch.firstFailure;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function toRow(scenario: ScenarioName, concurrency: number, cell: Cell): ResultRow {
  const perRequest = (value: number) => round2(value / cell.requests);
  return {
    scenario,
    concurrency,
    requests: cell.requests,
    throughputPerSec: round2(cell.requests / (cell.elapsedMs / 1000)),
    p50Ms: round2(percentile(cell.latenciesMs, 0.5)),
    p99Ms: round2(percentile(cell.latenciesMs, 0.99)),
    storeCallsPerRequest: perRequest([...cell.calls.values()].reduce((sum, value) => sum + value, 0)),
    wcuPerRequest: perRequest(cell.writeUnits),
    rcuPerRequest: perRequest(cell.readUnits),
    callsByCommand: Object.fromEntries([...cell.calls].map(([command, count]) => [command.replace(/Command$/, ''), perRequest(count)])),
    computedWcuPerRequest: perRequest(cell.computedWriteUnits),
    nodeCpuMsPerRequest: round2(cell.cpuMs / cell.requests),
    failures: cell.failures,
  };
}

/**
 * Throughput ratios per concurrency; the top-level figure is the lower of
 * concurrency 4 and 16, the two the targets name (all concurrencies if
 * neither ran).
 */
function computeRatios(rows: readonly ResultRow[], concurrencies: readonly number[]): Ratios & { byConcurrency: Record<string, Ratios> } {
  const throughput = (scenario: ScenarioName, concurrency: number) =>
    rows.find((row) => row.scenario === scenario && row.concurrency === concurrency)?.throughputPerSec ?? Number.NaN;
  const byConcurrency: Record<string, Ratios> = {};
  for (const concurrency of concurrencies) {
    const floor = throughput('floor', concurrency);
    byConcurrency[concurrency] = {
      handlerVsFloor: round2(throughput('handler', concurrency) / floor),
      httpVsFloor: round2(throughput('http', concurrency) / floor),
      floorVsSingleWrite: round2(floor / throughput('single-write', concurrency)),
    };
  }
  const gating = concurrencies.filter((concurrency) => concurrency === 4 || concurrency === 16);
  const considered = (gating.length > 0 ? gating : concurrencies).map((concurrency) => byConcurrency[concurrency] as Ratios);
  const lowest = (pick: (ratios: Ratios) => number) => Math.min(...considered.map(pick));
  return {
    handlerVsFloor: lowest((ratios) => ratios.handlerVsFloor),
    httpVsFloor: lowest((ratios) => ratios.httpVsFloor),
    floorVsSingleWrite: lowest((ratios) => ratios.floorVsSingleWrite),
    byConcurrency,
  };
}

function report(
  rows: readonly ResultRow[],
  ratios: ReturnType<typeof computeRatios>,
  computed: ComputedTransferCapacity | undefined,
  capacityMethod: string,
  durationSeconds: number,
): string {
  const header = ['scenario', 'conc', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'calls/req', 'WCU/req', 'RCU/req', 'node CPU ms/req', 'calls by command', 'failed'];
  const body = rows.map((row) => [
    row.scenario,
    String(row.concurrency),
    String(row.requests),
    row.throughputPerSec.toFixed(0),
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.storeCallsPerRequest.toFixed(2),
    row.wcuPerRequest.toFixed(2) + (row.computedWcuPerRequest > 0 ? '*' : ''),
    row.rcuPerRequest.toFixed(2),
    row.nodeCpuMsPerRequest.toFixed(2),
    Object.entries(row.callsByCommand)
      .map(([command, count]) => `${command} ${count}`)
      .join(', ') || '-',
    String(row.failures),
  ]);
  const lines = [`Benchmark (${durationSeconds} s)`, '', ...table(header, body)];
  lines.push('', '* part of the WCU computed rather than reported by DynamoDB Local: see Capacity below.');
  lines.push('', 'Throughput ratios');
  lines.push(
    ...table(
      ['concurrency', 'handler/floor', 'http/floor', 'floor/single-write'],
      Object.entries(ratios.byConcurrency).map(([concurrency, value]) => [
        concurrency,
        value.handlerVsFloor.toFixed(2),
        value.httpVsFloor.toFixed(2),
        value.floorVsSingleWrite.toFixed(2),
      ]),
    ),
  );
  lines.push(
    `lowest at concurrency 4 and 16: handler/floor ${ratios.handlerVsFloor.toFixed(2)} (target >= 0.85), http/floor ${ratios.httpVsFloor.toFixed(2)} (target >= 0.70)`,
  );
  lines.push('', `Capacity: ${capacityMethod}`);
  if (computed !== undefined) {
    lines.push(
      `Computed from item sizes, one first-time transfer: PutItem ${computed.units.putItem} + TransactWriteItems ${computed.units.transactWriteItems} + UpdateItem ${computed.units.updateItem} = ${computed.units.total} WCU, 0 RCU`,
      `  item sizes (bytes): ${Object.entries(computed.itemBytes)
        .map(([item, bytes]) => `${item} ${bytes}`)
        .join(', ')}`,
    );
  }
  return lines.join('\n');
}

runMain(main);
