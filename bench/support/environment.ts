import { randomBytes } from 'node:crypto';
import { DynamoDbAccountStore } from '../../adapters/dynamodb/account-store';
import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { createTables } from '../../adapters/dynamodb/create-tables';
import { DynamoDbKeyStore } from '../../adapters/dynamodb/key-store';
import { newIdempotencyKey } from '../../domain/idempotency-key';
import { prefixedTableNames, type TableId } from '../../lib/definitions';
import { startDynamoDbLocal } from '../../local/dynamodb-local';

/**
 * The store the benchmarks run against: DynamoDB Local started here, in
 * memory (or BENCH_DYNAMODB_ENDPOINT), with fresh tables of the bench's own
 * and a connection for set-up work that is never measured.
 */
export interface BenchStore {
  readonly endpoint: string;
  readonly startedHere: boolean;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** For seeding and key issuing only; every measured client is separate. */
  readonly setup: DynamoDbConnection;
  stop(): Promise<void>;
}

export async function openBenchStore(): Promise<BenchStore> {
  const given = process.env.BENCH_DYNAMODB_ENDPOINT;
  const local = given === undefined || given === '' ? await startDynamoDbLocal() : undefined;
  const endpoint = local?.endpoint ?? (given as string);
  const tableNames = prefixedTableNames(`bench${randomBytes(3).toString('hex')}`);
  const setup = connectDynamoDb({ endpoint });
  await createTables(setup.client, tableNames);
  return {
    endpoint,
    startedHere: local !== undefined,
    tableNames,
    setup,
    async stop() {
      setup.client.destroy();
      await local?.stop();
    },
  };
}

/** Opening balance of every bench account: far more than a run can move. */
const OPENING_BALANCE = 1_000_000_000;

/**
 * Opens and funds `count` USD accounts owned by `principal`, as pairs
 * (from, to). Requests take pairs round-robin, so with hundreds of pairs
 * and at most 16 requests in flight no two concurrent requests touch the
 * same item: the bench measures the store, not hot-item conflicts.
 * `empty: true` leaves them at 0, for the declines.
 */
export async function seedAccountPairs(
  store: BenchStore,
  principal: string,
  pairs: number,
  options: { readonly empty?: boolean } = {},
): Promise<Array<{ from: string; to: string }>> {
  const accounts = new DynamoDbAccountStore(store.setup.documentClient, store.tableNames);
  const prefix = options.empty === true ? 'acc_bench_empty_' : 'acc_bench_';
  const ids = await inParallel(pairs * 2, 16, async (index) => {
    const account = await accounts.openAccount({ ownerId: principal, currency: 'USD', accountId: `${prefix}${index}` });
    if (options.empty === true) return account.accountId;
    await accounts.fundAccount({
      accountId: account.accountId,
      amount: OPENING_BALANCE,
      currency: 'USD',
      operator: 'bench',
      requestId: `bench:${store.tableNames.accounts}:${account.accountId}`,
    });
    return account.accountId;
  });
  return Array.from({ length: pairs }, (_, index) => ({ from: ids[2 * index] as string, to: ids[2 * index + 1] as string }));
}

/** Issues keys the way POST /idempotency-keys does (not measured). */
export async function issueKeys(store: BenchStore, principal: string, count: number): Promise<string[]> {
  const keys = new DynamoDbKeyStore(store.setup.documentClient, store.tableNames.idempotency);
  const nowSeconds = Math.floor(Date.now() / 1000);
  return inParallel(count, 16, async () => {
    const key = newIdempotencyKey();
    await keys.issueKey({
      key,
      principal,
      operation: 'transfer',
      createdAt: new Date().toISOString(),
      expiresAtEpochSeconds: nowSeconds + 24 * 60 * 60,
    });
    return key;
  });
}

async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) results[index] = await task(index);
    }),
  );
  return results;
}
