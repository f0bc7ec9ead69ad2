import { DynamoDbLedgerSource } from '../../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type ReconcileOptions, type ReconcileReport } from '../../domain/reconcile';
import { createHarness, type Harness } from '../support/harness';

const OWNERS = ['carol-sub', 'dave-sub'];
const ACCOUNTS_PER_OWNER = 3;
const TRANSFERS_PER_BURST = 200;
const IN_FLIGHT = 12;
const MARGIN_SECONDS = 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The reconciler reads balances and entries while transfers land on a few
 * hot accounts: the scan sees many accounts between a balance and its
 * entries, and must re-read them (domain/reconcile.ts) rather than cry drift.
 * Small Scan pages stretch each scan across many transfers.
 */
describe('Reconciler: no false alarm while transfers run', () => {
  let harness: Harness;
  let reconcile: (options?: Partial<ReconcileOptions>) => Promise<ReconcileReport>;
  const owned: Array<{ owner: string; accountId: string }> = [];
  let completed = 0;

  beforeAll(async () => {
    harness = await createHarness();
    const source = new DynamoDbLedgerSource(harness.tables.connection.documentClient, harness.tables.names);
    reconcile = (options = {}) => reconcileLedger(source, { marginSeconds: MARGIN_SECONDS, segments: 2, pageSize: 7, ...options });
    for (const owner of OWNERS) {
      for (let index = 0; index < ACCOUNTS_PER_OWNER; index++) {
        owned.push({ owner, accountId: (await harness.openFunded(owner, 'USD', 1_000_000)).accountId });
      }
    }
    // The fundings become settled (older than the cutoff): their legs are paired in every run below.
    await sleep(MARGIN_SECONDS * 1000 + 100);
  });

  afterAll(() => {
    harness?.tables.connection.client.destroy();
  });

  const burst = async (): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < TRANSFERS_PER_BURST) {
        const index = next++;
        const from = owned[index % owned.length] as { owner: string; accountId: string };
        // Any other account, the other owner's included.
        const to = owned[(index + 1 + Math.floor(Math.random() * (owned.length - 1))) % owned.length] as { accountId: string };
        const response = await harness.transfer(from.owner, await harness.issueKey(from.owner), {
          fromAccountId: from.accountId,
          toAccountId: to.accountId,
          amount: 1 + Math.floor(Math.random() * 100),
          currency: 'USD',
        });
        if (response.statusCode !== 201) throw new Error(`transfer answered ${response.statusCode}: ${response.rawBody}`);
        completed += 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };

  it.each([1, 2, 3])('burst %i: 200 transfers across six accounts, reconciled again and again meanwhile, and no run reports drift', async () => {
    // Act: reconcile back to back for as long as the burst runs, at least three times.
    let trafficDone = false;
    const traffic = burst().finally(() => {
      trafficDone = true;
    });
    const reports: ReconcileReport[] = [];
    while (!trafficDone || reports.length < 3) reports.push(await reconcile());
    await traffic;
    const quiet = await reconcile({ marginSeconds: 0 });

    // Assess
    for (const report of reports) {
      expect(report.drift).toEqual([]);
      expect(report.needsBackfill).toEqual([]);
    }
    // The race did happen: some runs saw a balance and its entries at different moments.
    expect(reports.reduce((sum, report) => sum + report.rechecked + report.unverifiableCount, 0)).toBeGreaterThan(0);
    expect(quiet).toMatchObject({ ok: true, drift: [], unverifiable: [], accounts: owned.length, entries: owned.length + 2 * completed });
    expect(quiet.currencies).toEqual([
      { currency: 'USD', balances: owned.length * 1_000_000, fundedBeforeCutoff: owned.length * 1_000_000, movedSinceCutoff: 0, ok: true },
    ]);
  });
});
