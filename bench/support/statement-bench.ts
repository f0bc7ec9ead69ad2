import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { entriesOf } from '../../domain/entry';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import type { ProxyHandler } from '../../local/handlers';
import { entryToItem } from '../../adapters/dynamodb/statement-items';
import { SETTINGS, TABLES } from '../../lib/definitions';
import { percentile } from './driver';
import type { BenchStore } from './environment';
import { batchWriter } from './reconcile-bench';

/**
 * The first page of a statement (`BENCH_SCENARIOS=statement npm run bench`):
 * GET /accounts/{accountId}/entries through the real handler, for an account
 * with few entries and one with many, in paired rounds (both sizes back to
 * back in each round, the order alternating), so the ratio of a round is not
 * skewed by what the machine did between them. One partition Query of
 * `limit + 1` items answers the page whatever the statement's length: the
 * ratio should stay near 1.
 */

export interface StatementBenchSettings {
  readonly sizes: readonly number[];
  readonly rounds: number;
  readonly callsPerRound: number;
}

export interface StatementBenchResult {
  readonly sizes: ReadonlyArray<{ readonly entries: number; readonly p50Ms: number; readonly p95Ms: number }>;
  /** Per round: p50 of the largest statement over p50 of the smallest. */
  readonly roundRatios: readonly number[];
  readonly medianRatio: number;
  readonly ratioSpread: { readonly min: number; readonly max: number };
}

const OWNER = 'bench-statement-owner';

export async function benchStatement(store: BenchStore, settings: StatementBenchSettings, log: (line: string) => void): Promise<StatementBenchResult> {
  // 1. Seed one account per size, its entries written straight into the statements table.
  const writer = batchWriter(store, store.tableNames);
  const base = Date.now() - 24 * 60 * 60 * 1000;
  const accountIds: string[] = [];
  for (const size of settings.sizes) {
    const accountId = `acc_stmt_${size}_${randomBytes(3).toString('hex')}`;
    accountIds.push(accountId);
    for (let index = 0; index < size; index++) {
      const movementId = `fund_${accountId}_${index}`;
      const [credit] = entriesOf({ movementId, kind: 'funding', toAccountId: accountId, amount: 1, currency: 'USD', reference: null, createdAt: new Date(base + index).toISOString() });
      await writer.put('statements', entryToItem(credit as NonNullable<typeof credit>, movementId));
    }
    await writer.put('accounts', { accountId, ownerId: OWNER, currency: 'USD', balance: size, version: size, createdAt: new Date(base).toISOString() });
  }
  await writer.flush();
  log(`bench: statement accounts seeded with ${settings.sizes.join(' and ')} entries`);

  // 2. The handler, as one Lambda instance over the bench's tables.
  const listEntries = loadListEntries(store);
  const page = async (accountId: string): Promise<number> => {
    const event = apiGatewayEvent({
      method: 'GET',
      resource: '/accounts/{accountId}/entries',
      path: `/accounts/${accountId}/entries`,
      pathParameters: { accountId },
      claims: { sub: OWNER },
    });
    const started = performance.now();
    const result = await listEntries(event, undefined as never);
    const ms = performance.now() - started;
    if (result.statusCode !== 200) throw new Error(`GET entries answered ${result.statusCode}: ${result.body}`);
    return ms;
  };
  for (const accountId of accountIds) await page(accountId); // warm

  // 3. Paired rounds.
  const samples = settings.sizes.map(() => [] as number[]);
  const roundRatios: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? accountIds.map((_, index) => index) : accountIds.map((_, index) => accountIds.length - 1 - index);
    const roundSamples = settings.sizes.map(() => [] as number[]);
    for (const index of order) {
      for (let call = 0; call < settings.callsPerRound; call++) roundSamples[index]?.push(await page(accountIds[index] as string));
    }
    roundSamples.forEach((values, index) => samples[index]?.push(...values));
    const first = percentile(roundSamples[0] ?? [], 0.5);
    const last = percentile(roundSamples[roundSamples.length - 1] ?? [], 0.5);
    roundRatios.push(round2(last / first));
  }
  const sorted = [...roundRatios].sort((a, b) => a - b);
  return {
    sizes: settings.sizes.map((entries, index) => ({
      entries,
      p50Ms: round2(percentile(samples[index] ?? [], 0.5)),
      p95Ms: round2(percentile(samples[index] ?? [], 0.95)),
    })),
    roundRatios,
    medianRatio: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    ratioSpread: { min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN },
  };
}

/** A fresh copy of the list-entries handler reading the bench's tables (see service-instance.ts for why a fresh copy). */
function loadListEntries(store: BenchStore): ProxyHandler {
  const root = path.resolve(__dirname, '../..');
  for (const file of Object.keys(require.cache)) {
    if (['functions', 'domain', 'adapters'].some((directory) => file.startsWith(path.join(root, directory) + path.sep))) delete require.cache[file];
  }
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.values(TABLES).map((table) => [table.envVar, store.tableNames[table.id]])),
    [SETTINGS.dynamoDbEndpoint.envVar]: store.endpoint,
    [SETTINGS.cursorSigningKey.envVar]: randomBytes(32).toString('base64url'),
    // One log line per request would drown the figures.
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return (require('../../functions/list-entries') as { handler: ProxyHandler }).handler;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
