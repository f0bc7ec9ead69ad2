import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { entriesOf, type Entry } from '../../domain/entry';
import {
  BalanceLimitError,
  type IdempotencyKeyUnusableError,
  InsufficientFundsError,
  ReversalExceedsTransferError,
  ReversalTargetNotFoundError,
  StoreUnavailableError,
  TransactionConflictError,
} from '../../domain/errors';
import { creditCeiling } from '../../domain/money';
import type { Account } from '../../domain/ports';
import type { Reversal, ReversalExecution, ReversalExecutionResult, ReversalStore } from '../../domain/reverse-transfer';
import type { Transfer } from '../../domain/transfer';
import { DynamoDbAccountStore } from './account-store';
import { DynamoDbKeyStore } from './key-store';
import { moveBalance } from './items';
import { cancellation, clientRequestToken, commitOnce, creditCondition, debitCondition, keyConsumption, keyRefusal, listPut, recordTakenOver, unexplainedCancellation, withRecordCompletion, type TransactItem } from './money-transaction';
import { entryToItem } from './statement-items';
import { translateStoreError } from './store-errors';
import { DynamoDbTransferStore, type TransferTables } from './transfer-store';

// Condition fragments; the debit and credit conditions are shared (money-transaction.ts).
const reversalIsNew = 'attribute_not_exists(transferId)';
const nothingReversedYet = 'attribute_not_exists(remaining)';
const enoughLeftToReverse = 'remaining >= :amount';

const guardCondition = `${nothingReversedYet} OR ${enoughLeftToReverse}`;

// Positions of the items in the transaction; CancellationReasons follow them.
const REVERSAL = 0;
const GUARD = 1;
const DEBIT = 2;
const CREDIT = 3;
// 4 and 5: the debit and credit entries.
const KEY = 6;

/**
 * The id of a transfer's reversal state, in the ledger table beside it. The
 * transfer's own ledger item stays immutable; this one item holds what is
 * left to reverse, and is the only ledger item ever updated (the reversal
 * function's IAM policy allows UpdateItem on `rvs_*` keys alone).
 */
export function reversalStateId(transferId: string): string {
  return `rvs_${transferId}`;
}

/** The DynamoDB side of a reversal: the only code that builds its expressions. */
export class DynamoDbReversalStore implements ReversalStore {
  private readonly transfers: DynamoDbTransferStore;
  private readonly accounts: DynamoDbAccountStore;
  private readonly keys: DynamoDbKeyStore;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TransferTables,
  ) {
    this.transfers = new DynamoDbTransferStore(documentClient, tables);
    this.accounts = new DynamoDbAccountStore(documentClient, tables);
    this.keys = new DynamoDbKeyStore(documentClient, tables.idempotency);
  }

  keyRefusal(principal: string, idempotencyKey: string, nowEpochSeconds: number): Promise<IdempotencyKeyUnusableError | undefined> {
    return this.keys.refusal(principal, 'reversal', idempotencyKey, nowEpochSeconds);
  }

  getTransfer(transferId: string): Promise<(Transfer & { readonly initiatedBy: string }) | undefined> {
    return this.transfers.getTransfer(transferId);
  }

  getAccount(accountId: string): Promise<Account | undefined> {
    return this.accounts.getAccount(accountId);
  }

  /** How much of a transfer its reversals have sent back so far. */
  async reversedAmount(transferId: string): Promise<number> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({ TableName: this.tables.ledger, Key: { transferId: reversalStateId(transferId) }, ConsistentRead: true }),
      );
      return Item === undefined ? 0 : Number(Item.reversedAmount);
    } catch (error) {
      return translateStoreError(error);
    }
  }

  async executeReversal(execution: ReversalExecution): Promise<ReversalExecutionResult> {
    const { reversal } = execution;
    // More than the whole transfer: the guard below would pass on a first reversal, so refuse here, telling what is left.
    if (reversal.amount > execution.transferAmount) {
      throw new ReversalExceedsTransferError(reversal.transferId, execution.transferAmount - (await this.reversedAmount(reversal.transferId)));
    }
    const { items, recordIndex } = withRecordCompletion(this.items(execution), execution.recordCompletion, reversal);
    const outcome = await commitOnce<Reversal>({
      send: async (withToken) => {
        await this.documentClient.send(
          new TransactWriteCommand({
            TransactItems: items,
            ...(withToken ? { ClientRequestToken: clientRequestToken(reversal.reversalId) } : {}),
          }),
        );
      },
      readBack: () => this.getReversal(reversal.reversalId),
      explain: (error) => this.explainFailure(error, execution, recordIndex),
      isOwnAttempt: (recorded) => recorded.createdAt === reversal.createdAt && recorded.amount === reversal.amount,
    });
    return outcome.kind === 'committed' ? { kind: 'committed', reversal } : { kind: 'already-executed', reversal: outcome.recorded };
  }

  /**
   * One TransactWriteItems, all or nothing:
   *   [0] the reversal's ledger item, first, so "already executed" is reason 0;
   *   [1] the transfer's reversal state: what is left to reverse goes down by
   *       `amount` and may not go below zero. DynamoDB conditions cannot add
   *       (`reversed + :amount <= amount` is not expressible), so the item
   *       keeps the remaining amount and the condition is `remaining >= :amount`;
   *       racing reversals each see the other's commit or fail on it;
   *   [2] the debit of the account the transfer credited (the caller's);
   *   [3] the credit of the original sender;
   *   [4] [5] the debit and credit entries;
   *   [6] the issued key becomes USED;
   *   last, the caller's idempotency record becomes COMPLETED with the
   *   answer, if it is still this invocation's (withRecordCompletion).
   */
  private items(execution: ReversalExecution): TransactItem[] {
    const { reversal, principal } = execution;
    const now = reversal.createdAt;
    const [debitEntry, creditEntry] = entriesOf({
      movementId: reversal.reversalId,
      kind: 'reversal',
      fromAccountId: reversal.fromAccountId,
      toAccountId: reversal.toAccountId,
      amount: reversal.amount,
      currency: reversal.currency,
      reference: reversal.reference,
      createdAt: now,
      reversedTransferId: reversal.transferId,
    }) as [Entry, Entry];
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tables.ledger,
          Item: {
            transferId: reversal.reversalId,
            kind: 'reversal',
            reversedTransferId: reversal.transferId,
            fromAccountId: reversal.fromAccountId,
            toAccountId: reversal.toAccountId,
            amount: reversal.amount,
            currency: reversal.currency,
            ...(reversal.reference === null ? {} : { reference: reversal.reference }),
            status: 'completed',
            createdAt: now,
            initiatedBy: principal,
          },
          ConditionExpression: reversalIsNew,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tables.ledger,
          Key: { transferId: reversalStateId(reversal.transferId) },
          UpdateExpression:
            'SET remaining = if_not_exists(remaining, :transferAmount) - :amount, ' +
            'reversedAmount = if_not_exists(reversedAmount, :zero) + :amount, #kind = :kind, updatedAt = :now',
          ConditionExpression: guardCondition,
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':transferAmount': execution.transferAmount,
            ':amount': reversal.amount,
            ':zero': 0,
            ':kind': 'reversal-state',
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tables.accounts,
          Key: { accountId: reversal.fromAccountId },
          UpdateExpression: moveBalance('-'),
          ConditionExpression: debitCondition,
          ExpressionAttributeValues: {
            ':amount': reversal.amount,
            ':one': 1,
            ':principal': principal,
            ':currency': reversal.currency,
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tables.accounts,
          Key: { accountId: reversal.toAccountId },
          UpdateExpression: moveBalance('+'),
          ConditionExpression: creditCondition,
          ExpressionAttributeValues: {
            ':amount': reversal.amount,
            ':one': 1,
            ':currency': reversal.currency,
            ':creditCeiling': creditCeiling(reversal.amount),
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      listPut(this.tables.statements, entryToItem(debitEntry, reversal.reversalId)),
      listPut(this.tables.statements, entryToItem(creditEntry, reversal.reversalId)),
    ];
    if (execution.consumeIssuedKey) {
      items.push(
        keyConsumption({
          table: this.tables.idempotency,
          principal,
          operation: 'reversal',
          idempotencyKey: execution.idempotencyKey,
          resultId: reversal.reversalId,
          nowIso: now,
          nowEpochSeconds: execution.nowEpochSeconds,
        }),
      );
    }
    return items;
  }

  private async getReversal(reversalId: string): Promise<Reversal | undefined> {
    try {
      const { Item } = await this.documentClient.send(new GetCommand({ TableName: this.tables.ledger, Key: { transferId: reversalId }, ConsistentRead: true }));
      return Item === undefined || Item.kind !== 'reversal' ? undefined : ledgerItemToReversal(Item);
    } catch (error) {
      return translateStoreError(error);
    }
  }

  private async explainFailure(error: unknown, execution: ReversalExecution, recordIndex: number | undefined): Promise<Reversal> {
    const cancelled = cancellation(error);
    if (cancelled === undefined) return translateStoreError(error);
    const { reversal } = execution;
    if (cancelled.failed(REVERSAL)) {
      const stored = cancelled.oldItem(REVERSAL);
      const original = stored === undefined ? await this.getReversal(reversal.reversalId) : ledgerItemToReversal(stored);
      if (original === undefined) throw new StoreUnavailableError({ cause: error });
      return original;
    }
    if (cancelled.codes.includes('TransactionConflict')) throw new TransactionConflictError({ cause: error });
    recordTakenOver(cancelled, recordIndex, error);
    if (execution.consumeIssuedKey && cancelled.failed(KEY)) throw keyRefusal(cancelled.oldItem(KEY), 'reversal');
    if (cancelled.failed(GUARD)) {
      throw new ReversalExceedsTransferError(reversal.transferId, Number(cancelled.oldItem(GUARD)?.remaining ?? execution.transferAmount));
    }
    if (cancelled.failed(DEBIT)) {
      const from = cancelled.oldItem(DEBIT);
      if (from === undefined || from.ownerId !== execution.principal) throw new ReversalTargetNotFoundError(reversal.transferId);
      throw new InsufficientFundsError(reversal.fromAccountId);
    }
    if (cancelled.failed(CREDIT)) throw new BalanceLimitError(reversal.toAccountId);
    return unexplainedCancellation(error, cancelled.codes);
  }
}

function ledgerItemToReversal(item: Record<string, unknown>): Reversal {
  return {
    reversalId: String(item.transferId),
    transferId: String(item.reversedTransferId),
    fromAccountId: String(item.fromAccountId),
    toAccountId: String(item.toAccountId),
    amount: Number(item.amount),
    currency: String(item.currency),
    reference: typeof item.reference === 'string' ? item.reference : null,
    createdAt: String(item.createdAt),
  };
}
