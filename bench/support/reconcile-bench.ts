import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerSource } from '../../adapters/dynamodb/reconcile-store';
import { entriesOf, type Movement } from '../../domain/entry';
import { reconcileLedger } from '../../domain/reconcile';
import { entryToItem, initiatedTransferItem, ownedAccountItem } from '../../adapters/dynamodb/statement-items';
import { prefixedTableNames, type TableId } from '../../lib/definitions';
import { createTables } from '../../adapters/dynamodb/create-tables';
import type { BenchStore } from './environment';

/**
 * The reconciler's throughput (`BENCH_SCENARIOS=reconcile npm run bench`):
 * tables of its own seeded straight through BatchWriteItem (a ledger, its
 * entries, the initiators' and owners' lists, balances and versions that
 * agree), then `reconcileLedger` over them as `npm run reconcile` runs it.
 */

export interface ReconcileBenchSettings {
  readonly entries: number;
  readonly accounts: number;
  readonly segments: number;
  readonly runs: number;
}

export interface ReconcileBenchResult {
  readonly entries: number;
  readonly accounts: number;
  readonly movements: number;
  readonly scannedItems: number;
  readonly segments: number;
  readonly seedSeconds: number;
  readonly runs: ReadonlyArray<{ readonly seconds: number; readonly itemsPerSecond: number; readonly entriesPerSecond: number; readonly nodeCpuMicrosPerItem: number; readonly ok: boolean }>;
  /** The median run. */
  readonly itemsPerSecond: number;
  readonly entriesPerSecond: number;
  /** Approximate DynamoDB item sizes (attribute names + values), the basis of the read-unit estimate. */
  readonly averageItemBytes: Readonly<Record<'entry' | 'ledger' | 'initiator' | 'account', number>>;
  readonly estimate100MillionEntries: {
    readonly items: number;
    readonly gigabytes: number;
    /** Strongly consistent Scan: 1 read unit per 4 KB read. */
    readonly readUnits: number;
    readonly hoursAtMeasuredRate: number;
    readonly minutesAt12000ReadUnitsPerSecond: number;
    readonly minutesAt40000ReadUnitsPerSecond: number;
  };
}

const BATCH = 25;
const IN_FLIGHT = 16;
const OPENING_BALANCE = 1_000_000_000;

export async function benchReconcile(store: BenchStore, settings: ReconcileBenchSettings, log: (line: string) => void): Promise<ReconcileBenchResult> {
  const tableNames = prefixedTableNames(`${store.tableNames.accounts.split('-')[0]}r`);
  await createTables(store.setup.client, tableNames);

  // 1. Seed: every movement's ledger item, entries and list line; balances and versions at the end.
  const seedStarted = Date.now();
  const writer = batchWriter(store, tableNames);
  const base = Date.now() - 24 * 60 * 60 * 1000;
  const at = (index: number) => new Date(base + index).toISOString();
  const accountIds = Array.from({ length: settings.accounts }, (_, index) => `acc_rb_${index}`);
  const balances = new Array<number>(settings.accounts).fill(0);
  const versions = new Array<number>(settings.accounts).fill(0);
  const sizes = { entry: [] as number[], ledger: [] as number[], initiator: [] as number[], account: [] as number[] };
  const sample = (kind: keyof typeof sizes, item: Record<string, unknown>) => {
    if (sizes[kind].length < 200) sizes[kind].push(itemBytes(item));
  };
  let movements = 0;
  let entries = 0;
  const move = async (movement: Movement, initiatedBy: string) => {
    movements += 1;
    const ledgerItem = {
      transferId: movement.movementId,
      kind: movement.kind,
      ...(movement.fromAccountId === undefined ? {} : { fromAccountId: movement.fromAccountId }),
      toAccountId: movement.toAccountId,
      amount: movement.amount,
      currency: movement.currency,
      status: 'completed',
      createdAt: movement.createdAt,
      initiatedBy,
    };
    sample('ledger', ledgerItem);
    await writer.put('ledger', ledgerItem);
    for (const entry of entriesOf(movement)) {
      const index = Number(entry.accountId.slice('acc_rb_'.length));
      balances[index] = (balances[index] as number) + (entry.direction === 'credit' ? entry.amount : -entry.amount);
      versions[index] = (versions[index] as number) + 1;
      entries += 1;
      const item = entryToItem(entry, movement.movementId);
      sample('entry', item);
      await writer.put('statements', item);
    }
    if (movement.kind === 'transfer') {
      const item = initiatedTransferItem({ ...movement, transferId: movement.movementId, fromAccountId: movement.fromAccountId as string, status: 'completed' }, initiatedBy);
      sample('initiator', item);
      await writer.put('statements', item);
    }
  };
  for (const [index, accountId] of accountIds.entries()) {
    await move({ movementId: `fund_rb_${index}`, kind: 'funding', toAccountId: accountId, amount: OPENING_BALANCE, currency: 'USD', reference: null, createdAt: at(index) }, 'bench');
  }
  let random = 20260301;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31);
  for (let index = 0; entries + 2 <= settings.entries; index++) {
    const from = next() % settings.accounts;
    const to = (from + 1 + (next() % (settings.accounts - 1))) % settings.accounts;
    const movement: Movement = {
      movementId: `tr_rb_${index}`,
      kind: 'transfer',
      fromAccountId: accountIds[from] as string,
      toAccountId: accountIds[to] as string,
      amount: 1 + (next() % 1000),
      currency: 'USD',
      reference: 'bench',
      createdAt: at(settings.accounts + index),
    };
    await move(movement, `bench-owner-${from % 50}`);
    if (movements % 20_000 === 0) log(`bench: reconcile: seeded ${entries.toLocaleString('en-US')} entries...`);
  }
  for (const [index, accountId] of accountIds.entries()) {
    const account = { accountId, ownerId: `bench-owner-${index % 50}`, currency: 'USD', balance: balances[index], version: versions[index], createdAt: at(0) };
    sample('account', account);
    await writer.put('accounts', account);
    await writer.put('statements', ownedAccountItem(account));
  }
  await writer.flush();
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  log(`bench: reconcile: seeded ${entries.toLocaleString('en-US')} entries, ${movements.toLocaleString('en-US')} movements, ${settings.accounts} accounts in ${seedSeconds.toFixed(0)} s`);

  // 2. The reconciler, as `npm run reconcile` runs it.
  const source = new DynamoDbLedgerSource(store.setup.documentClient, tableNames);
  const runs: Array<ReconcileBenchResult['runs'][number]> = [];
  let scannedItems = 0;
  for (let run = 1; run <= settings.runs; run++) {
    const cpuBefore = process.cpuUsage();
    const report = await reconcileLedger(source, { marginSeconds: 60, segments: settings.segments });
    const cpu = process.cpuUsage(cpuBefore);
    scannedItems = report.scannedItems;
    const seconds = report.durationMs / 1000;
    runs.push({
      seconds: round(seconds),
      itemsPerSecond: Math.round(report.scannedItems / seconds),
      entriesPerSecond: Math.round(report.entries / seconds),
      nodeCpuMicrosPerItem: round((cpu.user + cpu.system) / report.scannedItems),
      ok: report.ok && report.entries === entries,
    });
    log(`bench: reconcile: run ${run}/${settings.runs}: ${report.scannedItems.toLocaleString('en-US')} items in ${seconds.toFixed(1)} s, ok ${report.ok}`);
  }
  const median = [...runs].sort((a, b) => a.itemsPerSecond - b.itemsPerSecond)[Math.floor((runs.length - 1) / 2)] as (typeof runs)[number];

  const average = (values: number[]) => Math.round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length));
  const averageItemBytes = { entry: average(sizes.entry), ledger: average(sizes.ledger), initiator: average(sizes.initiator), account: average(sizes.account) };
  // 100 million entries: 50 million transfers, each a ledger item and an initiator line besides its two entries.
  const hundredMillion = 100_000_000;
  const bytes = hundredMillion * averageItemBytes.entry + (hundredMillion / 2) * (averageItemBytes.ledger + averageItemBytes.initiator);
  const items = hundredMillion * 2;
  const readUnits = Math.ceil(bytes / 4096);
  return {
    entries,
    accounts: settings.accounts,
    movements,
    scannedItems,
    segments: settings.segments,
    seedSeconds: round(seedSeconds),
    runs,
    itemsPerSecond: median.itemsPerSecond,
    entriesPerSecond: median.entriesPerSecond,
    averageItemBytes,
    estimate100MillionEntries: {
      items,
      gigabytes: round(bytes / 1e9),
      readUnits,
      hoursAtMeasuredRate: round(items / median.itemsPerSecond / 3600),
      minutesAt12000ReadUnitsPerSecond: round(readUnits / 12_000 / 60),
      minutesAt40000ReadUnitsPerSecond: round(readUnits / 40_000 / 60),
    },
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** DynamoDB's item size, approximately: attribute names plus values (strings by length, numbers by digits). */
function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => {
    const valueBytes = typeof value === 'number' ? Math.ceil(String(value).length / 2) + 1 : Buffer.byteLength(String(value));
    return sum + Buffer.byteLength(name) + valueBytes;
  }, 0);
}

/** BatchWriteItem in batches of 25, several in flight, unprocessed items sent again. */
export function batchWriter(store: BenchStore, tableNames: Readonly<Record<TableId, string>>) {
  let pending: Array<{ table: TableId; item: Record<string, unknown> }> = [];
  const inFlight = new Set<Promise<void>>();
  const send = async (batch: Array<{ table: TableId; item: Record<string, unknown> }>): Promise<void> => {
    let requestItems: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> = {};
    for (const { table, item } of batch) (requestItems[tableNames[table]] ??= []).push({ PutRequest: { Item: item } });
    for (let attempt = 0; Object.keys(requestItems).length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      const { UnprocessedItems } = await store.setup.documentClient.send(new BatchWriteCommand({ RequestItems: requestItems }));
      requestItems = (UnprocessedItems ?? {}) as typeof requestItems;
    }
  };
  const flushBatch = async () => {
    const batch = pending;
    pending = [];
    const promise = send(batch).finally(() => inFlight.delete(promise));
    inFlight.add(promise);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  return {
    async put(table: TableId, item: Record<string, unknown>) {
      pending.push({ table, item });
      if (pending.length === BATCH) await flushBatch();
    },
    async flush() {
      if (pending.length > 0) await flushBatch();
      await Promise.all(inFlight);
    },
  };
}
