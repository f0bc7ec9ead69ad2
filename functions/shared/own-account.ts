import type { Account } from '../../domain/ports';
import { AccountNotFoundError } from '../../domain/errors';
import { isAccountId } from '../../domain/transfer';
import { accountStore } from './stores';

/** The caller's account with this id; anyone else's, a malformed id or a missing one is the same 404. */
export async function ownAccount(principal: string, accountId: string | undefined): Promise<Account> {
  if (!isAccountId(accountId)) throw new AccountNotFoundError(String(accountId ?? '').slice(0, 64));
  const account = await accountStore().getAccount(accountId);
  if (account === undefined || account.ownerId !== principal) throw new AccountNotFoundError(accountId);
  return account;
}
