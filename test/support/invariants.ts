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
}

const add = (map: Map<string, number>, key: string, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);

/** Reads the tables back and computes what the invariants I1, I2 and I4 talk about. */
export async function readMoneyState(tables: TestTables): Promise<MoneyState> {
  const [accounts, ledger] = await Promise.all([tables.scan('accounts'), tables.scan('ledger')]);
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
  return { balances, totals, funded, replayed, ledgerEntries: ledger.length, transfers };
}

/** I1 conservation, I2 no overdraft, I4 the ledger explains every balance. */
export function expectMoneyInvariants(state: MoneyState): void {
  expect(Object.fromEntries(state.totals)).toEqual(Object.fromEntries(state.funded));
  for (const balance of state.balances.values()) expect(balance).toBeGreaterThanOrEqual(0);
  expect(Object.fromEntries(state.replayed)).toEqual(Object.fromEntries(state.balances));
}
