/**
 * Operators' command: open and fund accounts in a deployed stack (or a local
 * one), through the same adapter code the API uses. Funding writes a ledger
 * entry in the same transaction as the credit, so the ledger still explains
 * every balance.
 *
 *   npm run accounts -- open --owner <cognito sub> --currency USD (--request-id ID | --account acc_x)
 *   npm run accounts -- fund --account acc_x --amount 100000 --currency USD --request-id ID [--reference TEXT]
 *   npm run accounts -- show --account acc_x
 *
 * Exit codes: 0 done; 1 refused (bad usage, unknown account, ...), nothing
 * changed; 3 fund got no definite answer: it may or may not have been
 * applied, and rerunning the printed command (the same --request-id) is safe.
 *
 * Table names come from ACCOUNTS_TABLE_NAME, LEDGER_TABLE_NAME,
 * STATEMENTS_TABLE_NAME and IDEMPOTENCY_TABLE_NAME (the stack's outputs); DYNAMODB_ENDPOINT points at
 * DynamoDB Local instead of AWS.
 */
import '../local/quiet-sdk-warning';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAccountStore, FundingRequestReusedError, type FundAccountInput } from '../adapters/dynamodb/account-store';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { shellCommand } from '../client/shell-quote';
import { AccountNotFoundError, BalanceLimitError, CurrencyMismatchError } from '../domain/errors';
import { openAccount } from '../domain/open-account';
import { MAX_BALANCE_MINOR, isCurrencyCode, isPositiveMinorAmount } from '../domain/money';
import { isAccountId } from '../domain/transfer';
import { readConfig } from '../functions/shared/config';

const USAGE = `Usage:
  npm run accounts -- open --owner <cognito sub> --currency <ISO 4217> (--request-id <id> | --account <id>)
  npm run accounts -- fund --account <id> --amount <minor units> --currency <ISO 4217> --request-id <id> [--reference <text>] [--operator <name>]
  npm run accounts -- show --account <id>`;

class UsageError extends Error {}

type OptionValues = Record<string, string | boolean | undefined>;

function option(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

/** Where the command talks to: the process's own by default; tests pass a client with faults injected. */
export interface AccountsCommandIo {
  readonly documentClient?: DynamoDBDocumentClient;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: AccountsCommandIo = { stdout: (text) => console.log(text), stderr: (text) => console.error(text) };

/** Runs one command; resolves to the process's exit code. */
export async function runAccountsCommand(argv: readonly string[], io: AccountsCommandIo = PROCESS_IO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    if (error instanceof UsageError) io.stderr(`${error.message}\n\n${USAGE}`);
    else io.stderr(describeError(error));
    return 1;
  }
}

async function main(argv: readonly string[], io: AccountsCommandIo): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
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
  const documentClient =
    io.documentClient ?? connectDynamoDb(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint }).documentClient;
  const accounts = new DynamoDbAccountStore(documentClient, config.tables);

  switch (command) {
    case 'open': {
      const currency = option(values, 'currency');
      if (!isCurrencyCode(currency)) throw new UsageError('--currency must be three upper-case letters (ISO 4217).');
      const accountId = values.account;
      if (accountId !== undefined && !isAccountId(accountId)) throw new UsageError('--account must be 1-64 of A-Z a-z 0-9 _ -.');
      const requestId = values['request-id'];
      if (requestId === undefined && accountId === undefined) {
        throw new UsageError('open needs --request-id (or --account): a rerun after a lost answer must not open a second account.');
      }
      // The same use case as POST /accounts, idempotent by the request id (or the account id); operators are not bound by the per-caller limit.
      const { account, alreadyExecuted } = await openAccount(accounts, {
        principal: option(values, 'owner'),
        idempotencyKey: `operator:${requestId ?? accountId}`,
        request: { currency },
        consumeIssuedKey: false,
        accountLimit: Number.MAX_SAFE_INTEGER,
        ...(accountId === undefined ? {} : { accountId }),
      });
      if (alreadyExecuted) io.stderr(`Account ${account.accountId} was opened earlier by this request; nothing changed.\n`);
      io.stdout(JSON.stringify(account, null, 2));
      return 0;
    }
    case 'fund':
      return fund(accounts, values, io);
    case 'show': {
      const account = await accounts.getAccount(option(values, 'account'));
      if (account === undefined) throw new UsageError('No such account.');
      io.stdout(JSON.stringify(account, null, 2));
      return 0;
    }
    default:
      throw new UsageError(command === undefined ? 'A command is required.' : `Unknown command "${command}".`);
  }
}

/** Answers that say for certain the funding was not applied; after any other failure nobody knows. */
const DEFINITE_REFUSALS = [AccountNotFoundError, CurrencyMismatchError, BalanceLimitError, FundingRequestReusedError];

/** Resends of a funding whose outcome is unknown, within the run, before handing over to the operator. */
const RESEND_DELAYS_MS = [250, 1_000];

/**
 * Primary course of `fund`:
 *  1. Refuse to run without --request-id: it is what makes a rerun safe.
 *  2. Send the funding; when the outcome is unknown (no answer, store
 *     unavailable), resend it, same request id and same run id, a few times.
 *  3. Report "funded" when this run committed it (even if a resend is what
 *     learnt it), "already applied" only when another run did.
 *  4. Still unknown: exit 3 with the exact command to rerun; it never funds twice.
 */
async function fund(accounts: DynamoDbAccountStore, values: OptionValues, io: AccountsCommandIo): Promise<number> {
  const accountId = option(values, 'account');
  const amountText = option(values, 'amount');
  const amount = /^[0-9]+$/.test(amountText) ? Number(amountText) : Number.NaN;
  if (!isPositiveMinorAmount(amount, MAX_BALANCE_MINOR)) throw new UsageError('--amount must be a positive integer of minor units.');
  const currency = option(values, 'currency');
  if (!isCurrencyCode(currency)) throw new UsageError('--currency must be three upper-case letters (ISO 4217).');
  const requestId = values['request-id'];
  if (typeof requestId !== 'string' || requestId === '') {
    throw new UsageError('--request-id is required: choose one id for this funding (e.g. funding-2026-001) and keep it for every rerun; one request id never funds twice.');
  }
  const reference = typeof values.reference === 'string' && values.reference !== '' ? values.reference : undefined;
  const operator = typeof values.operator === 'string' && values.operator !== '' ? values.operator : undefined;
  const rerunCommand = `npm run accounts -- ${shellCommand([
    'fund', '--account', accountId, '--amount', amountText, '--currency', currency, '--request-id', requestId,
    ...(reference === undefined ? [] : ['--reference', reference]),
    ...(operator === undefined ? [] : ['--operator', operator]),
  ])}`;
  const input: FundAccountInput = {
    accountId,
    amount,
    currency,
    requestId,
    runId: randomUUID(),
    operator: operator ?? `operator:${userInfo().username}`,
    ...(reference === undefined ? {} : { reference }),
  };

  let lastError: unknown;
  for (let attempt = 0; attempt <= RESEND_DELAYS_MS.length; attempt++) {
    if (attempt > 0) await sleep(RESEND_DELAYS_MS[attempt - 1] ?? 0);
    try {
      const { alreadyApplied, ...ledgerEntry } = await accounts.fundAccount(input);
      io.stdout(JSON.stringify(ledgerEntry, null, 2));
      io.stderr(
        alreadyApplied
          ? `Funding request ${requestId} was already applied earlier (${ledgerEntry.createdAt}); nothing changed.`
          : `Funded ${accountId} with ${amount} ${currency} (request id ${requestId}).`,
      );
      return 0;
    } catch (error) {
      if (DEFINITE_REFUSALS.some((refusal) => error instanceof refusal)) throw error;
      lastError = error;
      io.stderr(`Attempt ${attempt + 1}: no definite answer (${describeError(error)}).`);
    }
  }
  io.stderr(
    [
      `No definite answer after ${RESEND_DELAYS_MS.length + 1} attempts (${describeError(lastError)}): this funding may or may not have been applied.`,
      `Rerunning this exact command is safe: request id ${requestId} never funds twice.`,
      `  ${rerunCommand}`,
    ].join('\n'),
  );
  return 3;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (require.main === module) {
  void runAccountsCommand(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
