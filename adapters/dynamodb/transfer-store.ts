import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AccountNotFoundError,
  BalanceLimitError,
  CurrencyMismatchError,
  InsufficientFundsError,
  StoreUnavailableError,
  TransactionConflictError,
} from '../../domain/errors';
import { creditCeiling } from '../../domain/money';
import type { TransferExecution, TransferExecutionResult, TransferStore } from '../../domain/ports';
import { transferView, type Transfer } from '../../domain/transfer';
import { entriesOf, type Entry } from '../../domain/entry';
import { ledgerItemToTransfer, moveBalance, transferToLedgerItem } from './items';
import { cancellation, clientRequestToken, commitOnce, creditCondition, debitCondition, keyConsumption, keyRefusal, listPut, recordTakenOver, unexplainedCancellation, withRecordCompletion, type TransactItem } from './money-transaction';
import { entryToItem, initiatedTransferItem } from './statement-items';
import { translateStoreError } from './store-errors';

export { clientRequestToken } from './money-transaction';

export interface TransferTables {
  readonly accounts: string;
  readonly ledger: string;
  readonly statements: string;
  readonly idempotency: string;
}

// The debit and credit conditions are shared by every money transaction (money-transaction.ts).
const ledgerItemIsNew = 'attribute_not_exists(transferId)';

// Positions of the items in the transaction; CancellationReasons follow them.
const LEDGER = 0;
const DEBIT = 1;
const CREDIT = 2;
// 3 and 4: the debit and credit entries; 5: the initiator's list item.
const KEY = 6;
// Last: the completion of the caller's idempotency record (withRecordCompletion).

/** The DynamoDB side of a transfer: the only code that builds its expressions. */
export class DynamoDbTransferStore implements TransferStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TransferTables,
  ) {}

  async executeTransfer(execution: TransferExecution): Promise<TransferExecutionResult> {
    const { items, recordIndex } = withRecordCompletion(this.items(execution), execution.recordCompletion, execution.transfer);
    const outcome = await commitOnce<Transfer>({
      send: async (withToken) => {
        await this.documentClient.send(
          new TransactWriteCommand({
            TransactItems: items,
            // The SDK retries a transaction whose response it lost; with the same
            // token DynamoDB answers the retry without applying it twice.
            ...(withToken ? { ClientRequestToken: clientRequestToken(execution.transfer.transferId) } : {}),
          }),
        );
      },
      readBack: async () => {
        const original = await this.getTransfer(execution.transfer.transferId);
        return original === undefined ? undefined : withoutInitiator(original);
      },
      explain: (error) => this.explainFailure(error, execution, recordIndex),
      // Ours carries this attempt's createdAt.
      isOwnAttempt: (recorded) => sameExecution(recorded, execution.transfer),
    });
    return outcome.kind === 'committed'
      ? { kind: 'committed', transfer: execution.transfer }
      : { kind: 'already-executed', transfer: outcome.recorded };
  }

  async getTransfer(transferId: string): Promise<(Transfer & { initiatedBy: string }) | undefined> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({ TableName: this.tables.ledger, Key: { transferId }, ConsistentRead: true }),
      );
      // Funding entries live in the ledger too, but they are not transfers anyone initiated through the API.
      return Item === undefined || Item.kind !== 'transfer' ? undefined : ledgerItemToTransfer(Item);
    } catch (error) {
      return translateStoreError(error);
    }
  }

  /**
   * One TransactWriteItems, all or nothing:
   *   [0] the ledger item, first, so that "already executed" is always
   *       reason 0 and carries the original item (ALL_OLD);
   *   [1] the debit, [2] the credit;
   *   [3] the debit entry, [4] the credit entry (double entry: the
   *       statement is read-your-writes because they commit with the money);
   *   [5] the transfer in the initiator's list (GET /transfers);
   *   [6] the issued key becomes USED. It is never deleted: a late retry
   *       must still find it spent rather than re-open the double debit;
   *   last, the caller's idempotency record becomes COMPLETED with the
   *   answer, if it is still this invocation's (withRecordCompletion).
   */
  private items(execution: TransferExecution): TransactItem[] {
    const { transfer, principal } = execution;
    const now = transfer.createdAt;
    const [debitEntry, creditEntry] = entriesOf({ ...transfer, movementId: transfer.transferId, kind: 'transfer' });
    const listItem = (item: Record<string, unknown>) => listPut(this.tables.statements, item);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tables.ledger,
          Item: transferToLedgerItem(transfer, principal),
          ConditionExpression: ledgerItemIsNew,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tables.accounts,
          Key: { accountId: transfer.fromAccountId },
          UpdateExpression: moveBalance('-'),
          ConditionExpression: debitCondition,
          ExpressionAttributeValues: {
            ':amount': transfer.amount,
            ':one': 1,
            ':principal': principal,
            ':currency': transfer.currency,
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Update: {
          TableName: this.tables.accounts,
          Key: { accountId: transfer.toAccountId },
          UpdateExpression: moveBalance('+'),
          ConditionExpression: creditCondition,
          ExpressionAttributeValues: {
            ':amount': transfer.amount,
            ':one': 1,
            ':currency': transfer.currency,
            ':creditCeiling': creditCeiling(transfer.amount),
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      listItem(entryToItem(debitEntry as Entry, transfer.transferId)),
      listItem(entryToItem(creditEntry as Entry, transfer.transferId)),
      listItem(initiatedTransferItem(transfer, principal)),
    ];
    if (execution.consumeIssuedKey) {
      items.push(
        keyConsumption({
          table: this.tables.idempotency,
          principal,
          operation: 'transfer',
          idempotencyKey: execution.idempotencyKey,
          resultId: transfer.transferId,
          nowIso: now,
          nowEpochSeconds: execution.nowEpochSeconds,
        }),
      );
    }
    return items;
  }

  /** A cancelled transaction explained from its CancellationReasons: the earlier transfer, or a domain error. */
  private async explainFailure(error: unknown, execution: TransferExecution, recordIndex: number | undefined): Promise<Transfer> {
    const cancelled = cancellation(error);
    if (cancelled === undefined) return translateStoreError(error);
    const { failed, oldItem } = cancelled;
    const { transfer, principal } = execution;

    if (failed(LEDGER)) {
      const stored = oldItem(LEDGER);
      const original = stored === undefined ? await this.getTransfer(transfer.transferId) : ledgerItemToTransfer(stored);
      if (original === undefined) throw new StoreUnavailableError({ cause: error });
      return withoutInitiator(original);
    }
    if (cancelled.codes.includes('TransactionConflict')) throw new TransactionConflictError({ cause: error });
    recordTakenOver(cancelled, recordIndex, error);
    if (execution.consumeIssuedKey && failed(KEY)) throw keyRefusal(oldItem(KEY), 'transfer');
    if (failed(DEBIT)) {
      const from = oldItem(DEBIT);
      // Someone else's account is reported exactly like a missing one.
      if (from === undefined || from.ownerId !== principal) throw new AccountNotFoundError(transfer.fromAccountId);
      if (from.currency !== transfer.currency) throw new CurrencyMismatchError(transfer.fromAccountId, transfer.currency);
      throw new InsufficientFundsError(transfer.fromAccountId);
    }
    if (failed(CREDIT)) {
      const to = oldItem(CREDIT);
      if (to === undefined) throw new AccountNotFoundError(transfer.toAccountId);
      if (to.currency !== transfer.currency) throw new CurrencyMismatchError(transfer.toAccountId, transfer.currency);
      throw new BalanceLimitError(transfer.toAccountId);
    }
    return unexplainedCancellation(error, cancelled.codes);
  }
}

/** The same transfer written by the same attempt: every field equal, createdAt (to the millisecond) included. */
function sameExecution(recorded: Transfer, attempted: Transfer): boolean {
  return JSON.stringify(transferView(recorded)) === JSON.stringify(transferView(attempted));
}

function withoutInitiator({ initiatedBy: _initiatedBy, ...transfer }: Transfer & { initiatedBy: string }): Transfer {
  return transfer;
}
