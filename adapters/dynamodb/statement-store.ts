import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Entry } from '../../domain/entry';
import type { Account, Page, PageQuery, StatementStore } from '../../domain/ports';
import type { Transfer } from '../../domain/transfer';
import { itemToAccount, ledgerItemToTransfer } from './items';
import { itemToEntry, partitionKey, type StatementList } from './statement-items';
import { translateStoreError } from './store-errors';

export interface StatementTables {
  readonly accounts: string;
  readonly statements: string;
}

/** A filter on the items of a list, applied by DynamoDB after the key condition. */
interface ItemFilter {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** How many items one Query reads at most when a filter may drop most of them. */
const FILTERED_READ_BATCH = 200;

/**
 * The reads behind every list route: one partition of the statements table
 * (adapters/dynamodb/statement-items.ts), strongly consistent, so a list
 * read after a 201 contains what that 201 reported.
 *
 * Paging: a page asks DynamoDB for one item more than `limit`; if it comes,
 * there is a next page, and its position is the sort key of the page's last
 * item. Because the sort key is (time, id) and unique, resuming strictly
 * after it never repeats an item and never skips one that was already
 * there when the first page was read.
 */
export class DynamoDbStatementStore implements StatementStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: StatementTables,
  ) {}

  async listEntries(accountId: string, page: PageQuery): Promise<Page<Entry>> {
    const { items, nextPosition } = await this.queryPage('account', accountId, page, { newestFirst: true });
    return { items: items.map(itemToEntry), nextPosition };
  }

  async listInitiatedTransfers(principal: string, page: PageQuery, fromAccountId?: string): Promise<Page<Transfer>> {
    const filter: ItemFilter | undefined =
      fromAccountId === undefined
        ? undefined
        : { expression: '#from = :from', names: { '#from': 'fromAccountId' }, values: { ':from': fromAccountId } };
    const { items, nextPosition } = await this.queryPage('initiator', principal, page, { newestFirst: true, filter });
    return { items: items.map(itemToInitiatedTransfer), nextPosition };
  }

  async listOwnedAccounts(ownerId: string, page: PageQuery): Promise<Page<Account>> {
    const { items, nextPosition } = await this.queryPage('owner', ownerId, page, { newestFirst: false });
    const accountIds = items.map((item) => String(item.accountId));
    const accounts = await this.getAccounts(accountIds);
    // The list item is written in the same transaction as the account, so
    // each one has its account; the order is the list's.
    return {
      items: accountIds.map((accountId) => accounts.get(accountId)).filter((account): account is Account => account !== undefined),
      nextPosition,
    };
  }

  /**
   * Up to `limit` items of one list partition after `page.after`, within
   * since/until. With a filter, DynamoDB applies `Limit` before filtering,
   * so the page is filled over as many Query calls as it takes.
   */
  private async queryPage(
    list: StatementList,
    id: string,
    page: PageQuery,
    options: { readonly newestFirst: boolean; readonly filter?: ItemFilter | undefined },
  ): Promise<{ items: Record<string, unknown>[]; nextPosition: string | null }> {
    const pk = partitionKey(list, id);
    const range = sortKeyRange(page);
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined = page.after === undefined ? undefined : { pk, sk: page.after };
    try {
      do {
        const wanted = page.limit + 1 - items.length;
        const input: QueryCommandInput = {
          TableName: this.tables.statements,
          KeyConditionExpression: ['pk = :pk', ...(range.condition === undefined ? [] : [range.condition])].join(' AND '),
          ExpressionAttributeValues: { ':pk': pk, ...range.values, ...options.filter?.values },
          ...(options.filter === undefined
            ? {}
            : { FilterExpression: options.filter.expression, ExpressionAttributeNames: options.filter.names }),
          ScanIndexForward: !options.newestFirst,
          ConsistentRead: true,
          Limit: options.filter === undefined ? wanted : Math.max(wanted, FILTERED_READ_BATCH),
          ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
        };
        const result = await this.documentClient.send(new QueryCommand(input));
        items.push(...(result.Items ?? []).slice(0, wanted));
        exclusiveStartKey = result.LastEvaluatedKey;
      } while (items.length <= page.limit && exclusiveStartKey !== undefined);
    } catch (error) {
      return translateStoreError(error);
    }
    if (items.length <= page.limit) return { items, nextPosition: null };
    const pageItems = items.slice(0, page.limit);
    return { items: pageItems, nextPosition: String(pageItems[pageItems.length - 1]?.sk) };
  }

  /** Accounts by id, strongly consistent, in as few BatchGetItem calls as DynamoDB allows. */
  private async getAccounts(accountIds: readonly string[]): Promise<Map<string, Account>> {
    const accounts = new Map<string, Account>();
    let keys = accountIds.map((accountId) => ({ accountId }));
    try {
      for (let round = 0; keys.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        const result = await this.documentClient.send(
          new BatchGetCommand({ RequestItems: { [this.tables.accounts]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tables.accounts] ?? []) accounts.set(String(item.accountId), itemToAccount(item));
        // Throttled keys come back unprocessed: ask again, with backoff, a bounded number of times.
        keys = (result.UnprocessedKeys?.[this.tables.accounts]?.Keys ?? []) as { accountId: string }[];
        if (round >= 5 && keys.length > 0) throw Object.assign(new Error('BatchGetItem left keys unprocessed'), { name: 'ThrottlingException' });
      }
    } catch (error) {
      return translateStoreError(error);
    }
    return accounts;
  }
}

/** since (inclusive) and until (exclusive) as a condition on `sk` = "<createdAt>#<id>". */
function sortKeyRange(page: PageQuery): { condition?: string; values: Record<string, string> } {
  // "<until>" sorts before every "<until>#<id>": BETWEEN ... AND :until excludes the instant itself.
  if (page.since !== undefined && page.until !== undefined) {
    return { condition: 'sk BETWEEN :since AND :until', values: { ':since': page.since, ':until': page.until } };
  }
  if (page.since !== undefined) return { condition: 'sk >= :since', values: { ':since': page.since } };
  if (page.until !== undefined) return { condition: 'sk < :until', values: { ':until': page.until } };
  return { values: {} };
}

/** The initiator's list item holds the transfer's own fields, as the ledger item does. */
function itemToInitiatedTransfer(item: Record<string, unknown>): Transfer {
  const { initiatedBy: _initiatedBy, ...transfer } = ledgerItemToTransfer(item);
  return transfer;
}
