import type { Operation } from './idempotency-key';
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

export interface TransferExecution {
  readonly transfer: Transfer;
  readonly principal: string;
  readonly idempotencyKey: string;
  /** Whether the key must be an issued, unused, unexpired one (consumed in the same transaction). */
  readonly consumeIssuedKey: boolean;
  readonly nowEpochSeconds: number;
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
