/**
 * Operators' command: open and fund accounts in a deployed stack (or a local
 * one), through the same adapter code the API uses. Funding writes a ledger
 * entry in the same transaction as the credit, so the ledger still explains
 * every balance.
 *
 *   npm run accounts -- open --owner <cognito sub> --currency USD [--account acc_x]
 *   npm run accounts -- fund --account acc_x --amount 100000 --currency USD [--request-id ID] [--reference TEXT]
 *   npm run accounts -- show --account acc_x
 *
 * Table names come from ACCOUNTS_TABLE_NAME, LEDGER_TABLE_NAME and
 * IDEMPOTENCY_TABLE_NAME (the stack's outputs); DYNAMODB_ENDPOINT points at
 * DynamoDB Local instead of AWS.
 */
import '../local/quiet-sdk-warning';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDbAccountStore } from '../adapters/dynamodb/account-store';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { MAX_BALANCE_MINOR, isCurrencyCode, isPositiveMinorAmount } from '../domain/money';
import { isAccountId } from '../domain/transfer';
import { readConfig } from '../functions/shared/config';

const USAGE = `Usage:
  npm run accounts -- open --owner <cognito sub> --currency <ISO 4217> [--account <id>]
  npm run accounts -- fund --account <id> --amount <minor units> --currency <ISO 4217> [--request-id <id>] [--reference <text>] [--operator <name>]
  npm run accounts -- show --account <id>`;

class UsageError extends Error {}

function option(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      owner: { type: 'string' },
      currency: { type: 'string' },
      account: { type: 'string' },
      amount: { type: 'string' },
      'request-id': { type: 'string' },
      reference: { type: 'string' },
      operator: { type: 'string' },
    },
  });
  const [command] = positionals;
  const config = readConfig();
  const { documentClient } = connectDynamoDb(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint });
  const accounts = new DynamoDbAccountStore(documentClient, config.tables);

  switch (command) {
    case 'open': {
      const currency = option(values, 'currency');
      if (!isCurrencyCode(currency)) throw new UsageError('--currency must be three upper-case letters (ISO 4217).');
      const accountId = values.account;
      if (accountId !== undefined && !isAccountId(accountId)) throw new UsageError('--account must be 1-64 of A-Z a-z 0-9 _ -.');
      const account = await accounts.openAccount({ ownerId: option(values, 'owner'), currency, ...(accountId ? { accountId } : {}) });
      console.log(JSON.stringify(account, null, 2));
      return;
    }
    case 'fund': {
      const amountText = option(values, 'amount');
      const amount = /^[0-9]+$/.test(amountText) ? Number(amountText) : Number.NaN;
      if (!isPositiveMinorAmount(amount, MAX_BALANCE_MINOR)) throw new UsageError('--amount must be a positive integer of minor units.');
      const currency = option(values, 'currency');
      if (!isCurrencyCode(currency)) throw new UsageError('--currency must be three upper-case letters (ISO 4217).');
      const requestId = values['request-id'] ?? randomUUID();
      const entry = await accounts.fundAccount({
        accountId: option(values, 'account'),
        amount,
        currency,
        requestId,
        operator: values.operator ?? `operator:${userInfo().username}`,
        ...(values.reference ? { reference: values.reference } : {}),
      });
      const { alreadyApplied, ...ledgerEntry } = entry;
      console.log(JSON.stringify(ledgerEntry, null, 2));
      if (alreadyApplied) console.error(`Funding request ${requestId} was already applied earlier; nothing changed.`);
      if (values['request-id'] === undefined) {
        console.error(`If this command's outcome is unclear, rerun it with --request-id ${requestId}: it will never fund twice.`);
      }
      return;
    }
    case 'show': {
      const account = await accounts.getAccount(option(values, 'account'));
      if (account === undefined) throw new UsageError('No such account.');
      console.log(JSON.stringify(account, null, 2));
      return;
    }
    default:
      throw new UsageError(command === undefined ? 'A command is required.' : `Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
