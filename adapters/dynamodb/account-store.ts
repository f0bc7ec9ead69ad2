import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  AccountLimitReachedError,
  AccountNotFoundError,
  BalanceLimitError,
  CurrencyMismatchError,
  StoreUnavailableError,
  TransactionConflictError,
} from '../../domain/errors';
import type { AccountOpening, AccountOpeningResult, AccountOpeningStore } from '../../domain/open-account';
import { creditCeiling } from '../../domain/money';
import type { Account, AccountStore } from '../../domain/ports';
import { entriesOf } from '../../domain/entry';
import { itemToAccount, moveBalance, type LedgerItem } from './items';
import { entryToItem, ownedAccountItem } from './statement-items';
import { cancellation, clientRequestToken, commitOnce, creditCondition, keyConsumption, keyRefusal, listPut, recordTakenOver, unexplainedCancellation, withRecordCompletion, type TransactItem } from './money-transaction';
import { translateStoreError } from './store-errors';

const accountIsNew = 'attribute_not_exists(accountId)';
const fundingIsNew = 'attribute_not_exists(transferId)';
/** On a funding ledger item: the run that wrote it (FundAccountInput.runId). */
const FUNDING_RUN_ATTRIBUTE = 'fundingRunId';

export interface OpenAccountInput {
  readonly ownerId: string;
  readonly currency: string;
  readonly accountId?: string;
}

export interface FundAccountInput {
  readonly accountId: string;
  readonly amount: number;
  readonly currency: string;
  /** Who funded it: an operator name, recorded in the ledger. */
  readonly operator: string;
  readonly reference?: string;
  /** Makes a funding retry-safe: the same request id never funds twice. */
  readonly requestId: string;
  /**
   * One run of the operator's command, the same for each of its resends:
   * an existing funding item carrying it is this run's own commit, whose
   * answer was lost, not an earlier run's. Default: one per call.
   */
  readonly runId?: string;
}

/**
 * Accounts: read by the API, opened and funded by operators
 * (scripts/accounts.ts) and by the local seed.
 */
/** The counter item of an owner's accounts, in the statements table beside the owner's list. */
export function accountCountKey(ownerId: string): { pk: string; sk: string } {
  return { pk: `accounts-opened#${ownerId}`, sk: 'count' };
}

export class DynamoDbAccountStore implements AccountStore, AccountOpeningStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: { readonly accounts: string; readonly ledger: string; readonly statements: string; readonly idempotency: string },
  ) {}

  async getAccount(accountId: string): Promise<Account | undefined> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({ TableName: this.tables.accounts, Key: { accountId }, ConsistentRead: true }),
      );
      return Item === undefined ? undefined : itemToAccount(Item);
    } catch (error) {
      return translateStoreError(error);
    }
  }

  /**
   * Opens an empty account for a fixture, a seed or a bench, with no key and
   * no limit (it still counts toward the owner's limit). Throws
   * AccountExistsError when the id is taken.
   */
  async openAccount(input: OpenAccountInput): Promise<Account> {
    const result = await this.openAccountOnce({
      account: {
        accountId: input.accountId ?? `acc_${randomBytes(12).toString('base64url')}`,
        ownerId: input.ownerId,
        currency: input.currency,
        balance: 0,
        createdAt: new Date().toISOString(),
      },
      accountLimit: Number.MAX_SAFE_INTEGER,
      principal: input.ownerId,
      idempotencyKey: '',
      consumeIssuedKey: false,
      nowEpochSeconds: Math.floor(Date.now() / 1000),
    });
    if (result.kind === 'already-executed') throw new AccountExistsError(result.account.accountId);
    return result.account;
  }

  /**
   * One TransactWriteItems, all or nothing (money only ever enters through
   * fundAccount or a transfer, so the ledger explains every balance):
   *   [0] the account, balance 0 and version 0 (see moveBalance), first, so
   *       "already opened" is reason 0 and carries the account (ALL_OLD);
   *   [1] its line in the owner's list (GET /accounts);
   *   [2] the owner's count of accounts, refused at the limit: a condition
   *       on one counter item, so racing openings cannot both pass it;
   *   [3] the issued key becomes USED;
   *   last, the caller's idempotency record becomes COMPLETED with the
   *   answer, if it is still this invocation's (withRecordCompletion).
   */
  async openAccountOnce(opening: AccountOpening): Promise<AccountOpeningResult> {
    const { account } = opening;
    const operationItems: TransactItem[] = [
      {
        Put: {
          TableName: this.tables.accounts,
          Item: { ...account, version: 0 },
          ConditionExpression: accountIsNew,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      listPut(this.tables.statements, ownedAccountItem(account)),
      {
        Update: {
          TableName: this.tables.statements,
          Key: accountCountKey(account.ownerId),
          UpdateExpression: 'ADD opened :one',
          ConditionExpression: 'attribute_not_exists(opened) OR opened < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': opening.accountLimit },
        },
      },
    ];
    if (opening.consumeIssuedKey) {
      operationItems.push(
        keyConsumption({
          table: this.tables.idempotency,
          principal: opening.principal,
          operation: 'open-account',
          idempotencyKey: opening.idempotencyKey,
          resultId: account.accountId,
          nowIso: account.createdAt,
          nowEpochSeconds: opening.nowEpochSeconds,
        }),
      );
    }
    const { items, recordIndex } = withRecordCompletion(operationItems, opening.recordCompletion, account);
    const outcome = await commitOnce<Account>({
      send: async (withToken) => {
        await this.documentClient.send(
          new TransactWriteCommand({ TransactItems: items, ...(withToken ? { ClientRequestToken: clientRequestToken(account.accountId) } : {}) }),
        );
      },
      readBack: () => this.getAccount(account.accountId),
      explain: async (error) => {
        const cancelled = cancellation(error);
        if (cancelled === undefined) return translateStoreError(error);
        if (cancelled.failed(0)) {
          const existing = cancelled.oldItem(0);
          if (existing === undefined) throw new StoreUnavailableError({ cause: error });
          return itemToAccount(existing);
        }
        if (cancelled.codes.includes('TransactionConflict')) throw new TransactionConflictError({ cause: error });
        recordTakenOver(cancelled, recordIndex, error);
        if (opening.consumeIssuedKey && cancelled.failed(3)) throw keyRefusal(cancelled.oldItem(3), 'open-account');
        if (cancelled.failed(2)) throw new AccountLimitReachedError(opening.accountLimit);
        return unexplainedCancellation(error, cancelled.codes);
      },
      isOwnAttempt: (recorded) => recorded.createdAt === account.createdAt && recorded.ownerId === account.ownerId,
    });
    return outcome.kind === 'committed' ? { kind: 'committed', account } : { kind: 'already-executed', account: outcome.recorded };
  }

  /**
   * Credits an account with money from outside the system, in one
   * transaction with a `funding` ledger entry keyed by the request id.
   * `alreadyApplied` is true only when another run applied it.
   */
  async fundAccount(input: FundAccountInput): Promise<LedgerItem & { readonly alreadyApplied: boolean }> {
    const runId = input.runId ?? randomUUID();
    const entry: LedgerItem = {
      transferId: `fund_${createHash('sha256').update(input.requestId).digest('hex').slice(0, 32)}`,
      kind: 'funding',
      toAccountId: input.accountId,
      amount: input.amount,
      currency: input.currency,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
      status: 'completed',
      createdAt: new Date().toISOString(),
      initiatedBy: input.operator,
    };
    try {
      await this.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.ledger,
                Item: { ...entry, [FUNDING_RUN_ATTRIBUTE]: runId },
                ConditionExpression: fundingIsNew,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Update: {
                TableName: this.tables.accounts,
                Key: { accountId: input.accountId },
                UpdateExpression: moveBalance('+'),
                ConditionExpression: creditCondition,
                ExpressionAttributeValues: {
                  ':amount': input.amount,
                  ':one': 1,
                  ':currency': input.currency,
                  ':creditCeiling': creditCeiling(input.amount),
                  ':now': entry.createdAt,
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            // The credit entry of the funding: the statement shows where the money came from.
            { Put: { TableName: this.tables.statements, Item: fundingEntryItem(entry) } },
          ],
        }),
      );
      return { ...entry, alreadyApplied: false };
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionCanceledException') {
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
        const earlier = reasons?.[0]?.Item;
        if (reasons?.[0]?.Code === 'ConditionalCheckFailed' && earlier !== undefined) {
          // A retry of the same funding is answered with what it recorded;
          // the same request id for other money is refused.
          const { [FUNDING_RUN_ATTRIBUTE]: appliedByRun, ...applied } = unmarshall(earlier) as LedgerItem & Record<typeof FUNDING_RUN_ATTRIBUTE, unknown>;
          if (applied.toAccountId === input.accountId && applied.amount === input.amount && applied.currency === input.currency) {
            // Our own resend meeting our own commit (its answer was lost) funded now, not earlier.
            return { ...applied, alreadyApplied: appliedByRun !== runId };
          }
          throw new FundingRequestReusedError(input.requestId);
        }
        const account = reasons?.[1]?.Item === undefined ? undefined : unmarshall(reasons[1].Item);
        if (reasons?.[1]?.Code === 'ConditionalCheckFailed') {
          if (account === undefined) throw new AccountNotFoundError(input.accountId);
          if (account.currency !== input.currency) throw new CurrencyMismatchError(input.accountId, input.currency);
          throw new BalanceLimitError(input.accountId);
        }
      }
      return translateStoreError(error);
    }
  }
}

function fundingEntryItem(entry: LedgerItem): Record<string, unknown> {
  const [credit] = entriesOf({
    movementId: entry.transferId,
    kind: 'funding',
    toAccountId: entry.toAccountId,
    amount: entry.amount,
    currency: entry.currency,
    reference: entry.reference ?? null,
    createdAt: entry.createdAt,
  });
  return entryToItem(credit as NonNullable<typeof credit>, entry.transferId);
}

/** An account with this id exists already; nothing changed. */
export class AccountExistsError extends Error {
  constructor(readonly accountId: string) {
    super(`Account ${accountId} exists already; nothing changed.`);
    this.name = 'AccountExistsError';
  }
}

/** The request id of an earlier funding was sent again for another account, amount or currency. */
export class FundingRequestReusedError extends Error {
  constructor(readonly requestId: string) {
    super(`Funding request ${requestId} was already used for other money; nothing changed. Use a new --request-id.`);
    this.name = 'FundingRequestReusedError';
  }
}
