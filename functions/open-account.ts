import { accountView } from '../domain/account';
import type { Account } from '../domain/ports';
import { openAccount, parseOpenAccountRequest } from '../domain/open-account';
import { jsonBody } from './http/request';
import { config } from './shared/config';
import { idempotentOperation } from './shared/idempotent-operation';
import { accountStore } from './shared/stores';

/**
 * POST /accounts: opens an account for the caller, once per (caller,
 * Idempotency-Key): a retry answers with the same account, never a second
 * one (domain/open-account.ts).
 */
export const handler = idempotentOperation({
  operation: 'open-account',
  functionId: 'openAccount',
  parse: (event) => parseOpenAccountRequest(jsonBody(event)),
  async execute({ retry, ...command }) {
    const { account, alreadyExecuted } = await openAccount(accountStore(), { ...command, accountLimit: config().accountLimit }, undefined, retry);
    return { result: account, alreadyExecuted };
  },
  answer: (account: Account) => ({ body: accountView(account), location: `accounts/${account.accountId}` }),
});
