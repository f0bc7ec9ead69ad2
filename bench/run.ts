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
import { compareWithProfile, readProfile, writeProfile, type CpuAtConcurrency, type ProfileComparison } from './support/baseline';
import { computeTransferCapacity, type ComputedTransferCapacity } from './support/capacity-check';
import { renderChart } from './support/chart';
import { percentile } from './support/driver';
import { openBenchStore, seedAccountPairs, type BenchStore } from './support/environment';
import { benchReconcile, type ReconcileBenchSettings } from './support/reconcile-bench';
import { benchStatement, type StatementBenchSettings } from './support/statement-bench';
import { startLoadClient, type LoadClient } from './support/load-client';
import { SCENARIOS, SCENARIO_DESCRIPTIONS, createScenarios, type BatchMeasurement, type Scenario, type ScenarioName } from './support/scenarios';
import { machineMeter } from './support/machine';
import { loadServiceInstance } from './support/service-instance';
import { formatSpread, median, round2, round3, spread, type Spread } from './support/statistics';
import { runMain, table } from './support/text-table';
import { TARGETS, renderVerdicts, verdicts, type Verdict } from './support/verdicts';

/**
 * npm run bench
 *
 * One run, one DynamoDB Local, every scenario side by side in paired rounds:
 * at each concurrency of a round, the handler, http and single-transaction
 * each run back to back with a floor batch (the floor first every other
 * round), so a ratio of a round is the ratio of a pair that shared the
 * machine's state; the report gives the median of those ratios and their
 * spread, and PASS/FAIL/UNDECIDED verdicts on the targets of issue 11
 * (bench/support/verdicts.ts). The other scenarios run once per round.
 *
 *   BENCH_ROUNDS=8            timed rounds (after one untimed warm-up round); even, so both orders count alike
 *   BENCH_REQUESTS=60         requests per batch at concurrency 1; a batch at
 *                             concurrency c has BENCH_REQUESTS * (1 + log2 c): 60, 180, 300
 *   BENCH_CONCURRENCY=1,4,16
 *   BENCH_PAIRS=500           account pairs seeded (1,000 accounts)
 *   BENCH_SCENARIOS=a,b       only these scenarios (diagnostics; ratios need floor);
 *                             `reconcile` alone: only the reconciler's throughput
 *                             `statement` alone: the first statement page at 10 and 10,000 entries
 *   BENCH_PROFILE=bench/baseline/main-8db00b0.json   the stored profile the handler's CPU is compared with
 *   BENCH_WRITE_PROFILE=file  also store this run's handler and floor CPU as a profile
 *   BENCH_STRICT=1            exit 1 on a failed measured gate too, not only on an exact one
 *   BENCH_QUIET_SHARE=0.2     the throughput verdicts use the pairs during which other processes took at most
 *                             this share of the machine (bench/support/machine.ts)
 *   BENCH_EXTRA_PAIRS=10      extra handler pairs at concurrency 4 and 16 while fewer than BENCH_ROUNDS were quiet
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
  readonly profile: string;
  readonly writeProfile: string | undefined;
  readonly strict: boolean;
  /** A pair is quiet when other processes took at most this share of the machine's cores. */
  readonly quietShare: number;
  /** At most this many extra handler pairs per gated concurrency when too few were quiet. */
  readonly extraPairs: number;
  readonly reconcile: ReconcileBenchSettings;
  readonly statement: StatementBenchSettings;
}

function readSettings(): Settings {
  const integer = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}".`);
    return value;
  };
  const share = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1, not "${raw}".`);
    return value;
  };
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,4,16').split(',').map((part) => Number(part.trim()));
  if (concurrencies.some((value) => !Number.isSafeInteger(value) || value < 1)) throw new Error('BENCH_CONCURRENCY must list positive integers.');
  return {
    rounds: integer('BENCH_ROUNDS', 8),
    requestsAtOne: integer('BENCH_REQUESTS', 60),
    concurrencies,
    pairs: integer('BENCH_PAIRS', 500),
    only: process.env.BENCH_SCENARIOS ? new Set(process.env.BENCH_SCENARIOS.split(',').map((name) => name.trim())) : undefined,
    outputDir: path.resolve(process.env.BENCH_OUTPUT_DIR ?? path.join(__dirname)),
    profile: path.resolve(process.env.BENCH_PROFILE || path.join(__dirname, 'baseline', 'main-8db00b0.json')),
    writeProfile: process.env.BENCH_WRITE_PROFILE ? path.resolve(process.env.BENCH_WRITE_PROFILE) : undefined,
    strict: process.env.BENCH_STRICT === '1',
    quietShare: share('BENCH_QUIET_SHARE', 0.2),
    extraPairs: process.env.BENCH_EXTRA_PAIRS === '0' ? 0 : integer('BENCH_EXTRA_PAIRS', 10),
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

/** About a second of requests per side of a pair at each concurrency on this machine: 60, 180, 300 at 1, 4, 16. */
const batchSize = (settings: Settings, concurrency: number, scale = 1) =>
  Math.max(2 * concurrency, Math.round(settings.requestsAtOne * (1 + Math.log2(concurrency)) * scale));

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
  const loadAtStart = os.loadavg()[0] ?? 0;
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
    // Every process of the bench is running now (DynamoDB Local, the load client): what else runs is "other".
    machine.refresh();

    log(`bench: seeding ${settings.pairs * 2} accounts...`);
    const pairs = await seedAccountPairs(store, caller.sub, settings.pairs);
    const emptyPairs = await seedAccountPairs(store, caller.sub, Math.max(32, 2 * Math.max(...settings.concurrencies)), { empty: true });
    const { scenarios: all, lastTransfer } = await quietStdout(() =>
      createScenarios({
        store,
        principal: caller.sub,
        token: caller.token,
        pairs,
        emptyPairs,
        loadClient: client,
        plain,
        cached,
        baseUrl: stack.baseUrl,
        replaySetSize: 64,
      }),
    );
    const scenarios = all.filter((scenario) => settings.only?.has(scenario.name) ?? true);
    const floor = scenarios.find((scenario) => scenario.name === 'floor');

    // 3. Warm-up (JIT on both sides, connections), then the timed rounds: at
    //    each concurrency, each paired scenario runs back to back with a floor
    //    batch, in slices A B B A A B B A (the floor is A every other round),
    //    so the two see the same drift of the machine and neither always goes first.
    log('bench: warm-up round (not measured)...');
    const batches: Batch[] = [];
    const pairsRun: Pair[] = [];
    const isQuiet = (pair: Pair) => otherShareOf(pair.scenarioBatch, pair.floorBatch) <= settings.quietShare;
    /** One pair: both sides prepared first, so the timed slices are adjacent; then A B B A A B B A. */
    const runPair = async (scenario: Scenario, floor: Scenario, count: number, concurrency: number, round: number, floorFirst: boolean) => {
      await scenario.prepare(count);
      await floor.prepare(count);
      const [a, b] = floorFirst ? [floor, scenario] : [scenario, floor];
      const slices: Batch[] = [];
      for (let slice = 0; slice < PAIR_SLICES; slice++) {
        const from = Math.round((slice * count) / PAIR_SLICES);
        const size = Math.round(((slice + 1) * count) / PAIR_SLICES) - from;
        for (const side of slice % 2 === 0 ? [a, b] : [b, a]) slices.push(await run(side, size, concurrency, round, from));
      }
      batches.push(...slices);
      const scenarioBatch = combine(slices.filter((batch) => batch.scenario === scenario.name));
      const floorBatch = combine(slices.filter((batch) => batch.scenario === 'floor'));
      pairsRun.push({ scenario: scenario.name, concurrency, round, floorFirst, scenarioBatch, floorBatch });
    };
    await quietStdout(async () => {
      // The floor runs in a fresh process and most often: it gets the longest warm-up, or its first rounds pay for the JIT.
      for (const concurrency of settings.concurrencies) {
        for (const scenario of scenarios) {
          for (let repeat = 0; repeat < (scenario === floor ? 3 : 1); repeat++) await measure(scenario, batchSize(settings, concurrency), concurrency, -1);
        }
      }
      for (let round = 0; round < settings.rounds; round++) {
        log(`bench: round ${round + 1}/${settings.rounds} (${Math.round((Date.now() - startedAt) / 1000)} s)`);
        const floorFirst = round % 2 === 1;
        for (const concurrency of settings.concurrencies) {
          const count = batchSize(settings, concurrency);
          const others = scenarios.filter((scenario) => scenario !== floor);
          for (let offset = 0; offset < others.length; offset++) {
            const scenario = others[(round + offset) % others.length] as Scenario;
            if (floor === undefined || !PAIRED.has(scenario.name)) {
              batches.push(await measure(scenario, count, concurrency, round));
              continue;
            }
            await runPair(scenario, floor, count, concurrency, round, floorFirst);
          }
          if (floor !== undefined && others.length === 0) batches.push(await measure(floor, count, concurrency, round));
        }
      }
      // The throughput verdicts count quiet pairs only: on a busy machine, more handler pairs at the
      // gated concurrencies, until as many were quiet as there are rounds or BENCH_EXTRA_PAIRS ran.
      const handler = scenarios.find((scenario) => scenario.name === 'handler');
      if (floor === undefined || handler === undefined || machine.read() === undefined) return;
      for (const concurrency of settings.concurrencies.filter((value) => TARGETS.throughputConcurrencies.includes(String(value) as '4' | '16'))) {
        const quiet = () => pairsRun.filter((pair) => pair.scenario === 'handler' && pair.concurrency === concurrency && isQuiet(pair)).length;
        for (let extra = 0; extra < settings.extraPairs && quiet() < settings.rounds; extra++) {
          log(`bench: extra handler pair ${extra + 1} at concurrency ${concurrency} (${quiet()} of ${settings.rounds} quiet so far)`);
          await runPair(handler, floor, batchSize(settings, concurrency), concurrency, settings.rounds + extra, extra % 2 === 1);
        }
      }
    });

    // 4. Figures, the capacity cross-check, the stored profile, the verdicts, the files.
    const rows = scenarios.flatMap((scenario) => settings.concurrencies.map((concurrency) => toRow(scenario.name, concurrency, batches)));
    const paired = pairedRatios(pairsRun, settings.concurrencies, settings.quietShare);
    const sample = lastTransfer();
    const computed = sample === undefined ? undefined : await computeTransferCapacity(store, caller.sub, sample);
    const handlerCpu = handlerCpuProfile(pairsRun, settings.concurrencies);
    const environment = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      // The machine may be shared: the figures mean little without it.
      loadAverage1m: { start: round2(loadAtStart), end: round2(os.loadavg()[0] ?? 0) },
      otherProcessesShareOfMachine: spread(batches.map((batch) => otherShareOf(batch))),
      store: store.startedHere ? 'DynamoDB Local (in memory), started by the bench' : `DynamoDB at ${store.endpoint}`,
      rounds: settings.rounds,
      batchSizes: Object.fromEntries(settings.concurrencies.map((concurrency) => [concurrency, batchSize(settings, concurrency)])),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    if (settings.writeProfile !== undefined && handlerCpu !== undefined) {
      await writeProfile(settings.writeProfile, handlerCpu, environment);
      log(`bench: wrote the profile ${path.relative(process.cwd(), settings.writeProfile)}`);
    }
    const profile = readProfile(settings.profile);
    const comparison = profile === undefined || handlerCpu === undefined ? undefined : compareWithProfile(profile, settings.profile, handlerCpu);
    const totals = Object.fromEntries(
      scenarios.map((scenario) => {
        const own = batches.filter((batch) => batch.scenario === scenario.name);
        const requests = sum(own.map((batch) => batch.requests));
        return [scenario.name, { calls: sum(own.map((batch) => sum([...batch.calls.values()]))) / requests, writeUnits: sum(own.map((batch) => batch.units.write)) / requests }];
      }),
    );
    const cpuAgainstProfile = comparison?.byConcurrency.all;
    const gates = verdicts({
      perRequest: totals,
      computed,
      handlerVsFloorCpu: paired.find((entry) => entry.scenario === 'handler' && entry.concurrency === 'all')?.cpu,
      handlerVsFloorThroughput: Object.fromEntries(
        paired
          .filter((entry) => entry.scenario === 'handler' && entry.concurrency !== 'all')
          .map((entry) => [entry.concurrency, { all: entry.throughput, quiet: entry.quietThroughput, loadKnown: Number.isFinite(entry.otherShare.median) }]),
      ),
      quietShare: settings.quietShare,
      cpuAgainstProfile: cpuAgainstProfile === undefined || comparison === undefined ? undefined : { ...cpuAgainstProfile.floorNormalised, profile: comparison.profile },
    });
    const output = {
      environment,
      scenarios: SCENARIO_DESCRIPTIONS,
      method: METHOD,
      capacityMethod: CAPACITY_METHOD,
      results: rows,
      paired,
      cpuAgainstProfile: comparison ?? null,
      computedFirstTimeTransfer: computed ?? null,
      verdicts: gates,
    };
    await writeFile(path.join(settings.outputDir, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
    await writeFile(
      path.join(settings.outputDir, 'results.svg'),
      renderChart(rows, `${environment.date.slice(0, 10)} · node ${process.version} · ${environment.cpus} · ${environment.store}`),
    );
    console.log(report(rows, paired, comparison, computed, gates, environment.durationSeconds));
    console.log(`\nWrote ${path.relative(process.cwd(), path.join(settings.outputDir, 'results.json'))} and results.svg.`);
    // Exit 1 on a failed request or an exact gate (deterministic: a FAIL is a change, never noise);
    // the measured gates count too with BENCH_STRICT=1 (UNDECIDED is not a pass).
    if (rows.some((row) => row.failures > 0) || gates.some((gate) => gate.outcome !== 'PASS' && (gate.exact || settings.strict))) process.exitCode = 1;
  } finally {
    await loadClient?.stop();
    await stack.stop();
  }
}

/**
 * A pair is this many slices of each side, alternating A B B A A B B A: the
 * finer the alternation, the more alike the machine noise both sides see.
 */
const PAIR_SLICES = 4;

/** Scenarios run back to back with a floor batch; their ratios to the floor are per pair. */
const PAIRED: ReadonlySet<ScenarioName> = new Set(['handler', 'http', 'single-transaction']);

const METHOD =
  'Paired rounds: at each concurrency of a round, each of handler, http and single-transaction runs back to back with a floor batch of the ' +
  'same size (keys issued for both before either is timed), in four slices per side alternating A B B A A B B A, the floor being A in odd ' +
  'rounds; a ratio of a round is that pair\'s ratio (requests over summed slice times, CPU over requests), reported as the median of the ' +
  'rounds with min-max, IQR and a distribution-free confidence interval of the median (order statistics). CPU is the Node CPU time ' +
  '(user + system) of the bench processes during the batch, per request; DynamoDB Local\'s is not in it. For each pair the share of the ' +
  'machine that other processes took is measured (/proc/stat minus the bench\'s process tree); the throughput verdicts use the quiet pairs ' +
  '(others took at most BENCH_QUIET_SHARE), because the handler needs more CPU than the floor and a busy machine lowers the throughput ' +
  'ratio itself; while fewer than BENCH_ROUNDS handler pairs at concurrency 4 or 16 were quiet, up to BENCH_EXTRA_PAIRS more handler ' +
  'pairs run there after the rounds. The other scenarios run once per ' +
  'round at each concurrency; req/s and CPU of a row are medians of the rounds; latency percentiles pool every request of a scenario at a concurrency.';

const CAPACITY_METHOD =
  'ConsumedCapacity reported by DynamoDB Local (a client middleware sends every call with ReturnConsumedCapacity=TOTAL), corrected where ' +
  'DynamoDB Local departs from DynamoDB billing (the corrected part is computedWcuPerRequest): failed conditional writes report nothing, so ' +
  'they are computed from item sizes (1 WCU per KB of the larger of the item sent and the ALL_OLD item found); transactions are reported ' +
  'per table as if the items were one, so per table the larger of that and 2 WCU per item is taken. computedFirstTimeTransfer recomputes a ' +
  'first-time transfer from its item sizes alone (DynamoDB rules: 2 WCU per KB per transactional item, 1 per KB standard) for each design ' +
  '(three calls, two calls, one transaction) as a cross-check.';

interface Batch {
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  /** -1 for the warm-up. */
  readonly round: number;
  readonly requests: number;
  readonly elapsedMs: number;
  readonly latenciesMs: readonly number[];
  readonly calls: ReadonlyMap<string, number>;
  readonly units: BatchMeasurement['units'];
  readonly failures: number;
  /** CPU time of the bench processes during the batch. */
  readonly cpuMs: number;
  /** CPU time other processes of the machine took during the batch (NaN where unknown). */
  readonly otherCpuMs: number;
}

interface Pair {
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly round: number;
  readonly floorFirst: boolean;
  readonly scenarioBatch: Batch;
  readonly floorBatch: Batch;
}

export interface ResultRow {
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly requests: number;
  /** Median over the rounds' batches. */
  readonly throughputPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly storeCallsPerRequest: number;
  readonly wcuPerRequest: number;
  readonly rcuPerRequest: number;
  /** Extras: calls per request by command, the computed part of wcuPerRequest. */
  readonly callsByCommand: Readonly<Record<string, number>>;
  readonly computedWcuPerRequest: number;
  /** Calls that reported no capacity and could not be computed (a cancelled transaction): their units are not in wcuPerRequest. */
  readonly unaccountedCallsPerRequest: number;
  /** CPU ms the bench processes spent per request (driver, SDK, handler, local API), median over the rounds' batches. */
  readonly nodeCpuMsPerRequest: number;
  readonly failures: number;
}

/** A scenario's ratios to its paired floor at one concurrency ('all': every concurrency pooled). */
export interface PairedRatios {
  readonly scenario: ScenarioName;
  readonly concurrency: string;
  readonly throughput: Spread;
  /** Throughput over the quiet pairs only: those during which other processes took at most BENCH_QUIET_SHARE of the machine. */
  readonly quietThroughput: Spread;
  /** The share of the machine other processes took, over the pairs (NaN where unknown). */
  readonly otherShare: Spread;
  readonly cpu: Spread;
  /** Each pair: its ratios, and the two sides' req/s and CPU ms per request. */
  readonly rounds: ReadonlyArray<{
    readonly round: number;
    readonly concurrency: number;
    readonly floorFirst: boolean;
    readonly throughput: number;
    readonly cpu: number;
    readonly perSec: { readonly scenario: number; readonly floor: number };
    /** The share of the machine other processes took during the pair (0 to 1). */
    readonly otherShare: number;
    readonly cpuMsPerRequest: { readonly scenario: number; readonly floor: number };
  }>;
}

const machine = machineMeter();

async function run(scenario: Scenario, count: number, concurrency: number, round: number, offset = 0): Promise<Batch> {
  const before = machine.read();
  const batch = await scenario.run(count, concurrency, offset);
  const after = machine.read();
  const otherCpuMs =
    before === undefined || after === undefined ? Number.NaN : Math.max(0, after.busyMs - before.busyMs - (after.benchMs - before.benchMs));
  if (batch.failures > 0) process.stderr.write(`bench: ${scenario.name}@${concurrency}: ${batch.failures} failed, first: ${batch.firstFailure}\n`);
  return {
    scenario: scenario.name,
    concurrency,
    round,
    requests: count,
    elapsedMs: batch.elapsedMs,
    latenciesMs: batch.latenciesMs,
    calls: new Map(batch.calls),
    units: batch.units,
    failures: batch.failures,
    cpuMs: batch.cpuMs,
    otherCpuMs,
  };
}

async function measure(scenario: Scenario, count: number, concurrency: number, round: number): Promise<Batch> {
  await scenario.prepare(count);
  return run(scenario, count, concurrency, round);
}

/** Batches of one scenario as one: their requests over their summed time. */
function combine(parts: readonly Batch[]): Batch {
  const [first] = parts;
  if (first === undefined) throw new Error('nothing to combine');
  const calls = new Map<string, number>();
  for (const part of parts) for (const [command, count] of part.calls) calls.set(command, (calls.get(command) ?? 0) + count);
  const total = (pick: (part: Batch) => number) => sum(parts.map(pick));
  return {
    ...first,
    requests: total((part) => part.requests),
    elapsedMs: total((part) => part.elapsedMs),
    latenciesMs: parts.flatMap((part) => part.latenciesMs),
    calls,
    units: {
      write: total((part) => part.units.write),
      read: total((part) => part.units.read),
      computedWrite: total((part) => part.units.computedWrite),
      unaccounted: total((part) => part.units.unaccounted),
    },
    failures: total((part) => part.failures),
    cpuMs: total((part) => part.cpuMs),
    otherCpuMs: total((part) => part.otherCpuMs),
  };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const throughputOf = (batch: Batch) => batch.requests / (batch.elapsedMs / 1000);
/** The share of the machine's cores other processes took during the batches. */
const otherShareOf = (...parts: Batch[]) => sum(parts.map((part) => part.otherCpuMs)) / (sum(parts.map((part) => part.elapsedMs)) * machine.cores);
const cpuPerRequestOf = (batch: Batch) => batch.cpuMs / batch.requests;

function toRow(scenario: ScenarioName, concurrency: number, batches: readonly Batch[]): ResultRow {
  const own = batches.filter((batch) => batch.scenario === scenario && batch.concurrency === concurrency);
  // Throughput and CPU per round: the round's batches of the scenario as one.
  const rounds = [...new Set(own.map((batch) => batch.round))].map((round) => combine(own.filter((batch) => batch.round === round)));
  const requests = sum(own.map((batch) => batch.requests));
  const perRequest = (value: number) => round2(value / requests);
  const calls = new Map<string, number>();
  for (const batch of own) for (const [command, count] of batch.calls) calls.set(command, (calls.get(command) ?? 0) + count);
  const latencies = own.flatMap((batch) => batch.latenciesMs);
  return {
    scenario,
    concurrency,
    requests,
    throughputPerSec: round2(median(rounds.map(throughputOf))),
    p50Ms: round2(percentile(latencies, 0.5)),
    p95Ms: round2(percentile(latencies, 0.95)),
    p99Ms: round2(percentile(latencies, 0.99)),
    storeCallsPerRequest: perRequest(sum([...calls.values()])),
    wcuPerRequest: perRequest(sum(own.map((batch) => batch.units.write))),
    rcuPerRequest: perRequest(sum(own.map((batch) => batch.units.read))),
    callsByCommand: Object.fromEntries([...calls].map(([command, count]) => [command.replace(/Command$/, ''), perRequest(count)])),
    computedWcuPerRequest: perRequest(sum(own.map((batch) => batch.units.computedWrite))),
    unaccountedCallsPerRequest: perRequest(sum(own.map((batch) => batch.units.unaccounted))),
    nodeCpuMsPerRequest: round2(median(rounds.map(cpuPerRequestOf))),
    failures: sum(own.map((batch) => batch.failures)),
  };
}

function pairedRatios(pairs: readonly Pair[], concurrencies: readonly number[], quietShare: number): PairedRatios[] {
  const scenarios = [...new Set(pairs.map((pair) => pair.scenario))];
  return scenarios.flatMap((scenario) =>
    [...concurrencies.map(String), 'all'].map((concurrency): PairedRatios => {
      const own = pairs.filter((pair) => pair.scenario === scenario && (concurrency === 'all' || String(pair.concurrency) === concurrency));
      const rounds = own.map((pair) => ({
        round: pair.round,
        concurrency: pair.concurrency,
        floorFirst: pair.floorFirst,
        throughput: round3(throughputOf(pair.scenarioBatch) / throughputOf(pair.floorBatch)),
        cpu: round3(cpuPerRequestOf(pair.scenarioBatch) / cpuPerRequestOf(pair.floorBatch)),
        perSec: { scenario: round2(throughputOf(pair.scenarioBatch)), floor: round2(throughputOf(pair.floorBatch)) },
        otherShare: round3(otherShareOf(pair.scenarioBatch, pair.floorBatch)),
        cpuMsPerRequest: { scenario: round3(cpuPerRequestOf(pair.scenarioBatch)), floor: round3(cpuPerRequestOf(pair.floorBatch)) },
      }));
      return {
        scenario,
        concurrency,
        throughput: spread(rounds.map((entry) => entry.throughput)),
        quietThroughput: spread(rounds.filter((entry) => entry.otherShare <= quietShare).map((entry) => entry.throughput)),
        otherShare: spread(rounds.map((entry) => entry.otherShare)),
        cpu: spread(rounds.map((entry) => entry.cpu)),
        // The pooled entry's pairs are those of the concurrencies above.
        rounds: concurrency === 'all' ? [] : rounds,
      };
    }),
  );
}

/** The handler's CPU and its paired floor's, by concurrency and pooled: what a stored profile keeps. */
function handlerCpuProfile(pairs: readonly Pair[], concurrencies: readonly number[]): Record<string, CpuAtConcurrency> | undefined {
  const handler = pairs.filter((pair) => pair.scenario === 'handler');
  if (handler.length === 0) return undefined;
  const profile: Record<string, CpuAtConcurrency> = {};
  for (const concurrency of [...concurrencies.map(String), 'all']) {
    const own = handler.filter((pair) => concurrency === 'all' || String(pair.concurrency) === concurrency);
    profile[concurrency] = {
      handlerCpuMsPerRequest: round3(median(own.map((pair) => cpuPerRequestOf(pair.scenarioBatch)))),
      floorCpuMsPerRequest: round3(median(own.map((pair) => cpuPerRequestOf(pair.floorBatch)))),
      handlerVsFloorCpu: spread(own.map((pair) => cpuPerRequestOf(pair.scenarioBatch) / cpuPerRequestOf(pair.floorBatch))),
    };
  }
  return profile;
}

function report(
  rows: readonly ResultRow[],
  paired: readonly PairedRatios[],
  comparison: ProfileComparison | undefined,
  computed: ComputedTransferCapacity | undefined,
  gates: readonly Verdict[],
  durationSeconds: number,
): string {
  const header = ['scenario', 'conc', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'calls/req', 'WCU/req', 'RCU/req', 'CPU ms/req', 'calls by command', 'failed'];
  const body = rows.map((row) => [
    row.scenario,
    String(row.concurrency),
    String(row.requests),
    row.throughputPerSec.toFixed(0),
    row.p50Ms.toFixed(2),
    row.p95Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.storeCallsPerRequest.toFixed(2),
    row.wcuPerRequest.toFixed(2) + (row.computedWcuPerRequest > 0 ? '*' : '') + (row.unaccountedCallsPerRequest > 0 ? '+?' : ''),
    row.rcuPerRequest.toFixed(2),
    row.nodeCpuMsPerRequest.toFixed(2),
    Object.entries(row.callsByCommand)
      .map(([command, count]) => `${command} ${count}`)
      .join(', ') || '-',
    String(row.failures),
  ]);
  const lines = [`Benchmark (${durationSeconds} s); req/s and CPU: medians of the rounds; latency: every request pooled`, '', ...table(header, body)];
  lines.push(
    '',
    '* part of the WCU computed rather than reported by DynamoDB Local: see Capacity below.',
    '+? plus the units of calls DynamoDB Local reports nothing for and whose cost cannot be computed (a cancelled transaction).',
  );
  lines.push('', 'Paired ratios to the floor: median of the per-round ratios (min-max, IQR)');
  lines.push(
    ...table(
      ['scenario / floor', 'conc', 'pairs', 'others took', 'throughput, all pairs', 'throughput, quiet pairs', 'CPU per request'],
      paired.map((entry) => [
        entry.scenario,
        entry.concurrency,
        String(entry.throughput.rounds),
        Number.isFinite(entry.otherShare.median) ? `${Math.round(entry.otherShare.median * 100)}% (${Math.round(entry.otherShare.min * 100)}-${Math.round(entry.otherShare.max * 100)})` : '?',
        formatSpread(entry.throughput),
        entry.quietThroughput.rounds === 0 ? 'none' : `${entry.quietThroughput.rounds}: ${formatSpread(entry.quietThroughput)}`,
        formatSpread(entry.cpu),
      ]),
    ),
  );
  if (comparison !== undefined) {
    lines.push('', `Handler CPU per first-time transfer against the stored profile ${comparison.profile} (${comparison.commit.slice(0, 7)}); the verdict uses floor-normalised`);
    lines.push(
      ...table(
        ['concurrency', 'CPU ms then', 'CPU ms now', 'raw now/then', 'floor-normalised now/then [CI]'],
        Object.entries(comparison.byConcurrency).map(([concurrency, value]) => [
          concurrency,
          value.handlerCpuThen.toFixed(2),
          value.handlerCpuNow.toFixed(2),
          value.rawRatio.toFixed(2),
          `${value.floorNormalised.median.toFixed(2)} [${value.floorNormalised.ciLow.toFixed(2)}-${value.floorNormalised.ciHigh.toFixed(2)}]`,
        ]),
      ),
    );
    if (comparison.floorChanged) lines.push('note: the floor\'s code differs from the profile\'s, so the floor-normalised figure compares against another normaliser.');
  }
  lines.push('', `Capacity: ${CAPACITY_METHOD}`);
  if (computed !== undefined) {
    const { units, designs } = computed;
    lines.push(
      `Computed from item sizes, one first-time transfer: PutItem ${units.putItem} + money items ${units.moneyItems} + completion UpdateItem ${units.completionUpdate} = ${designs.threeCalls} WCU (three calls); ` +
        `PutItem ${units.putItem} + money items ${units.moneyItems} + completion in the transaction ${units.completionInTransaction} = ${designs.twoCalls} (two calls); ` +
        `money items ${units.moneyItems} + record put in the transaction ${units.recordPutInTransaction} = ${designs.singleTransaction} (one transaction); 0 RCU`,
      `  item sizes (bytes): ${Object.entries(computed.itemBytes)
        .map(([item, bytes]) => `${item} ${bytes}`)
        .join(', ')}`,
    );
  }
  lines.push(
    '',
    'Verdicts: exact gates over every request; measured gates on the median and its confidence interval over the rounds',
    '(PASS: all of the interval meets the target, FAIL: none of it, UNDECIDED: it straddles); throughput on the quiet pairs only.',
    'Exit 1 on a failed exact gate; measured gates too with BENCH_STRICT=1.',
    ...renderVerdicts(gates),
  );
  return lines.join('\n');
}

runMain(main);
