import type { Entry, EntryDirection, EntryKind } from '../../domain/entry';
import type { Transfer } from '../../domain/transfer';

/**
 * The items of the statements table (lib/definitions.ts): three kinds of
 * list, each one partition whose sort key orders it by time, then id.
 *
 *   pk                       sk                          item
 *   account#<accountId>      <createdAt>#<entryId>       an entry of that account
 *   initiator#<principal>    <createdAt>#<transferId>    a transfer that caller made
 *   owner#<principal>        <createdAt>#<accountId>     an account that caller owns
 *
 * `createdAt` is an ISO 8601 UTC timestamp of fixed width
 * (Date#toISOString), so string order is time order and the id after it
 * makes the order total. Every list is a single strongly consistent Query.
 */

export type StatementList = 'account' | 'initiator' | 'owner';

export function partitionKey(list: StatementList, id: string): string {
  return `${list}#${id}`;
}

export function sortKey(createdAt: string, id: string): string {
  return `${createdAt}#${id}`;
}

export interface StatementItem {
  readonly pk: string;
  readonly sk: string;
}

/** An entry as stored; null fields are left out. */
export function entryToItem(entry: Entry, movementId: string): StatementItem & Record<string, unknown> {
  return {
    pk: partitionKey('account', entry.accountId),
    sk: sortKey(entry.createdAt, entry.entryId),
    entryId: entry.entryId,
    accountId: entry.accountId,
    kind: entry.kind,
    direction: entry.direction,
    amount: entry.amount,
    currency: entry.currency,
    // The ledger item this entry belongs to: the reconciler pairs them.
    movementId,
    ...(entry.counterpartyAccountId === null ? {} : { counterpartyAccountId: entry.counterpartyAccountId }),
    ...(entry.transferId === null ? {} : { transferId: entry.transferId }),
    ...(entry.reversalId === null ? {} : { reversalId: entry.reversalId }),
    ...(entry.reference === null ? {} : { reference: entry.reference }),
    createdAt: entry.createdAt,
  };
}

export function itemToEntry(item: Record<string, unknown>): Entry {
  const optional = (name: string): string | null => (typeof item[name] === 'string' ? (item[name] as string) : null);
  return {
    entryId: String(item.entryId),
    accountId: String(item.accountId),
    kind: String(item.kind) as EntryKind,
    direction: String(item.direction) as EntryDirection,
    amount: Number(item.amount),
    currency: String(item.currency),
    counterpartyAccountId: optional('counterpartyAccountId'),
    transferId: optional('transferId'),
    reversalId: optional('reversalId'),
    reference: optional('reference'),
    createdAt: String(item.createdAt),
  };
}

/** The initiator's list item carries the whole transfer: a page of transfers is one Query, no reads behind it. */
export function initiatedTransferItem(transfer: Transfer, principal: string): StatementItem & Record<string, unknown> {
  return {
    pk: partitionKey('initiator', principal),
    sk: sortKey(transfer.createdAt, transfer.transferId),
    transferId: transfer.transferId,
    fromAccountId: transfer.fromAccountId,
    toAccountId: transfer.toAccountId,
    amount: transfer.amount,
    currency: transfer.currency,
    ...(transfer.reference === null ? {} : { reference: transfer.reference }),
    createdAt: transfer.createdAt,
  };
}

export function ownedAccountItem(account: { accountId: string; ownerId: string; createdAt: string }): StatementItem & Record<string, unknown> {
  return {
    pk: partitionKey('owner', account.ownerId),
    sk: sortKey(account.createdAt, account.accountId),
    accountId: account.accountId,
    createdAt: account.createdAt,
  };
}
