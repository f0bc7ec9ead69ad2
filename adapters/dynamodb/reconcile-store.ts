import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EntryDirection, EntryKind, Movement } from '../../domain/entry';
import type { AccountRow, EntryRow } from '../../domain/ledger-tally';
import type { AccountReading, LedgerSource, ScanOptions, ScanSink, UsedKeyRow } from '../../domain/reconcile';
import { parallelScan } from './parallel-scan';
import { partitionKey } from './statement-items';

export interface ReconcileTables {
  readonly accounts: string;
  readonly ledger: string;
  readonly statements: string;
  readonly idempotency: string;
}

const ACCOUNT_FIELDS = ['accountId', 'currency', 'balance', 'version'];
const ENTRY_FIELDS = ['accountId', 'movementId', 'kind', 'direction', 'amount', 'currency', 'counterpartyAccountId', 'createdAt'];
const MOVEMENT_FIELDS = ['transferId', 'kind', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'createdAt', 'reversedTransferId'];

/** Ledger items that move money; the ledger also holds others (a transfer's reversal state). */
const MOVEMENT_KINDS: ReadonlySet<string> = new Set<EntryKind>(['transfer', 'funding', 'reversal']);

// Only entries: the statements table also holds the initiators' and owners' lists.
const isEntry = 'begins_with(#pk, :accountList)';
// Only issued keys that a transaction used (issuedKeyId: `key#<operation>#...`), not the Powertools records beside them.
const isUsedKey = 'begins_with(#id, :keys) AND #status = :used';

/** How many ledger look-ups of USED keys run at once. */
const KEY_LOOKUP_CONCURRENCY = 16;

/**
 * The DynamoDB side of the reconciler (domain/reconcile.ts explains what it
 * proves and why the reads are these): parallel Scan segments over the four
 * tables, every page strongly consistent and handed to the domain as it
 * arrives, and the consistent re-read of one account.
 */
export class DynamoDbLedgerSource implements LedgerSource {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: ReconcileTables,
  ) {}

  async scan(sink: ScanSink, options: ScanOptions): Promise<void> {
    const accountList = partitionKey('account', '');
    await Promise.all([
      this.scanTable('accounts', { TableName: this.tables.accounts, ...projection(ACCOUNT_FIELDS) }, options, (items) =>
        sink.accounts(items.map(toAccountRow)),
      ),
      this.scanTable(
        'statements',
        {
          TableName: this.tables.statements,
          ...projection(ENTRY_FIELDS, { '#pk': 'pk' }),
          FilterExpression: isEntry,
          ExpressionAttributeValues: { ':accountList': accountList },
        },
        options,
        (items) => sink.entries(items.map(toEntryRow)),
      ),
      this.scanTable('ledger', { TableName: this.tables.ledger, ...projection(MOVEMENT_FIELDS) }, options, (items) =>
        sink.movements(items.map(ledgerItemToMovement).filter((movement): movement is Movement => movement !== undefined)),
      ),
      this.scanTable(
        'idempotency',
        {
          TableName: this.tables.idempotency,
          ...projection(['id', 'operation', 'resultId', 'transferId'], { '#id': 'id', '#status': 'status' }),
          FilterExpression: isUsedKey,
          ExpressionAttributeValues: { ':keys': 'key#', ':used': 'USED' },
        },
        options,
        (items) => sink.usedKeys(items.map(toUsedKeyRow)),
      ),
    ]);
  }

  /**
   * GetItem, every entry by Query, GetItem again, all strongly consistent:
   * with the version unchanged in between, the entries read are exactly
   * those of that version (domain/reconcile.ts, (1)).
   */
  async readAccountSettled(accountId: string, onEntries: (rows: readonly EntryRow[]) => void): Promise<AccountReading> {
    const before = await this.readAccount(accountId);
    if (before === undefined) return { kind: 'missing' };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documentClient.send(
        new QueryCommand({
          TableName: this.tables.statements,
          KeyConditionExpression: '#pk = :pk',
          ...projection(ENTRY_FIELDS, { '#pk': 'pk' }),
          ExpressionAttributeValues: { ':pk': partitionKey('account', accountId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      onEntries((page.Items ?? []).map(toEntryRow));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const after = await this.readAccount(accountId);
    if (after === undefined) return { kind: 'missing' };
    return before.version === after.version ? { kind: 'read', account: after } : { kind: 'moved' };
  }

  async missingLedgerItems(ids: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const transferId = ids[next++] as string;
        const { Item } = await this.documentClient.send(
          new GetCommand({ TableName: this.tables.ledger, Key: { transferId }, ConsistentRead: true, ProjectionExpression: 'transferId' }),
        );
        if (Item === undefined) missing.push(transferId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(KEY_LOOKUP_CONCURRENCY, ids.length) }, worker));
    return missing;
  }

  private async readAccount(accountId: string): Promise<AccountRow | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.accounts, Key: { accountId }, ConsistentRead: true, ...projection(ACCOUNT_FIELDS) }),
    );
    return Item === undefined ? undefined : toAccountRow(Item);
  }

  /** One table, every page to `onItems` (strongly consistent: domain/reconcile.ts, (2)), then counted. */
  private scanTable(
    table: string,
    input: ScanCommandInput,
    options: ScanOptions,
    onItems: (items: Record<string, unknown>[]) => void | Promise<void>,
  ): Promise<void> {
    return parallelScan(this.documentClient, input, options, async (items, scannedCount) => {
      await onItems(items);
      options.onPage?.(table, scannedCount);
    });
  }
}

/** A projection of `fields`, every name through a placeholder (several are DynamoDB reserved words). */
function projection(fields: readonly string[], extraNames: Record<string, string> = {}) {
  const names = Object.fromEntries(fields.map((field, index) => [`#f${index}`, field]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: { ...names, ...extraNames } };
}

function toAccountRow(item: Record<string, unknown>): AccountRow {
  return {
    accountId: String(item.accountId),
    currency: String(item.currency),
    balance: Number(item.balance),
    version: item.version === undefined ? undefined : Number(item.version),
  };
}

function toEntryRow(item: Record<string, unknown>): EntryRow {
  return {
    accountId: String(item.accountId),
    movementId: String(item.movementId),
    kind: String(item.kind) as EntryKind,
    direction: String(item.direction) as EntryDirection,
    amount: Number(item.amount),
    currency: String(item.currency),
    counterpartyAccountId: typeof item.counterpartyAccountId === 'string' ? item.counterpartyAccountId : null,
    createdAt: String(item.createdAt),
  };
}

/** A ledger item as the movement its entries are made from (domain/entry.ts); undefined for items that move no money. */
export function ledgerItemToMovement(item: Record<string, unknown>): Movement | undefined {
  if (!MOVEMENT_KINDS.has(String(item.kind))) return undefined;
  return {
    movementId: String(item.transferId),
    kind: String(item.kind) as EntryKind,
    ...(typeof item.fromAccountId === 'string' ? { fromAccountId: item.fromAccountId } : {}),
    toAccountId: String(item.toAccountId),
    amount: Number(item.amount),
    currency: String(item.currency),
    // The reconciler does not project it: it compares no reference.
    reference: typeof item.reference === 'string' ? item.reference : null,
    createdAt: String(item.createdAt),
    ...(typeof item.reversedTransferId === 'string' ? { reversedTransferId: item.reversedTransferId } : {}),
  };
}

function toUsedKeyRow(item: Record<string, unknown>): UsedKeyRow {
  // Keys used before `resultId` existed name their transfer in `transferId`.
  const resultId = typeof item.resultId === 'string' ? item.resultId : typeof item.transferId === 'string' ? item.transferId : undefined;
  return { keyId: String(item.id), operation: String(item.operation), resultId };
}
