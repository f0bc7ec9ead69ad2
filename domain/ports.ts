import type { Operation } from './idempotency-key';
import type { Entry } from './entry';
import type { Transfer } from './transfer';

/**
 * What the use cases need from storage. The DynamoDB adapter in
 * adapters/dynamodb implements these; the domain never sees the SDK.
 */

export interface Account {
  readonly accountId: string;
  readonly ownerId: string;
  readonly currency: string;
  /** Minor units. */
  readonly balance: number;
  readonly createdAt: string;
}

export interface IssuedKey {
  readonly key: string;
  readonly principal: string;
  readonly operation: Operation;
  readonly createdAt: string;
  /** Epoch seconds; checked by the transaction, TTL only cleans up. */
  readonly expiresAtEpochSeconds: number;
}

/**
 * The caller's idempotency record completed with the answer to `result`, as
 * one more write of the very transaction that commits the result: the record
 * and the money change state together, so a retry right after a crash finds
 * the answer. Built by the idempotency mechanism
 * (functions/shared/idempotent-operation.ts); a use case only hands it to
 * its store, and the store adds the write last.
 */
export interface RecordCompletion<Result> {
  writeFor(result: Result): RecordCompletionWrite;
}

declare const storeWrite: unique symbol;
/** A write only the store understands (adapters/dynamodb/money-transaction.ts). */
export interface RecordCompletionWrite {
  readonly [storeWrite]: true;
}

export interface TransferExecution {
  readonly transfer: Transfer;
  readonly principal: string;
  readonly idempotencyKey: string;
  /** Whether the key must be an issued, unused, unexpired one (consumed in the same transaction). */
  readonly consumeIssuedKey: boolean;
  readonly nowEpochSeconds: number;
  readonly recordCompletion?: RecordCompletion<Transfer>;
}

/**
 * `committed`: this call moved the money. `already-executed`: an earlier
 * execution with the same transfer id did, and `transfer` is what it recorded.
 */
export type TransferExecutionResult =
  | { readonly kind: 'committed'; readonly transfer: Transfer }
  | { readonly kind: 'already-executed'; readonly transfer: Transfer };

export interface TransferStore {
  /**
   * Writes the ledger item, the debit, the credit and the key consumption
   * atomically, or throws a TransferServiceError saying why not.
   */
  executeTransfer(execution: TransferExecution): Promise<TransferExecutionResult>;
  getTransfer(transferId: string): Promise<(Transfer & { readonly initiatedBy: string }) | undefined>;
}

export interface AccountStore {
  getAccount(accountId: string): Promise<Account | undefined>;
}

export interface KeyStore {
  issueKey(key: IssuedKey): Promise<void>;
}

/** How many items a list page holds unless `limit` says otherwise, and at most. */
export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** One page of a list: `limit` items at most, in list order, after `after` (a position from an earlier page). */
export interface PageQuery {
  readonly limit: number;
  readonly after?: string;
  /** Inclusive lower bound of createdAt, ISO 8601 as Date#toISOString writes it. */
  readonly since?: string;
  /** Exclusive upper bound of createdAt, same format. */
  readonly until?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts; null on the last page. */
  readonly nextPosition: string | null;
}

/** The lists owners read (adapters/dynamodb/statement-store.ts). */
export interface StatementStore {
  /** An account's entries, newest first. */
  listEntries(accountId: string, page: PageQuery): Promise<Page<Entry>>;
  /** Transfers the caller initiated, newest first; only those sent from `fromAccountId` when given. */
  listInitiatedTransfers(principal: string, page: PageQuery, fromAccountId?: string): Promise<Page<Transfer>>;
  /** The caller's accounts, oldest first, with their balances. */
  listOwnedAccounts(ownerId: string, page: PageQuery): Promise<Page<Account>>;
}
