import { createHash } from 'node:crypto';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { IdempotencyKeyUnusableError, RequestInFlightError, StoreUnavailableError } from '../../domain/errors';
import type { Operation } from '../../domain/idempotency-key';
import type { RecordCompletion, RecordCompletionWrite } from '../../domain/ports';
import { issuedKeyId } from './items';
import { RECORD_ATTRIBUTES } from './record-completion-layer';
import { UnexpectedCancellationError, isTransientCancellation } from './store-errors';

/**
 * What every operation's TransactWriteItems shares (transfer, reversal,
 * account opening): the issued key spent in the same transaction, the list
 * items of the statements table, the ClientRequestToken, and reading the
 * CancellationReasons back. Each store builds its own items around these.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const keyWasIssued = 'attribute_exists(id)';
const keyIsForOperation = '#operation = :operation';
const keyIsUnused = '#status = :issued';
const keyIsUnexpired = 'expiresAt > :now';
const keyCondition = [keyWasIssued, keyIsForOperation, keyIsUnused, keyIsUnexpired].join(' AND ');
const listItemIsNew = 'attribute_not_exists(pk)';
const accountExists = 'attribute_exists(accountId)';
const ownedByCaller = 'ownerId = :principal';
const holdsCurrency = 'currency = :currency';
const coversAmount = 'balance >= :amount';
const staysWithinSafeRange = 'balance <= :creditCeiling';

/** The account debited: exists, is the caller's, holds the currency, covers the amount (no overdraft). */
export const debitCondition = [accountExists, ownedByCaller, holdsCurrency, coversAmount].join(' AND ');
/** The account credited: exists, holds the currency, stays within the safe integer range. */
export const creditCondition = [accountExists, holdsCurrency, staysWithinSafeRange].join(' AND ');

/**
 * The issued key becomes USED and names what the operation made. It is
 * never deleted: a late retry must still find it spent rather than re-open
 * the effect. Its id carries the caller and the operation, and the
 * condition checks the operation again: a key issued for another operation
 * or to another caller cannot be spent here.
 */
export function keyConsumption(input: {
  readonly table: string;
  readonly principal: string;
  readonly operation: Operation;
  readonly idempotencyKey: string;
  readonly resultId: string;
  readonly nowIso: string;
  readonly nowEpochSeconds: number;
}): TransactItem {
  return {
    Update: {
      TableName: input.table,
      Key: { id: issuedKeyId(input.principal, input.operation, input.idempotencyKey) },
      // `transferId` kept for transfers: the reconciler pairs used keys with their ledger items.
      UpdateExpression: `SET #status = :used, usedAt = :usedAt, resultId = :resultId${input.operation === 'transfer' ? ', transferId = :resultId' : ''}`,
      ConditionExpression: keyCondition,
      ExpressionAttributeNames: { '#status': 'status', '#operation': 'operation' },
      ExpressionAttributeValues: {
        ':operation': input.operation,
        ':issued': 'ISSUED',
        ':used': 'USED',
        ':now': input.nowEpochSeconds,
        ':usedAt': input.nowIso,
        ':resultId': input.resultId,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Why the key item's condition failed, from its old image (ALL_OLD). */
export function keyRefusal(oldKey: Record<string, unknown> | undefined, operation: Operation): IdempotencyKeyUnusableError {
  if (oldKey === undefined || oldKey.operation !== operation) return new IdempotencyKeyUnusableError('not-issued');
  if (oldKey.status !== 'ISSUED') return new IdempotencyKeyUnusableError('used');
  return new IdempotencyKeyUnusableError('expired');
}

/** A new item of the statements table (an entry or a list line); never overwritten. */
export function listPut(table: string, item: Record<string, unknown>): TransactItem {
  return { Put: { TableName: table, Item: item, ConditionExpression: listItemIsNew } };
}

/** The write a record completion stands for (record-completion-layer.ts builds it). */
export function asRecordCompletionWrite(item: TransactItem): RecordCompletionWrite {
  return item as unknown as RecordCompletionWrite;
}

/**
 * The operation's items with the completion of the caller's idempotency
 * record last, so every other item keeps its position, and where it is:
 * when its condition fails the record is no longer this invocation's (it
 * was taken over after its lease), and `recordTakenOver` says so.
 */
export function withRecordCompletion<R>(items: TransactItem[], completion: RecordCompletion<R> | undefined, result: R): { readonly items: TransactItem[]; readonly recordIndex: number | undefined } {
  if (completion === undefined) return { items, recordIndex: undefined };
  return { items: [...items, completion.writeFor(result) as unknown as TransactItem], recordIndex: items.length };
}

/** Lambda's longest timeout: no lease outlasts it. */
const MAX_LEASE_SECONDS = 900;

/**
 * Another invocation took the record over after this one's lease ended:
 * like a duplicate in flight, a 409, and a retry gets that invocation's
 * answer, after the lease it holds (its old image, ALL_OLD), or at once if
 * it has completed. Nothing of this one was written.
 */
export function recordTakenOver(
  cancelled: { failed(index: number): boolean; oldItem(index: number): Record<string, unknown> | undefined },
  recordIndex: number | undefined,
  error: unknown,
): void {
  if (recordIndex === undefined || !cancelled.failed(recordIndex)) return;
  const holder = cancelled.oldItem(recordIndex);
  const held = holder?.[RECORD_ATTRIBUTES.inProgressExpiryAttr];
  const lease = holder?.[RECORD_ATTRIBUTES.statusAttr] === 'INPROGRESS' && typeof held === 'number' ? held : Date.now();
  throw RequestInFlightError.untilLeaseEnds(lease, Date.now(), MAX_LEASE_SECONDS, { cause: error });
}

/** At most 36 characters, a pure function of the result id: the SDK's retries of one transaction are idempotent. */
export function clientRequestToken(resultId: string): string {
  return createHash('sha256').update(`crt\u0000${resultId}`).digest('hex').slice(0, 36);
}

/** The cancellation reasons of a TransactionCanceledException, with each old image unmarshalled; undefined for other errors. */
export function cancellation(error: unknown): { readonly codes: readonly string[]; failed(index: number): boolean; oldItem(index: number): Record<string, unknown> | undefined } | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  return {
    codes: reasons.map((reason) => reason.Code ?? 'None'),
    failed: (index) => reasons[index]?.Code === 'ConditionalCheckFailed',
    oldItem: (index) => {
      const item = reasons[index]?.Item;
      return item === undefined ? undefined : unmarshall(item);
    },
  };
}

export type CommitOutcome<R> = { readonly kind: 'committed' } | { readonly kind: 'already-executed'; readonly recorded: R };

export interface CommitSpec<R> {
  /** Sends the operation's TransactWriteItems, with or without its ClientRequestToken. */
  send(withToken: boolean): Promise<void>;
  /** The result item an earlier execution wrote, if one committed. */
  readBack(): Promise<R | undefined>;
  /**
   * A cancelled transaction or any other failure, explained: the result an
   * earlier execution recorded (the result item's condition failed), or a
   * thrown domain error.
   */
  explain(error: unknown): Promise<R>;
  /** Whether a recorded result is this very attempt's own (same timestamp): then it is our commit. */
  isOwnAttempt(recorded: R): boolean;
}

/**
 * Sends a money transaction once, in the sense that matters: the operation's
 * result item is written at most once, and this call says whether it was
 * this call that wrote it.
 *
 * - IdempotentParameterMismatchException: the token was used within the last
 *   10 minutes with other parameters (another timestamp), by an earlier
 *   execution. If that one committed, its result item says so; if it did not,
 *   the token alone would block us for 10 minutes, so run once more without
 *   it: the result item's `attribute_not_exists` still guards the effect.
 *   Without a token, the SDK's own retry of our commit (answer lost) finds
 *   the item this very attempt wrote: our commit, not an earlier one.
 * - TransactionInProgressException: another execution is running this very
 *   transaction right now: like a duplicate in flight, a 409.
 */
export async function commitOnce<R>(spec: CommitSpec<R>): Promise<CommitOutcome<R>> {
  try {
    await spec.send(true);
    return { kind: 'committed' };
  } catch (error) {
    if (errorName(error) === 'TransactionInProgressException') throw new RequestInFlightError({ cause: error });
    if (errorName(error) !== 'IdempotentParameterMismatchException') return { kind: 'already-executed', recorded: await spec.explain(error) };
  }
  const earlier = await spec.readBack();
  if (earlier !== undefined) return { kind: 'already-executed', recorded: earlier };
  try {
    await spec.send(false);
    return { kind: 'committed' };
  } catch (retryError) {
    if (errorName(retryError) === 'IdempotentParameterMismatchException') throw new StoreUnavailableError({ cause: retryError });
    if (errorName(retryError) === 'TransactionInProgressException') throw new RequestInFlightError({ cause: retryError });
    const recorded = await spec.explain(retryError);
    return spec.isOwnAttempt(recorded) ? { kind: 'committed' } : { kind: 'already-executed', recorded };
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * A cancellation no condition of ours explains. Throttling and internal
 * errors surface as cancellation reasons too (503, a retry is safe); any
 * other reason is ours to fix, not the client's to retry (a logged 500).
 */
export function unexplainedCancellation(error: unknown, codes: readonly string[]): never {
  if (isTransientCancellation(codes)) throw new StoreUnavailableError({ cause: error });
  throw new UnexpectedCancellationError(codes, { cause: error });
}
