import type { Account } from './ports';

export interface AccountView {
  readonly accountId: string;
  readonly currency: string;
  /** Minor units. */
  readonly balance: number;
  readonly createdAt: string;
}

/** An account as the API shows it (the owner is the caller, so it is not repeated), fields in one fixed order. */
export function accountView(account: Account): AccountView {
  return { accountId: account.accountId, currency: account.currency, balance: account.balance, createdAt: account.createdAt };
}
