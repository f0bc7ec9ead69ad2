import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerSource } from '../../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type ReconcileOptions, type ReconcileReport } from '../../domain/reconcile';
import { createHarness, type Harness } from '../support/harness';

const ALICE = 'alice-sub';
const BOB = 'bob-sub';

/**
 * The reconciler over the tables the real handlers wrote, on DynamoDB
 * Local. The tests share one set of tables (the handlers read their
 * configuration once per process); those that plant a fault undo it.
 */
describe('Reconciler: every balance proven from its entries and the ledger', () => {
  let harness: Harness;
  let reconcile: (options?: Partial<ReconcileOptions>) => Promise<ReconcileReport>;
  const accounts: Record<string, string> = {};
  const transferIds: string[] = [];

  const transfer = async (principal: string, from: string, to: string, amount: number, currency = 'USD') => {
    const response = await harness.transfer(principal, await harness.issueKey(principal), { fromAccountId: from, toAccountId: to, amount, currency });
    return response;
  };

  beforeAll(async () => {
    harness = await createHarness();
    const source = new DynamoDbLedgerSource(harness.tables.connection.documentClient, harness.tables.names);
    // Margin 0: every test reconciles after its traffic stopped, so every movement is settled and paired.
    reconcile = (options = {}) => reconcileLedger(source, { marginSeconds: 0, segments: 3, ...options });
    accounts.aliceUsd = (await harness.openFunded(ALICE, 'USD', 100_000)).accountId;
    accounts.aliceEur = (await harness.openFunded(ALICE, 'EUR', 50_000)).accountId;
    accounts.bobUsd = (await harness.openFunded(BOB, 'USD', 20_000)).accountId;
    accounts.bobEur = (await harness.openFunded(BOB, 'EUR', 0)).accountId;
    await harness.accounts.fundAccount({ accountId: accounts.bobUsd, amount: 5_000, currency: 'USD', operator: 'test', requestId: 'top-up' });
    for (const [principal, from, to, amount, currency] of [
      [ALICE, accounts.aliceUsd, accounts.bobUsd, 1_500, 'USD'],
      [ALICE, accounts.aliceEur, accounts.bobEur, 700, 'EUR'],
      [BOB, accounts.bobUsd, accounts.aliceUsd, 300, 'USD'],
      [BOB, accounts.bobEur, accounts.aliceEur, 200, 'EUR'],
      [ALICE, accounts.aliceUsd, accounts.bobUsd, 2_000, 'USD'],
    ] as const) {
      const response = await transfer(principal, from, to, amount, currency);
      expect(response.statusCode).toBe(201);
      transferIds.push(String(response.body.transferId));
    }
    // A decline moves nothing and writes no entry.
    expect((await transfer(BOB, accounts.bobEur, accounts.aliceEur, 1_000_000, 'EUR')).statusCode).toBe(422);
  });

  afterAll(() => {
    harness?.tables.connection.client.destroy();
  });

  it('says ok after transfers and fundings through the handlers, with sum of balances = sum of funding per currency', async () => {
    // Act
    const report = await reconcile();

    // Assess: 4 accounts, 4 fundings (one of 0 skipped) + 1 top-up, 5 transfers of two legs each.
    expect(report).toMatchObject({
      ok: true,
      accounts: 4,
      entries: 4 + 5 * 2,
      movements: 4 + 5,
      usedKeys: 5,
      drift: [],
      unverifiable: [],
      needsBackfill: [],
      rechecked: 0,
    });
    expect(report.currencies).toEqual([
      { currency: 'EUR', balances: 50_000, fundedBeforeCutoff: 50_000, movedSinceCutoff: 0, ok: true },
      { currency: 'USD', balances: 125_000, fundedBeforeCutoff: 125_000, movedSinceCutoff: 0, ok: true },
    ]);
    expect(report.scannedItems).toBeGreaterThan(report.accounts + report.entries + report.movements);
  });

  it('takes ledger items that move no money, like a reversal state, for what they are: not movements', async () => {
    // Prepare: the item a reversal keeps beside its transfer (what is left to reverse).
    const { documentClient } = harness.tables.connection;
    const state = { transferId: `rvs_${transferIds[1] as string}`, kind: 'reversal-state', remaining: 500, reversedAmount: 200, updatedAt: new Date(0).toISOString() };
    await documentClient.send(new PutCommand({ TableName: harness.tables.names.ledger, Item: state }));

    // Act
    const report = await reconcile();
    await documentClient.send(new DeleteCommand({ TableName: harness.tables.names.ledger, Key: { transferId: state.transferId } }));

    // Assess
    expect(report).toMatchObject({ ok: true, movements: 4 + 5, drift: [] });
  });

  it('reports a planted drift, a direct UpdateItem on one balance, for exactly that account', async () => {
    // Prepare
    const plant = (delta: number) =>
      harness.tables.connection.documentClient.send(
        new UpdateCommand({
          TableName: harness.tables.names.accounts,
          Key: { accountId: accounts.bobUsd },
          UpdateExpression: 'SET balance = balance + :delta',
          ExpressionAttributeValues: { ':delta': delta },
        }),
      );
    await plant(1);

    // Act
    const report = await reconcile();
    await plant(-1);

    // Assess
    expect(report.ok).toBe(false);
    expect(report.drift).toEqual([
      { kind: 'balance', accountId: accounts.bobUsd, balance: 28_201, version: 5, entries: 5, credits: 28_500, debits: 300 },
    ]);
    expect(report.currencies.find((totals) => totals.currency === 'USD')).toMatchObject({ balances: 125_001, fundedBeforeCutoff: 125_000, ok: false });
    expect((await reconcile()).ok).toBe(true);
  });

  it('reports a USED transfer key whose ledger item is missing, and the entries left without their movement', async () => {
    // Prepare
    const transferId = transferIds[0] as string;
    const ledger = { TableName: harness.tables.names.ledger, Key: { transferId } };
    const { documentClient } = harness.tables.connection;
    const { Item } = await documentClient.send(new GetCommand(ledger));
    await documentClient.send(new DeleteCommand(ledger));

    // Act
    const report = await reconcile();
    await documentClient.send(new PutCommand({ TableName: harness.tables.names.ledger, Item }));

    // Assess
    expect(report.ok).toBe(false);
    expect(report.drift).toEqual(
      expect.arrayContaining([
        { kind: 'missing-ledger-item', keyId: expect.stringMatching(/^key#transfer#alice-sub#idk_/), operation: 'transfer', resultId: transferId },
        { kind: 'entries', accountId: accounts.aliceUsd, entriesBeforeCutoff: 4, legsBeforeCutoff: 3 },
        { kind: 'entries', accountId: accounts.bobUsd, entriesBeforeCutoff: 5, legsBeforeCutoff: 4 },
      ]),
    );
    expect(report.driftCount).toBe(3);
    expect((await reconcile()).ok).toBe(true);
  });
});
