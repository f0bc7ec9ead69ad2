import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { entriesOf, type Movement } from '../../domain/entry';
import { ledgerItemToTransfer } from './items';
import { parallelScan } from './parallel-scan';
import { ledgerItemToMovement } from './reconcile-store';
import { entryToItem, initiatedTransferItem, ownedAccountItem } from './statement-items';

export interface BackfillTables {
  readonly accounts: string;
  readonly ledger: string;
  readonly statements: string;
}

export interface BackfillOptions {
  readonly segments: number;
  /** After each page: the table and how many items it read. */
  readonly onPage?: (table: string, scannedItems: number) => void;
  /** Attempts of one movement's transaction against TransactionConflict (live traffic on its accounts). */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface BackfillReport {
  readonly movements: number;
  /** Movements whose entries this run wrote. */
  readonly written: number;
  /** Movements that had their entries already (written with the money, or by an earlier run). */
  readonly alreadyPresent: number;
  /** Movements left without entries; rerun the backfill once the cause is fixed. */
  readonly failed: ReadonlyArray<{ readonly movementId: string; readonly reason: 'account-missing' | 'conflict' }>;
  readonly accounts: number;
  readonly ownerItemsWritten: number;
  /** Accounts without a version and without movements, given version 0. */
  readonly versionsStarted: number;
  readonly durationMs: number;
}

const entryIsNew = 'attribute_not_exists(pk)';
const accountExists = 'attribute_exists(accountId)';
const hasNoVersion = 'attribute_not_exists(version)';

/** Movements of one page written at once. */
const CONCURRENCY = 8;

/**
 * `npm run backfill-entries`: gives data from before entries existed what
 * every movement writes today (adapters/dynamodb/transfer-store.ts), so the
 * reconciler can prove it. Per ledger item, one TransactWriteItems:
 *
 *   - its entries (domain/entry.ts: ids derived from the movement), each
 *     only if absent: a movement that has them, written with the money or
 *     by an earlier run, fails this condition and is skipped whole, so
 *     running the backfill twice writes nothing twice;
 *   - ADD version 1 on each account it touches, as every movement does:
 *     version stays the number of entries, whatever live traffic adds
 *     meanwhile (ADD counts from 0 on an account without a version);
 *   - a transfer's line in its initiator's list (GET /transfers), a pure
 *     function of the ledger item.
 *
 * Then each account gets its line in its owner's list (GET /accounts) if it
 * has none, and version 0 if it still has no version (it never moved).
 * Safe beside live traffic; run the reconciler after it, not during it (it
 * writes settled entries the reconciler would see appear).
 */
export class DynamoDbEntryBackfill {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: BackfillTables,
  ) {}

  async run(options: BackfillOptions): Promise<BackfillReport> {
    const started = Date.now();
    const counts = { movements: 0, written: 0, alreadyPresent: 0, accounts: 0, ownerItemsWritten: 0, versionsStarted: 0 };
    const failed: Array<BackfillReport['failed'][number]> = [];

    // 1. Every movement's entries.
    await parallelScan(this.documentClient, { TableName: this.tables.ledger }, options, async (items, scanned) => {
      await inPool(items, CONCURRENCY, async (item) => {
        const movement = ledgerItemToMovement(item);
        // Not every ledger item moves money (a transfer's reversal state does not).
        if (movement === undefined) return;
        counts.movements += 1;
        const outcome = await this.backfillMovement(item, movement, options);
        if (outcome === 'written') counts.written += 1;
        else if (outcome === 'already-present') counts.alreadyPresent += 1;
        else failed.push({ movementId: String(item.transferId), reason: outcome });
      });
      options.onPage?.('ledger', scanned);
    });

    // 2. Every account's owner list item and version.
    await parallelScan(this.documentClient, { TableName: this.tables.accounts }, options, async (items, scanned) => {
      await inPool(items, CONCURRENCY, async (item) => {
        counts.accounts += 1;
        if (await this.putIfAbsent(ownedAccountItem({ accountId: String(item.accountId), ownerId: String(item.ownerId), createdAt: String(item.createdAt) }))) {
          counts.ownerItemsWritten += 1;
        }
        if (item.version === undefined && (await this.startVersion(String(item.accountId)))) counts.versionsStarted += 1;
      });
      options.onPage?.('accounts', scanned);
    });

    return { ...counts, failed, durationMs: Date.now() - started };
  }

  private async backfillMovement(
    item: Record<string, unknown>,
    movement: Movement,
    options: BackfillOptions,
  ): Promise<'written' | 'already-present' | 'account-missing' | 'conflict'> {
    const entries = entriesOf(movement);
    const touched = entries.map((entry) => entry.accountId);
    const transactItems = [
      ...entries.map((entry) => ({
        Put: { TableName: this.tables.statements, Item: entryToItem(entry, movement.movementId), ConditionExpression: entryIsNew },
      })),
      ...touched.map((accountId) => ({
        Update: {
          TableName: this.tables.accounts,
          Key: { accountId },
          UpdateExpression: 'ADD version :one',
          ConditionExpression: accountExists,
          ExpressionAttributeValues: { ':one': 1 },
        },
      })),
      ...(movement.kind === 'transfer' ? [{ Put: { TableName: this.tables.statements, Item: initiatedTransferItem(ledgerItemToTransfer(item), String(item.initiatedBy)) } }] : []),
    ];
    const maxAttempts = options.maxAttempts ?? 5;
    const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.documentClient.send(new TransactWriteCommand({ TransactItems: transactItems }));
        return 'written';
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        const failedAt = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
        if (entries.some((_, index) => failedAt(index))) return 'already-present';
        if (touched.some((_, index) => failedAt(entries.length + index))) return 'account-missing';
        if (!reasons.some((reason) => reason.Code === 'TransactionConflict')) throw error;
        if (attempt >= maxAttempts) return 'conflict';
        await sleep(Math.floor(Math.random() * 50 * 2 ** attempt));
      }
    }
  }

  /** Writes a list item unless it exists; true when written. */
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.documentClient.send(new PutCommand({ TableName: this.tables.statements, Item: item, ConditionExpression: entryIsNew }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Version 0 for an account that has none; false when it has one (a movement gave it one meanwhile). */
  private async startVersion(accountId: string): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: { accountId },
          UpdateExpression: 'SET version = :zero',
          ConditionExpression: `${accountExists} AND ${hasNoVersion}`,
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
