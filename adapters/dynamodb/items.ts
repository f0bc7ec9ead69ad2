import type { Account } from '../../domain/ports';
import { ISSUED_KEY_ID_PREFIX } from '../../lib/definitions';
import type { Transfer } from '../../domain/transfer';

/**
 * Item shapes and key builders: how domain objects are laid out in the
 * tables described by lib/definitions.ts.
 */

export type LedgerKind = 'transfer' | 'funding' | 'reversal';

export interface LedgerItem {
  readonly transferId: string;
  readonly kind: LedgerKind;
  /** Absent on funding entries: money entering the system from outside. */
  readonly fromAccountId?: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference?: string;
  readonly status: 'completed';
  readonly createdAt: string;
  readonly initiatedBy: string;
}

export interface AccountItem extends Account {
  readonly updatedAt?: string;
}

/**
 * Every movement bumps the `version` of each account it touches, in the
 * same transaction as its entry: version = number of entries. The
 * reconciler reads an account, its entries, and the account again; an
 * unchanged version proves no movement landed in between (see
 * adapters/dynamodb/reconcile-store.ts). ADD starts from 0 on accounts
 * opened before versions existed (the backfill counts their old entries in).
 */
export const moveBalance = (sign: '+' | '-'): string => `SET balance = balance ${sign} :amount, updatedAt = :now ADD version :one`;

export function issuedKeyId(principal: string, operation: string, key: string): string {
  return `${ISSUED_KEY_ID_PREFIX}${operation}#${principal}#${key}`;
}

export function transferToLedgerItem(transfer: Transfer, initiatedBy: string): LedgerItem {
  return {
    transferId: transfer.transferId,
    kind: 'transfer',
    fromAccountId: transfer.fromAccountId,
    toAccountId: transfer.toAccountId,
    amount: transfer.amount,
    currency: transfer.currency,
    ...(transfer.reference === null ? {} : { reference: transfer.reference }),
    status: transfer.status,
    createdAt: transfer.createdAt,
    initiatedBy,
  };
}

/** The API's view of a transfer; every answer about it is built here, so a replay is byte-identical. */
export function ledgerItemToTransfer(item: Record<string, unknown>): Transfer & { initiatedBy: string } {
  return {
    transferId: String(item.transferId),
    fromAccountId: String(item.fromAccountId),
    toAccountId: String(item.toAccountId),
    amount: Number(item.amount),
    currency: String(item.currency),
    reference: typeof item.reference === 'string' ? item.reference : null,
    status: 'completed',
    createdAt: String(item.createdAt),
    initiatedBy: String(item.initiatedBy),
  };
}

export function itemToAccount(item: Record<string, unknown>): Account {
  return {
    accountId: String(item.accountId),
    ownerId: String(item.ownerId),
    currency: String(item.currency),
    balance: Number(item.balance),
    createdAt: String(item.createdAt),
  };
}
