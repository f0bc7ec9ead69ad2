import { entriesOf, type Movement } from '../../domain/entry';
import type { AccountRow, EntryRow } from '../../domain/ledger-tally';
import { reconcileLedger, type AccountReading, type LedgerSource, type ReconcileOptions, type UsedKeyRow } from '../../domain/reconcile';

const NOW = new Date('2026-03-01T12:00:00.000Z');
/** Before the cutoff (NOW - 60 s): settled. */
const OLD = '2026-03-01T11:00:00.000Z';
/** After the cutoff: may still be in flight while the scan runs. */
const RECENT = '2026-03-01T11:59:30.000Z';

const funding = (movementId: string, toAccountId: string, amount: number, createdAt = OLD): Movement => ({
  movementId,
  kind: 'funding',
  toAccountId,
  amount,
  currency: 'USD',
  reference: null,
  createdAt,
});
const transfer = (movementId: string, fromAccountId: string, toAccountId: string, amount: number, createdAt = OLD): Movement => ({
  ...funding(movementId, toAccountId, amount, createdAt),
  kind: 'transfer',
  fromAccountId,
});
const entriesFor = (...movements: Movement[]): EntryRow[] =>
  movements.flatMap((movement) => entriesOf(movement).map((entry) => ({ ...entry, movementId: movement.movementId })));
const account = (accountId: string, balance: number, version: number | undefined): AccountRow => ({ accountId, currency: 'USD', balance, version });

interface Tables {
  accounts: AccountRow[];
  entries: EntryRow[];
  movements: Movement[];
  usedKeys?: UsedKeyRow[];
}

/**
 * A LedgerSource over in-memory tables. `rereads` scripts what the
 * consistent re-read of an account returns, one reading per attempt;
 * without a script it reads the tables as they are.
 */
function fakeSource(tables: Tables, rereads: Record<string, Array<() => { reading: AccountReading; entries: EntryRow[] }>> = {}) {
  const readsOf: Record<string, number> = {};
  const source: LedgerSource = {
    async scan(sink, options) {
      sink.accounts(tables.accounts);
      sink.entries(tables.entries);
      sink.movements(tables.movements);
      await sink.usedKeys(tables.usedKeys ?? []);
      options.onPage?.('accounts', tables.accounts.length);
    },
    async readAccountSettled(accountId, onEntries) {
      const attempt = readsOf[accountId] ?? 0;
      readsOf[accountId] = attempt + 1;
      const scripted = rereads[accountId]?.[attempt];
      if (scripted !== undefined) {
        const { reading, entries } = scripted();
        onEntries(entries);
        return reading;
      }
      const found = tables.accounts.find((row) => row.accountId === accountId);
      if (found === undefined) return { kind: 'missing' };
      onEntries(tables.entries.filter((entry) => entry.accountId === accountId));
      return { kind: 'read', account: found };
    },
    async missingLedgerItems(transferIds) {
      return transferIds.filter((transferId) => !tables.movements.some((movement) => movement.movementId === transferId));
    },
  };
  return { source, readsOf };
}

const sleeps: number[] = [];
const options: ReconcileOptions = {
  marginSeconds: 60,
  segments: 1,
  now: () => NOW,
  recheck: {
    maxAttempts: 4,
    baseDelayMs: 50,
    concurrency: 2,
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  },
};

beforeEach(() => {
  sleeps.length = 0;
});

describe('Use case: reconcileLedger', () => {
  describe('per account: 0 + credits - debits = balance', () => {
    it('proves quiet accounts from the scan alone, without a single re-read', async () => {
      // Prepare
      const movements = [funding('f1', 'acc_a', 1_000), transfer('t1', 'acc_a', 'acc_b', 300)];
      const { source, readsOf } = fakeSource({ accounts: [account('acc_a', 700, 2), account('acc_b', 300, 1)], entries: entriesFor(...movements), movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: true, accounts: 2, entries: 3, movements: 2, drift: [], rechecked: 0, cutoff: '2026-03-01T11:59:00.000Z' });
      expect(readsOf).toEqual({});
      expect(report.currencies).toEqual([{ currency: 'USD', balances: 1_000, fundedBeforeCutoff: 1_000, movedSinceCutoff: 0, ok: true }]);
    });

    it('proves an account the scan saw mid-movement with a consistent re-read once its version holds still', async () => {
      // Prepare: the scan read the balance before t2 and the entries after it.
      const settled = [funding('f1', 'acc_a', 1_000), transfer('t1', 'acc_a', 'acc_b', 300)];
      const landing = transfer('t2', 'acc_a', 'acc_b', 100, RECENT);
      const movements = [...settled, landing];
      const { source, readsOf } = fakeSource(
        { accounts: [account('acc_a', 700, 2), account('acc_b', 400, 2)], entries: entriesFor(...movements), movements },
        {
          acc_a: [
            () => ({ reading: { kind: 'moved' }, entries: entriesFor(...movements).filter((entry) => entry.accountId === 'acc_a') }),
            () => ({ reading: { kind: 'read', account: account('acc_a', 600, 3) }, entries: entriesFor(...movements).filter((entry) => entry.accountId === 'acc_a') }),
          ],
        },
      );

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: true, drift: [], unverifiable: [], rechecked: 1 });
      expect(readsOf).toEqual({ acc_a: 2 });
      expect(sleeps).toEqual([50]);
      // The recent transfer's legs cancel out; the balances explain the funding.
      expect(report.currencies).toEqual([{ currency: 'USD', balances: 1_000, fundedBeforeCutoff: 1_000, movedSinceCutoff: 0, ok: true }]);
    });

    it('calls an account still moving after every bounded re-read unverifiable, not drift, backing off between reads', async () => {
      // Prepare
      const movements = [funding('f1', 'acc_hot', 1_000)];
      const moving = () => ({ reading: { kind: 'moved' } as AccountReading, entries: [] });
      const { source, readsOf } = fakeSource(
        { accounts: [account('acc_hot', 900, 2)], entries: entriesFor(...movements), movements },
        { acc_hot: [moving, moving, moving, moving, moving] },
      );

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: false, drift: [], unverifiable: ['acc_hot'], unverifiableCount: 1 });
      expect(readsOf).toEqual({ acc_hot: 4 });
      expect(sleeps).toEqual([50, 100, 200]);
    });

    it('counts a disagreement at a still version as drift only when a second read confirms it', async () => {
      // Prepare: the first consistent read disagrees (an odd read), the second agrees.
      const movements = [funding('f1', 'acc_a', 1_000), funding('f2', 'acc_b', 500)];
      const entries = entriesFor(...movements);
      const { source } = fakeSource(
        { accounts: [account('acc_a', 1_001, 1), account('acc_b', 501, 1)], entries, movements },
        {
          acc_a: [
            () => ({ reading: { kind: 'read', account: account('acc_a', 1_001, 1) }, entries: [] }),
            () => ({ reading: { kind: 'read', account: account('acc_a', 1_000, 1) }, entries: entries.filter((entry) => entry.accountId === 'acc_a') }),
          ],
        },
      );

      // Act
      const report = await reconcileLedger(source, options);

      // Assess: acc_a proven by its second read; acc_b drifted by 1, read twice.
      expect(report.drift).toEqual([{ kind: 'balance', accountId: 'acc_b', balance: 501, version: 1, entries: 1, credits: 500, debits: 0 }]);
      expect(report.rechecked).toBe(1);
    });

    it('reports a negative balance even when its entries explain it', async () => {
      // Prepare
      const movements = [transfer('t1', 'acc_a', 'acc_b', 10)];
      const { source } = fakeSource({ accounts: [account('acc_a', -10, 1), account('acc_b', 10, 1)], entries: entriesFor(...movements), movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report.drift).toEqual([{ kind: 'negative-balance', accountId: 'acc_a', balance: -10 }]);
    });
  });

  describe('settled movements and their entries', () => {
    it('names the account whose settled movement lacks its entry, and the currency whose legs no longer pair', async () => {
      // Prepare: t1's credit entry on acc_b is missing, and acc_b's balance says it arrived.
      const movements = [funding('f1', 'acc_a', 1_000), transfer('t1', 'acc_a', 'acc_b', 300)];
      const entries = entriesFor(...movements).filter((entry) => !(entry.accountId === 'acc_b'));
      const { source } = fakeSource({ accounts: [account('acc_a', 700, 2), account('acc_b', 300, 1)], entries, movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report.drift).toEqual([
        { kind: 'entries', accountId: 'acc_b', entriesBeforeCutoff: 0, legsBeforeCutoff: 1 },
        { kind: 'balance', accountId: 'acc_b', balance: 300, version: 1, entries: 0, credits: 0, debits: 0 },
        { kind: 'unpaired-legs', currency: 'USD', fundedBeforeCutoff: 1_000, entriesNetBeforeCutoff: 700 },
      ]);
    });

    it('finds an altered entry: same count, another amount than its movement', async () => {
      // Prepare
      const movements = [funding('f1', 'acc_a', 1_000)];
      const [credit] = entriesFor(...movements);
      const { source } = fakeSource({ accounts: [account('acc_a', 999, 1)], entries: [{ ...(credit as EntryRow), amount: 999 }], movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess: the balance agrees with the entry, but the entry is not the movement's.
      expect(report.drift).toEqual([
        { kind: 'entries', accountId: 'acc_a', entriesBeforeCutoff: 1, legsBeforeCutoff: 1 },
        { kind: 'unpaired-legs', currency: 'USD', fundedBeforeCutoff: 1_000, entriesNetBeforeCutoff: 999 },
      ]);
    });

    it('leaves a recent movement whose entries the scan has not seen yet to the next run', async () => {
      // Prepare: the ledger scan saw f2, the entries scan had passed acc_a already.
      const movements = [funding('f1', 'acc_a', 1_000), funding('f2', 'acc_a', 50, RECENT)];
      const { source } = fakeSource({ accounts: [account('acc_a', 1_000, 1)], entries: entriesFor(movements[0] as Movement), movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: true, drift: [] });
    });

    it('reports entries for an account that does not exist', async () => {
      // Prepare
      const movements = [transfer('t1', 'acc_a', 'acc_ghost', 5)];
      const { source } = fakeSource({ accounts: [account('acc_a', -5, 1)], entries: entriesFor(...movements), movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report.drift).toContainEqual({ kind: 'unknown-account', accountId: 'acc_ghost', entries: 1, legsBeforeCutoff: 1 });
    });

    it('reports a USED transfer or reversal key without its ledger item, and leaves keys of other operations alone', async () => {
      // Prepare
      const { source } = fakeSource({
        accounts: [],
        entries: [],
        movements: [],
        usedKeys: [
          { keyId: 'key#transfer#p#idk_1', operation: 'transfer', resultId: 'tr_gone' },
          { keyId: 'key#transfer#p#idk_2', operation: 'transfer', resultId: undefined },
          { keyId: 'key#reversal#p#idk_3', operation: 'reversal', resultId: 'rv_gone' },
          { keyId: 'key#open-account#p#idk_4', operation: 'open-account', resultId: 'acc_elsewhere' },
        ],
      });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: false, usedKeys: 3 });
      expect(report.drift).toEqual([
        { kind: 'missing-ledger-item', keyId: 'key#transfer#p#idk_2', operation: 'transfer', resultId: null },
        { kind: 'missing-ledger-item', keyId: 'key#transfer#p#idk_1', operation: 'transfer', resultId: 'tr_gone' },
        { kind: 'missing-ledger-item', keyId: 'key#reversal#p#idk_3', operation: 'reversal', resultId: 'rv_gone' },
      ]);
    });
  });

  describe('data from before entries existed', () => {
    it('reports accounts without a version as needing the backfill, not as drift', async () => {
      // Prepare: balances and movements, no entries, no versions.
      const movements = [funding('f1', 'acc_a', 1_000), transfer('t1', 'acc_a', 'acc_b', 300)];
      const { source, readsOf } = fakeSource({ accounts: [account('acc_a', 700, undefined), account('acc_b', 300, undefined)], entries: [], movements });

      // Act
      const report = await reconcileLedger(source, options);

      // Assess
      expect(report).toMatchObject({ ok: false, drift: [], needsBackfill: ['acc_a', 'acc_b'], needsBackfillCount: 2 });
      expect(readsOf).toEqual({});
    });
  });
});
