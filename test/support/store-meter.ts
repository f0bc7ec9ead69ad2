import type { AttributeValue, ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes, writeUnitsForSize } from './capacity-rules';

/**
 * Counts what a DynamoDB client sends, as a middleware on the real client
 * (the handlers' shared client or any other): requests per command, SDK
 * retries included, and the capacity units they consumed.
 *
 * Capacity comes from `ConsumedCapacity` when `requestCapacity` asks every
 * call for it (`ReturnConsumedCapacity: TOTAL`), with two corrections where
 * DynamoDB Local departs from what DynamoDB bills, counted apart as
 * `computedWrite`:
 * - a conditional write that fails reports nothing, yet DynamoDB bills it:
 *   its units are computed from the item sizes (the larger of the item sent
 *   and the item found, which ALL_OLD returns);
 * - DynamoDB Local reports a transaction's units per table as if that
 *   table's items were one item (two 155-byte account updates: 2 WCU),
 *   while DynamoDB bills 2 WCU per KB per item, rounded up per item
 *   (4 WCU). Per table the meter takes the larger of the reported figure and
 *   2 WCU per item: exact while every item is under 1 KB (bench/run.ts
 *   cross-checks a transfer from its item sizes).
 */
export interface StoreMeter {
  /** Requests sent, by SDK command name (`PutItemCommand`, ...), since the last reset. */
  readonly calls: ReadonlyMap<string, number>;
  /** All requests sent since the last reset. */
  totalCalls(): number;
  readonly units: {
    /** Write units, as reported plus as computed. */
    readonly write: number;
    readonly read: number;
    /** The part of `write` computed rather than reported (see above). */
    readonly computedWrite: number;
    /** Requests that reported no capacity and could not be computed. */
    readonly unaccounted: number;
  };
  reset(): void;
}

const READ_COMMANDS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);
const CAPACITY_COMMANDS = new Set([
  ...READ_COMMANDS,
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

const meters = new WeakMap<DynamoDBClient, StoreMeter>();

export function meterStore(client: DynamoDBClient, options: { requestCapacity?: boolean } = {}): StoreMeter {
  const existing = meters.get(client);
  if (existing !== undefined) return existing;
  const calls = new Map<string, number>();
  const units = { write: 0, read: 0, computedWrite: 0, unaccounted: 0 };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      const input = args.input as Record<string, unknown>;
      const measured =
        options.requestCapacity === true && CAPACITY_COMMANDS.has(command) && input.ReturnConsumedCapacity === undefined
          ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } }
          : args;
      const isRead = READ_COMMANDS.has(command);
      try {
        const result = await next(measured);
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[]; $metadata?: { attempts?: number } };
        count(command, output.$metadata?.attempts);
        const reported = sumCapacity(output.ConsumedCapacity);
        if (reported === undefined) {
          units.unaccounted += 1;
        } else if (isRead) {
          units.read += reported;
        } else {
          const billed = command === 'TransactWriteItemsCommand' ? transactionWriteUnits(input, output.ConsumedCapacity) : reported;
          units.write += billed;
          units.computedWrite += billed - reported;
        }
        return result;
      } catch (error) {
        count(command, (error as { $metadata?: { attempts?: number } }).$metadata?.attempts);
        const computed = failedWriteUnits(error, input);
        if (computed === undefined) {
          units.unaccounted += 1;
        } else {
          units.write += computed;
          units.computedWrite += computed;
        }
        throw error;
      }
    },
    // Outside the retry middleware: one entry per call, `attempts` says how many requests it took.
    { step: 'initialize', name: 'storeMeter', priority: 'low' },
  );

  function count(command: string, attempts: number | undefined): void {
    calls.set(command, (calls.get(command) ?? 0) + (attempts ?? 1));
  }

  const meter: StoreMeter = {
    calls,
    totalCalls: () => [...calls.values()].reduce((sum, value) => sum + value, 0),
    units,
    reset() {
      calls.clear();
      Object.assign(units, { write: 0, read: 0, computedWrite: 0, unaccounted: 0 });
    },
  };
  meters.set(client, meter);
  return meter;
}

function sumCapacity(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number | undefined {
  if (consumed === undefined) return undefined;
  const entries = Array.isArray(consumed) ? consumed : [consumed];
  return entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

/** Per table, the larger of what DynamoDB Local reported and 2 WCU for each of the table's items. */
function transactionWriteUnits(input: Record<string, unknown>, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number {
  const itemsPerTable = new Map<string, number>();
  for (const item of (input.TransactItems ?? []) as Array<Record<string, { TableName?: string } | undefined>>) {
    const table = Object.values(item).find((operation) => operation?.TableName !== undefined)?.TableName ?? '';
    itemsPerTable.set(table, (itemsPerTable.get(table) ?? 0) + 1);
  }
  const reportedPerTable = new Map<string, number>();
  for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
    reportedPerTable.set(entry.TableName ?? '', (reportedPerTable.get(entry.TableName ?? '') ?? 0) + (entry.CapacityUnits ?? 0));
  }
  let units = 0;
  for (const table of new Set([...itemsPerTable.keys(), ...reportedPerTable.keys()])) {
    units += Math.max(reportedPerTable.get(table) ?? 0, writeUnitsForSize(0, true) * (itemsPerTable.get(table) ?? 0));
  }
  return units;
}

/**
 * A conditional PutItem/UpdateItem/DeleteItem that fails still consumes
 * write units for the item, at least one. The item sent is the input's
 * (low-level, marshalled) `Item` when there is one; the item found is the
 * ALL_OLD copy in the error.
 */
function failedWriteUnits(error: unknown, input: Record<string, unknown>): number | undefined {
  if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') return undefined;
  const found = (error as { Item?: Record<string, AttributeValue> }).Item;
  const sent = isMarshalledItem(input.Item) ? input.Item : undefined;
  const bytes = Math.max(found === undefined ? 0 : itemSizeBytes(found), sent === undefined ? 0 : itemSizeBytes(sent));
  return writeUnitsForSize(bytes);
}

function isMarshalledItem(value: unknown): value is Record<string, AttributeValue> {
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).every(
    (attribute) => typeof attribute === 'object' && attribute !== null && Object.keys(attribute).length === 1,
  );
}
