import type { TableAccess, TableId } from './definitions';

type DynamoDbAction = `dynamodb:${string}`;

const GET_ITEM: DynamoDbAction = 'dynamodb:GetItem';
const PUT_ITEM: DynamoDbAction = 'dynamodb:PutItem';
const UPDATE_ITEM: DynamoDbAction = 'dynamodb:UpdateItem';
const DELETE_ITEM: DynamoDbAction = 'dynamodb:DeleteItem';
const BATCH_GET_ITEM: DynamoDbAction = 'dynamodb:BatchGetItem';
const QUERY: DynamoDbAction = 'dynamodb:Query';
const SCAN: DynamoDbAction = 'dynamodb:Scan';

/**
 * The IAM actions behind each access level in lib/definitions.ts, per table.
 * What "write" means differs by table, and the difference protects money:
 *
 * - accounts: balances change in place (UpdateItem); only POST /accounts
 *   creates an account (`create`: PutItem, always with attribute_not_exists,
 *   and GetItem to read an earlier opening back); none deletes one.
 * - ledger: append-only; PutItem of a new entry, never DeleteItem. The one
 *   updated item is a transfer's reversal state, granted as `update` on
 *   `rvs_*` keys alone (dynamodb:LeadingKeys).
 * - statements: append-only too (entries, list items); read by Query only.
 *   The owner's account counter is `update` on `accounts-opened#*` keys alone.
 * - idempotency: Powertools puts, reads, completes (UpdateItem) and deletes a
 *   record on error, and a transfer marks its key USED; issuing a key is a
 *   single PutItem.
 *
 * TransactWriteItems has no action of its own: IAM authorises each item as
 * its PutItem / UpdateItem / ConditionCheckItem. No transaction here holds a
 * ConditionCheck item, so ConditionCheckItem is granted nowhere; add it here
 * if one ever does. No table has an index; only the statements table is queried, and nothing
 * but the reconciler scans.
 *
 * `scan` is the reconciler's level (functions/reconcile.ts): Scan of the
 * whole table plus the consistent point reads of its re-check (an account
 * by GetItem, its entries by Query, a USED key's ledger item by GetItem),
 * and never a write. No other function is given it.
 */
export const TABLE_ACTIONS: Readonly<Record<TableId, Readonly<Record<TableAccess, readonly DynamoDbAction[]>>>> = {
  accounts: {
    read: [GET_ITEM],
    // GET /accounts reads one page of balances in one call.
    batchRead: [BATCH_GET_ITEM],
    write: [UPDATE_ITEM],
    readWrite: [GET_ITEM, UPDATE_ITEM],
    scan: [SCAN, GET_ITEM],
    create: [PUT_ITEM, GET_ITEM],
    update: [UPDATE_ITEM],
  },
  ledger: {
    read: [GET_ITEM],
    batchRead: [BATCH_GET_ITEM],
    write: [PUT_ITEM],
    readWrite: [GET_ITEM, PUT_ITEM],
    scan: [SCAN, GET_ITEM],
    create: [PUT_ITEM],
    update: [UPDATE_ITEM],
  },
  statements: {
    read: [QUERY],
    batchRead: [BATCH_GET_ITEM],
    write: [PUT_ITEM],
    readWrite: [QUERY, PUT_ITEM],
    scan: [SCAN, QUERY],
    create: [PUT_ITEM],
    update: [UPDATE_ITEM],
  },
  idempotency: {
    read: [GET_ITEM],
    batchRead: [BATCH_GET_ITEM],
    write: [PUT_ITEM],
    readWrite: [GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM],
    scan: [SCAN],
    create: [PUT_ITEM],
    update: [UPDATE_ITEM],
  },
};
