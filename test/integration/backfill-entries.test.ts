import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerSource } from '../../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type ReconcileReport } from '../../domain/reconcile';
import { createHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

/** Accounts as they were before entries existed: no version, no line in the owner's list. */
const OLD_ACCOUNTS = [
  { accountId: 'acc_old_a', ownerId: ALICE, currency: 'USD', balance: 9_100, createdAt: '2025-06-01T00:00:00.000Z' },
  { accountId: 'acc_old_b', ownerId: BOB, currency: 'USD', balance: 2_900, createdAt: '2025-06-01T00:00:01.000Z' },
  { accountId: 'acc_old_c', ownerId: BOB, currency: 'EUR', balance: 0, createdAt: '2025-06-01T00:00:02.000Z' },
  { accountId: 'acc_old_d', ownerId: ALICE, currency: 'EUR', balance: 500, createdAt: '2025-06-01T00:00:03.000Z' },
];

/** Their ledger: one item per movement, and nothing else. */
const OLD_LEDGER = [
  { transferId: 'fund_1', kind: 'funding', toAccountId: 'acc_old_a', amount: 10_000, currency: 'USD', createdAt: '2025-06-02T00:00:00.000Z' },
  { transferId: 'fund_2', kind: 'funding', toAccountId: 'acc_old_b', amount: 2_000, currency: 'USD', createdAt: '2025-06-02T00:00:01.000Z' },
  { transferId: 'fund_3', kind: 'funding', toAccountId: 'acc_old_d', amount: 500, currency: 'EUR', createdAt: '2025-06-02T00:00:02.000Z' },
  { transferId: 'tr_1', kind: 'transfer', fromAccountId: 'acc_old_a', toAccountId: 'acc_old_b', amount: 1_000, currency: 'USD', reference: 'rent', createdAt: '2025-06-03T00:00:00.000Z', initiatedBy: ALICE },
  { transferId: 'tr_2', kind: 'transfer', fromAccountId: 'acc_old_b', toAccountId: 'acc_old_a', amount: 300, currency: 'USD', createdAt: '2025-06-03T00:00:01.000Z', initiatedBy: BOB },
  { transferId: 'tr_3', kind: 'transfer', fromAccountId: 'acc_old_a', toAccountId: 'acc_old_b', amount: 200, currency: 'USD', createdAt: '2025-06-03T00:00:02.000Z', initiatedBy: ALICE },
].map((item) => ({ status: 'completed', initiatedBy: 'operator:test', ...item }));

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const cli = (script: string, ...args: string[]): Promise<CliResult> =>
  run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), script, ...args], { cwd: root, env: process.env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('Command: npm run backfill-entries (data from before entries existed)', () => {
  let harness: Harness;
  let reconcile: () => Promise<ReconcileReport>;

  const listOf = async (pk: string) =>
    (
      await harness.tables.connection.documentClient.send(
        new QueryCommand({ TableName: harness.tables.names.statements, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
      )
    ).Items ?? [];

  beforeAll(async () => {
    // Prepare: the pre-upgrade tables, written directly.
    harness = await createHarness();
    const source = new DynamoDbLedgerSource(harness.tables.connection.documentClient, harness.tables.names);
    reconcile = () => reconcileLedger(source, { marginSeconds: 0, segments: 2 });
    await harness.tables.connection.documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [harness.tables.names.accounts]: OLD_ACCOUNTS.map((Item) => ({ PutRequest: { Item } })),
          [harness.tables.names.ledger]: OLD_LEDGER.map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  });

  afterAll(() => {
    harness?.tables.connection.client.destroy();
  });

  it('before the backfill, the reconciler reports every account as needing it, not as drift, and exits 2', async () => {
    // Act
    const result = await cli('scripts/reconcile.ts', '--margin-seconds', '0');

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, drift: [], needsBackfillCount: 4, entries: 0, movements: 6 });
    expect(result.stderr).toContain('4 account(s) need `npm run backfill-entries`');
  });

  it('writes every movement its entries, also beside a transfer made after the upgrade, and the reconciler says ok', async () => {
    // Prepare: live traffic on old accounts before the backfill ran.
    const live = await harness.transfer(ALICE, await harness.issueKey(ALICE), { fromAccountId: 'acc_old_a', toAccountId: 'acc_old_b', amount: 100, currency: 'USD' });
    expect(live.statusCode).toBe(201);

    // Act
    const result = await cli('scripts/backfill-entries.ts', '--segments', '2');

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      movements: 7,
      written: 6,
      alreadyPresent: 1,
      failed: [],
      accounts: 4,
      ownerItemsWritten: 4,
      versionsStarted: 1,
    });
    expect(result.stderr).toMatch(/items\/s/);
    const report = await reconcile();
    expect(report).toMatchObject({ ok: true, drift: [], needsBackfill: [], accounts: 4, entries: 3 + 2 * 4, movements: 7 });
    expect(report.currencies).toEqual([
      { currency: 'EUR', balances: 500, fundedBeforeCutoff: 500, movedSinceCutoff: 0, ok: true },
      { currency: 'USD', balances: 12_000, fundedBeforeCutoff: 12_000, movedSinceCutoff: 0, ok: true },
    ]);
    // The lists the API reads: the owners' accounts and the initiators' transfers, old ones included.
    expect((await listOf(`owner#${ALICE}`)).map((item) => item.accountId)).toEqual(['acc_old_a', 'acc_old_d']);
    expect((await listOf(`initiator#${ALICE}`)).map((item) => item.transferId)).toEqual(['tr_1', 'tr_3', String(live.body.transferId)]);
    expect((await listOf('account#acc_old_a')).map((item) => [item.movementId, item.direction])).toEqual([
      ['fund_1', 'credit'],
      ['tr_1', 'debit'],
      ['tr_2', 'credit'],
      ['tr_3', 'debit'],
      [String(live.body.transferId), 'debit'],
    ]);
  });

  it('writes nothing the second time: no duplicate entry, list item or version', async () => {
    // Prepare
    const statementsBefore = await harness.tables.scan('statements');
    const accountsBefore = await harness.tables.scan('accounts');

    // Act
    const result = await cli('scripts/backfill-entries.ts');

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ movements: 7, written: 0, alreadyPresent: 7, failed: [], ownerItemsWritten: 0, versionsStarted: 0 });
    const sortKeys = (items: Record<string, unknown>[]) => items.map((item) => `${String(item.pk)} ${String(item.sk)}`).sort();
    expect(sortKeys(await harness.tables.scan('statements'))).toEqual(sortKeys(statementsBefore));
    expect(await harness.tables.scan('accounts')).toEqual(expect.arrayContaining(accountsBefore));
    expect((await harness.tables.scan('accounts')).map((item) => [item.accountId, item.version]).sort()).toEqual([
      ['acc_old_a', 5],
      ['acc_old_b', 5],
      ['acc_old_c', 0],
      ['acc_old_d', 1],
    ]);
    expect((await reconcile()).ok).toBe(true);
  });
});
