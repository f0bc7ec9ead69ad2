import { defaultConflictRetryPolicy, withConflictRetries, type ConflictRetryPolicy } from './conflict-retry';
import { IdempotencyPayloadMismatchError } from './errors';
import { deriveTransferId } from './idempotency-key';
import type { RecordCompletion, TransferStore } from './ports';
import type { Transfer, TransferRequest } from './transfer';

export { defaultConflictRetryPolicy, type ConflictRetryPolicy } from './conflict-retry';

export interface CreateTransferCommand {
  readonly principal: string;
  readonly idempotencyKey: string;
  readonly request: TransferRequest;
  readonly consumeIssuedKey: boolean;
  /** The caller's idempotency record, completed in the same transaction as the money. */
  readonly recordCompletion?: RecordCompletion<Transfer>;
}

export interface CreateTransferResult {
  readonly transfer: Transfer;
  /** True when an earlier execution had already moved the money. */
  readonly alreadyExecuted: boolean;
}

/**
 * Moves money once for one (principal, idempotency key).
 *
 * Primary course:
 *  1. Derive the transfer id from (principal, key): every execution of the
 *     same logical request targets the same ledger item.
 *  2. Ask the store to write ledger item, debit, credit and key consumption
 *     in one transaction.
 *  3. If an earlier execution already wrote the ledger item, answer with
 *     what it recorded, createdAt included.
 *
 * Alternate course: when DynamoDB cancels the transaction because another
 * transaction touched the same items, retry a bounded number of times with
 * full jitter, then give up with TransactionConflictError (409).
 */
export async function createTransfer(
  store: TransferStore,
  command: CreateTransferCommand,
  now: () => Date = () => new Date(),
  retry: ConflictRetryPolicy = defaultConflictRetryPolicy,
): Promise<CreateTransferResult> {
  const transferId = deriveTransferId(command.principal, command.idempotencyKey);
  return withConflictRetries(retry, async () => {
    const startedAt = now();
    const result = await store.executeTransfer({
      transfer: { ...command.request, transferId, status: 'completed', createdAt: startedAt.toISOString() },
      principal: command.principal,
      idempotencyKey: command.idempotencyKey,
      consumeIssuedKey: command.consumeIssuedKey,
      nowEpochSeconds: Math.floor(startedAt.getTime() / 1000),
      recordCompletion: command.recordCompletion,
    });
    if (result.kind === 'already-executed' && !sameRequest(result.transfer, command.request)) {
      // The idempotency record expired or was lost, but the ledger still
      // knows this key moved other money: the same refusal as a mismatch.
      throw new IdempotencyPayloadMismatchError();
    }
    return { transfer: result.transfer, alreadyExecuted: result.kind === 'already-executed' };
  });
}

function sameRequest(transfer: Transfer, request: TransferRequest): boolean {
  return (
    transfer.fromAccountId === request.fromAccountId &&
    transfer.toAccountId === request.toAccountId &&
    transfer.amount === request.amount &&
    transfer.currency === request.currency &&
    transfer.reference === request.reference
  );
}
