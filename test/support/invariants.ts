import type { TestTables } from './tables';

export interface MoneyState {
  readonly balances: Map<string, number>;
  /** Sum of every balance, per currency. */
  readonly totals: Map<string, number>;
  /** Money that entered through funding entries, per currency. */
  readonly funded: Map<string, number>;
  /** Balances rebuilt from the ledger alone, starting at zero. */
  readonly replayed: Map<string, number>;
  readonly ledgerEntries: number;
  readonly transfers: number;
  /** Balances rebuilt from the double-entry entries of the statements table alone. */
  readonly replayedFromEntries: Map<string, number>;
  /** Entries in the statements table, and how many the ledger's movements call for (2 per transfer, 1 per funding). */
  readonly entries: number;
  readonly expectedEntries: number;
}

const add = (map: Map<string, number>, key: string, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);

/** Reads the tables back and computes what the invariants I1, I2 and I4 talk about. */
export async function readMoneyState(tables: TestTables): Promise<MoneyState> {
  const [accounts, ledgerItems, statements] = await Promise.all([tables.scan('accounts'), tables.scan('ledger'), tables.scan('statements')]);
  // A transfer's reversal state lives beside the movements in the ledger table, and moves no money.
  const ledger = ledgerItems.filter((item) => item.kind !== 'reversal-state');
  const balances = new Map<string, number>();
  const totals = new Map<string, number>();
  const replayed = new Map<string, number>();
  const funded = new Map<string, number>();
  for (const account of accounts) {
    balances.set(String(account.accountId), Number(account.balance));
    replayed.set(String(account.accountId), 0);
    add(totals, String(account.currency), Number(account.balance));
  }
  let transfers = 0;
  for (const entry of ledger) {
    const amount = Number(entry.amount);
    if (entry.kind === 'funding') {
      add(funded, String(entry.currency), amount);
    } else {
      transfers += 1;
      add(replayed, String(entry.fromAccountId), -amount);
    }
    add(replayed, String(entry.toAccountId), amount);
  }
  const replayedFromEntries = new Map<string, number>([...balances.keys()].map((accountId) => [accountId, 0]));
  const entries = statements.filter((item) => String(item.pk).startsWith('account#'));
  for (const entry of entries) {
    add(replayedFromEntries, String(entry.accountId), (entry.direction === 'credit' ? 1 : -1) * Number(entry.amount));
  }
  return {
    balances,
    totals,
    funded,
    replayed,
    ledgerEntries: ledger.length,
    transfers,
    replayedFromEntries,
    entries: entries.length,
    expectedEntries: ledger.length + transfers,
  };
}

/** I1 conservation, I2 no overdraft, I4 the ledger and its double entries explain every balance. */
export function expectMoneyInvariants(state: MoneyState): void {
  expect(Object.fromEntries(state.totals)).toEqual(Object.fromEntries(state.funded));
  for (const balance of state.balances.values()) expect(balance).toBeGreaterThanOrEqual(0);
  expect(Object.fromEntries(state.replayed)).toEqual(Object.fromEntries(state.balances));
  expect(Object.fromEntries(state.replayedFromEntries)).toEqual(Object.fromEntries(state.balances));
  expect(state.entries).toBe(state.expectedEntries);
}
