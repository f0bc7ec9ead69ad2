import { createHash } from 'node:crypto';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { issuedKeyId, ledgerItemToTransfer } from '../../adapters/dynamodb/items';
import { entryToItem, partitionKey, sortKey } from '../../adapters/dynamodb/statement-items';
import { entriesOf } from '../../domain/entry';
import { deriveTransferId } from '../../domain/idempotency-key';
import { itemSizeBytes, writeUnitsForSize } from '../../test/support/capacity-rules';
import type { BenchStore } from './environment';

/**
 * Write units of one first-time transfer computed from the sizes of the
 * items it wrote, by DynamoDB's rules (test/support/capacity-rules.ts),
 * independently of what DynamoDB Local reports, for each way of writing
 * those items:
 * - threeCalls: the in-progress PutItem, the seven money items, Powertools'
 *   completion UpdateItem (main at 8db00b0);
 * - twoCalls: the PutItem, then the seven and the completion in one
 *   transaction, where the completion costs 2 WCU per KB instead of 1 (the
 *   bench's floor, the target of issue 11);
 * - singleTransaction: the seven and the record put COMPLETED, one call.
 */
export interface ComputedTransferCapacity {
  readonly itemBytes: Readonly<Record<string, number>>;
  readonly units: {
    readonly putItem: number;
    readonly moneyItems: number;
    readonly completionUpdate: number;
    readonly completionInTransaction: number;
    readonly recordPutInTransaction: number;
  };
  readonly designs: { readonly threeCalls: number; readonly twoCalls: number; readonly singleTransaction: number };
}

export async function computeTransferCapacity(
  store: BenchStore,
  principal: string,
  transfer: { readonly key: string; readonly body: string },
): Promise<ComputedTransferCapacity> {
  const request = JSON.parse(transfer.body) as { fromAccountId: string; toAccountId: string };
  const get = async (table: string, key: Record<string, AttributeValue>) => {
    const { Item } = await store.setup.client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    if (Item === undefined) throw new Error(`no item ${JSON.stringify(key)} in ${table}`);
    return Item;
  };
  const { tableNames } = store;
  // Powertools' record id: its key prefix and the MD5 of the JMESPath selection [principal, operation, key].
  const recordId = `transfer#${createHash('md5').update(JSON.stringify([principal, 'transfer', transfer.key])).digest('base64')}`;
  const record = await get(tableNames.idempotency, { id: { S: recordId } });
  const ledger = await get(tableNames.ledger, { transferId: { S: deriveTransferId(principal, transfer.key) } });
  const from = await get(tableNames.accounts, { accountId: { S: request.fromAccountId } });
  const to = await get(tableNames.accounts, { accountId: { S: request.toAccountId } });
  const key = await get(tableNames.idempotency, { id: { S: issuedKeyId(principal, 'transfer', transfer.key) } });
  // The statements of the transfer, read back by their keys (derived from the ledger item).
  const { initiatedBy: _initiatedBy, ...moved } = ledgerItemToTransfer(unmarshall(ledger));
  const [debitEntry, creditEntry] = entriesOf({ ...moved, movementId: moved.transferId, kind: 'transfer' });
  const statementKey = (item: Record<string, unknown>) => ({ pk: { S: String(item.pk) }, sk: { S: String(item.sk) } });
  const debit = await get(tableNames.statements, statementKey(entryToItem(debitEntry as NonNullable<typeof debitEntry>, moved.transferId)));
  const credit = await get(tableNames.statements, statementKey(entryToItem(creditEntry as NonNullable<typeof creditEntry>, moved.transferId)));
  const initiated = await get(tableNames.statements, {
    pk: { S: partitionKey('initiator', principal) },
    sk: { S: sortKey(moved.createdAt, moved.transferId) },
  });

  // The in-progress record as the conditional put wrote it: no response yet.
  const inProgress: Record<string, AttributeValue> = {
    id: record.id as AttributeValue,
    expiration: record.expiration as AttributeValue,
    status: { S: 'INPROGRESS' },
    in_progress_expiration: { N: String(Date.now()) },
    ...(record.validation === undefined ? {} : { validation: record.validation }),
  };
  const itemBytes = {
    'idempotency record (in progress)': itemSizeBytes(inProgress),
    'idempotency record (completed)': itemSizeBytes(record),
    'ledger item': itemSizeBytes(ledger),
    'debited account': itemSizeBytes(from),
    'credited account': itemSizeBytes(to),
    'issued key (used)': itemSizeBytes(key),
    'debit entry': itemSizeBytes(debit),
    'credit entry': itemSizeBytes(credit),
    "initiator's list item": itemSizeBytes(initiated),
  };
  // An update costs the larger of the item before and after; every item here only grows.
  const putItem = writeUnitsForSize(itemBytes['idempotency record (in progress)']);
  const moneyItems = [
    itemBytes['ledger item'],
    itemBytes['debited account'],
    itemBytes['credited account'],
    itemBytes['debit entry'],
    itemBytes['credit entry'],
    itemBytes["initiator's list item"],
    itemBytes['issued key (used)'],
  ]
    .map((bytes) => writeUnitsForSize(bytes, true))
    .reduce((sum, units) => sum + units, 0);
  const recordBytes = Math.max(itemBytes['idempotency record (in progress)'], itemBytes['idempotency record (completed)']);
  const completionUpdate = writeUnitsForSize(recordBytes);
  const completionInTransaction = writeUnitsForSize(recordBytes, true);
  const recordPutInTransaction = writeUnitsForSize(itemBytes['idempotency record (completed)'], true);
  return {
    itemBytes,
    units: { putItem, moneyItems, completionUpdate, completionInTransaction, recordPutInTransaction },
    designs: {
      threeCalls: putItem + moneyItems + completionUpdate,
      twoCalls: putItem + moneyItems + completionInTransaction,
      singleTransaction: moneyItems + recordPutInTransaction,
    },
  };
}
