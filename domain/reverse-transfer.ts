import { defaultConflictRetryPolicy, withConflictRetries, type ConflictRetryPolicy } from './conflict-retry';
import { IdempotencyPayloadMismatchError, ReversalNotAllowedError, ReversalTargetNotFoundError, type TransferServiceError } from './errors';
import { deriveResultId } from './idempotency-key';
import type { Account, RecordCompletion } from './ports';
import type { Transfer } from './transfer';
import { validateObject } from './schema-validation';
import { REVERSAL_REQUEST_SCHEMA } from './schemas';

/** What a client asks for in the body of POST /transfers/{transferId}/reversals. */
export interface ReversalRequest {
  readonly transferId: string;
  /** Minor units, a positive safe integer. */
  readonly amount: number;
  readonly reference: string | null;
}

/**
 * Money sent back: `fromAccountId` is the account debited now (the one the
 * transfer credited), `toAccountId` the original sender's.
 */
export interface Reversal {
  readonly reversalId: string;
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference: string | null;
  readonly createdAt: string;
}

export interface ReversalExecution {
  readonly reversal: Reversal;
  /** The amount of the transfer reversed: the most its reversals may add up to. */
  readonly transferAmount: number;
  readonly principal: string;
  readonly idempotencyKey: string;
  readonly consumeIssuedKey: boolean;
  readonly nowEpochSeconds: number;
  readonly recordCompletion?: RecordCompletion<Reversal>;
}

export type ReversalExecutionResult =
  | { readonly kind: 'committed'; readonly reversal: Reversal }
  | { readonly kind: 'already-executed'; readonly reversal: Reversal };

export interface ReversalStore {
  /** Why the caller's key cannot be spent on a reversal now; undefined when it can. */
  keyRefusal(principal: string, idempotencyKey: string, nowEpochSeconds: number): Promise<TransferServiceError | undefined>;
  /** The transfer to reverse, with who made it; undefined if there is none. */
  getTransfer(transferId: string): Promise<(Transfer & { readonly initiatedBy: string }) | undefined>;
  getAccount(accountId: string): Promise<Account | undefined>;
  /**
   * Writes the reversal's ledger item, the remaining-reversible guard, the
   * debit, the credit, the two entries and the key consumption atomically,
   * or throws a TransferServiceError saying why not.
   */
  executeReversal(execution: ReversalExecution): Promise<ReversalExecutionResult>;
}

const TRANSFER_ID = /^tr_[0-9a-f]{32}$/;

export function parseReversalRequest(transferId: string | undefined, body: unknown): ReversalRequest {
  const fields = validateObject(REVERSAL_REQUEST_SCHEMA, body) as { amount: number; reference?: string | null };
  // A malformed transfer id is a transfer that does not exist: answered by the use case, final for the key.
  return { transferId: String(transferId ?? ''), amount: fields.amount, reference: fields.reference ?? null };
}

/**
 * Sends (part of) a received transfer back, once per (principal, key).
 *
 * Primary course:
 *  1. Derive the reversal id from (principal, key); refuse an unusable key.
 *  2. Read the transfer and the account it credited: only that account's
 *     owner may reverse it. The initiator is told 403; anyone else 404, as
 *     for a transfer that does not exist. Both are final for the key.
 *  3. Ask the store for one transaction: the reversal's ledger item, the
 *     transfer's remaining reversible amount down by `amount` (never below
 *     zero, so racing reversals never add up to more than the transfer),
 *     the debit of the receiver, the credit of the original sender, the two
 *     entries and the key.
 *  4. If an earlier execution already wrote the reversal, answer with it.
 */
export async function reverseTransfer(
  store: ReversalStore,
  command: {
    readonly principal: string;
    readonly idempotencyKey: string;
    readonly request: ReversalRequest;
    readonly consumeIssuedKey: boolean;
    readonly recordCompletion?: RecordCompletion<Reversal>;
  },
  now: () => Date = () => new Date(),
  retry: ConflictRetryPolicy = defaultConflictRetryPolicy,
): Promise<{ readonly reversal: Reversal; readonly alreadyExecuted: boolean }> {
  const { principal, request } = command;
  const reversalId = deriveResultId('reversal', principal, command.idempotencyKey);
  // The key first: the refusals below are final and stored, and an unusable
  // key (not issued, another operation's, expired, used) must be told as
  // such, with nothing stored, as every operation does.
  if (command.consumeIssuedKey) {
    const refusal = await store.keyRefusal(principal, command.idempotencyKey, Math.floor(now().getTime() / 1000));
    if (refusal !== undefined) throw refusal;
  }
  const transfer = TRANSFER_ID.test(request.transferId) ? await store.getTransfer(request.transferId) : undefined;
  if (transfer === undefined) throw new ReversalTargetNotFoundError(request.transferId.slice(0, 64));
  const receiving = await store.getAccount(transfer.toAccountId);
  if (receiving?.ownerId !== principal) {
    if (transfer.initiatedBy === principal) throw new ReversalNotAllowedError(transfer.transferId);
    throw new ReversalTargetNotFoundError(transfer.transferId);
  }
  return withConflictRetries(retry, async () => {
    const startedAt = now();
    const result = await store.executeReversal({
      reversal: {
        reversalId,
        transferId: transfer.transferId,
        fromAccountId: transfer.toAccountId,
        toAccountId: transfer.fromAccountId,
        amount: request.amount,
        currency: transfer.currency,
        reference: request.reference,
        createdAt: startedAt.toISOString(),
      },
      transferAmount: transfer.amount,
      principal,
      idempotencyKey: command.idempotencyKey,
      consumeIssuedKey: command.consumeIssuedKey,
      nowEpochSeconds: Math.floor(startedAt.getTime() / 1000),
      recordCompletion: command.recordCompletion,
    });
    const { reversal } = result;
    if (
      result.kind === 'already-executed' &&
      (reversal.transferId !== request.transferId || reversal.amount !== request.amount || reversal.reference !== request.reference)
    ) {
      throw new IdempotencyPayloadMismatchError();
    }
    return { reversal, alreadyExecuted: result.kind === 'already-executed' };
  });
}

/** The reversal as the API shows it, fields in one fixed order. */
export function reversalView(reversal: Reversal): Reversal {
  return {
    reversalId: reversal.reversalId,
    transferId: reversal.transferId,
    fromAccountId: reversal.fromAccountId,
    toAccountId: reversal.toAccountId,
    amount: reversal.amount,
    currency: reversal.currency,
    reference: reversal.reference,
    createdAt: reversal.createdAt,
  };
}
