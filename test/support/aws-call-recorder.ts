import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TABLES, type FunctionId, type TableId } from '../../lib/definitions';

/**
 * TEST ONLY. Records every AWS call a function makes while the tests run,
 * as IAM would see it, for the IAM conformance check that runs after them
 * (test/infra/iam-conformance.after-run.test.ts).
 *
 * A middleware on every SDK client of the process (`Client.prototype.send`
 * of @smithy/core is patched to add it once per middleware stack), in the
 * `build` step: after the document client has marshalled the input, before
 * the SDK's own retries, so each call is recorded once, as sent. A call
 * belongs to the function whose invocation made it:
 *
 * - sources (test/support/record-aws-calls.ts, every jest test file): each
 *   handler of lib/definitions.ts is wrapped to run in an AsyncLocalStorage
 *   scope naming its function;
 * - bundles (test/support/aws-call-recorder-preload.ts, loaded into each
 *   child of local/bundled-handlers.ts): the process is one function.
 *
 * Nothing outside test/ imports this file, and no bundle contains it
 * (test/infra/fault-injection-isolation.test.ts looks for the marker).
 */

/** Found in any bundle that contains this module. */
export const AWS_CALL_RECORDER_MARKER = 'exactly-once-transfers:test-aws-call-recorder';

export type HandlerMode = 'source' | 'bundled';

/** One item-level request as IAM authorises it. */
export interface RecordedCall {
  readonly kind: 'call';
  readonly functionId: FunctionId;
  readonly mode: HandlerMode;
  /** Test file that made it, relative to the repository. */
  readonly test: string;
  /** IAM service prefix, e.g. `dynamodb`. */
  readonly service: string;
  /** The API operation, e.g. `TransactWriteItems`. */
  readonly operation: string;
  /** The IAM action authorised, e.g. `dynamodb:PutItem` for a Put item of a transaction. */
  readonly action: string;
  /** DynamoDB: the table name sent, and which table of lib/definitions.ts it is. */
  readonly tableName?: string;
  readonly tableId?: TableId | null;
  readonly indexName?: string;
  /** Item operations: key attributes of the item, as strings. */
  readonly key?: Readonly<Record<string, string>>;
  /** Query: the attributes the key condition fixes with `=`. */
  readonly keyCondition?: Readonly<Record<string, string>>;
  readonly returnValues?: string;
  readonly select?: string;
}

/** A function ran (whether or not it called AWS). */
export interface RecordedInvocation {
  readonly kind: 'invocation';
  readonly functionId: FunctionId;
  readonly mode: HandlerMode;
  readonly test: string;
}

export type RecordedEvent = RecordedCall | RecordedInvocation;

export interface FunctionScope {
  readonly functionId: FunctionId;
  readonly mode: HandlerMode;
}

type AttributeValue = Readonly<Record<string, unknown>> | string | number | boolean | null | undefined;

/** `{ S: 'x' }` (or a document-client value) as the string IAM compares. */
function scalar(value: AttributeValue): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined || typeof value !== 'object') return undefined;
  const typed = value as Record<string, unknown>;
  for (const type of ['S', 'N', 'B']) {
    const inner = typed[type];
    if (typeof inner === 'string') return inner;
    if (inner instanceof Uint8Array) return Buffer.from(inner).toString('base64');
  }
  return undefined;
}

function keyOf(attributes: Readonly<Record<string, AttributeValue>> | undefined, names?: readonly string[]): Record<string, string> {
  const key: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (names !== undefined && !names.includes(name)) continue;
    const text = scalar(value);
    if (text !== undefined) key[name] = text;
  }
  return key;
}

/** The table of lib/definitions.ts a name belongs to: `Accounts`, or a prefixed `t1a2b-Accounts`. */
export function tableIdOf(tableName: string | undefined): TableId | null {
  if (tableName === undefined) return null;
  const definition = Object.values(TABLES).find(
    (table) => tableName === table.localName || tableName.endsWith(`-${table.localName}`) || process.env[table.envVar] === tableName,
  );
  return definition?.id ?? null;
}

/** Key attribute names of a table of lib/definitions.ts (partition key, and a sort key if it has one). */
function keyNames(tableId: TableId | null): readonly string[] | undefined {
  if (tableId === null) return undefined;
  const definition = TABLES[tableId] as { partitionKey: { name: string }; sortKey?: { name: string } };
  return [definition.partitionKey.name, ...(definition.sortKey === undefined ? [] : [definition.sortKey.name])];
}

/** `#pk = :pk AND begins_with(#sk, :p)` -> `{ pk: <value of :pk> }`. */
function keyConditionEqualities(input: Readonly<Record<string, unknown>>): Record<string, string> {
  const expression = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const fixed: Record<string, string> = {};
  for (const match of expression.matchAll(/(#?[\w]+)\s*=\s*(:[\w]+)/g)) {
    const [, left = '', right = ''] = match;
    const name = left.startsWith('#') ? names[left] : left;
    const value = scalar(values[right]);
    if (name !== undefined && value !== undefined) fixed[name] = value;
  }
  // The legacy KeyConditions form.
  for (const [name, condition] of Object.entries((input.KeyConditions ?? {}) as Record<string, { ComparisonOperator?: string; AttributeValueList?: AttributeValue[] }>)) {
    const value = scalar(condition.AttributeValueList?.[0]);
    if (condition.ComparisonOperator === 'EQ' && value !== undefined) fixed[name] = value;
  }
  return fixed;
}

type CallShape = Omit<RecordedCall, 'kind' | 'functionId' | 'mode' | 'test' | 'service' | 'operation'>;

function tableCall(action: string, tableName: string | undefined, extra: Partial<CallShape> = {}): CallShape {
  const tableId = tableIdOf(tableName);
  return { action, ...(tableName === undefined ? {} : { tableName, tableId }), ...extra };
}

/** How IAM sees one DynamoDB operation: one request per item of a transaction, one per table of a batch. */
export function dynamoDbRequests(operation: string, input: Readonly<Record<string, unknown>>): CallShape[] {
  const tableName = typeof input.TableName === 'string' ? input.TableName : undefined;
  const returnValues = typeof input.ReturnValues === 'string' ? { returnValues: input.ReturnValues } : {};
  const itemKey = (name: string | undefined, attributes: unknown, onlyKeys: boolean): Record<string, string> =>
    keyOf(attributes as Record<string, AttributeValue>, onlyKeys ? keyNames(tableIdOf(name)) : undefined);
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [tableCall(`dynamodb:${operation}`, tableName, { key: itemKey(tableName, input.Key, false), ...returnValues })];
    case 'PutItem':
      return [tableCall('dynamodb:PutItem', tableName, { key: itemKey(tableName, input.Item, true), ...returnValues })];
    case 'Query':
    case 'Scan':
      return [
        tableCall(`dynamodb:${operation}`, tableName, {
          ...(typeof input.IndexName === 'string' ? { indexName: input.IndexName } : {}),
          ...(operation === 'Query' ? { keyCondition: keyConditionEqualities(input) } : {}),
          ...(typeof input.Select === 'string' ? { select: input.Select } : {}),
        }),
      ];
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Array<Record<string, Record<string, unknown> | undefined>>).flatMap((item) => {
        if (item.Put !== undefined) return [tableCall('dynamodb:PutItem', item.Put.TableName as string, { key: itemKey(item.Put.TableName as string, item.Put.Item, true) })];
        if (item.Update !== undefined) return [tableCall('dynamodb:UpdateItem', item.Update.TableName as string, { key: itemKey(undefined, item.Update.Key, false) })];
        if (item.Delete !== undefined) return [tableCall('dynamodb:DeleteItem', item.Delete.TableName as string, { key: itemKey(undefined, item.Delete.Key, false) })];
        if (item.ConditionCheck !== undefined) {
          return [tableCall('dynamodb:ConditionCheckItem', item.ConditionCheck.TableName as string, { key: itemKey(undefined, item.ConditionCheck.Key, false) })];
        }
        return [tableCall('dynamodb:TransactWriteItems(unknown item)', undefined)];
      });
    case 'TransactGetItems':
      return ((input.TransactItems ?? []) as Array<{ Get?: Record<string, unknown> }>).map((item) =>
        tableCall('dynamodb:GetItem', item.Get?.TableName as string | undefined, { key: itemKey(undefined, item.Get?.Key, false) }),
      );
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const tables = Object.keys((input.RequestItems ?? {}) as Record<string, unknown>);
      return tables.map((name) => tableCall(`dynamodb:${operation}`, name));
    }
    default:
      return [tableCall(`dynamodb:${operation}`, tableName)];
  }
}

/** IAM service prefixes of the SDK clients this checker understands. */
const SERVICE_OF_CLIENT: Readonly<Record<string, string>> = { DynamoDBClient: 'dynamodb' };

interface MiddlewareStack {
  add(middleware: unknown, options: { step: string; name: string; priority?: string }): void;
}

interface SmithyClientModule {
  readonly Client: { prototype: { send(this: { middlewareStack: MiddlewareStack }, ...args: unknown[]): unknown } };
}

interface HandlerContext {
  readonly clientName?: string;
  readonly commandName?: string;
}

export interface Recorder {
  /** Patches an @smithy/core/client module so that every client it makes records its calls. */
  patch(smithyClient: SmithyClientModule): void;
  /** Runs a handler invocation in a scope that names its function. */
  asFunction<A extends unknown[], R>(functionId: FunctionId, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  invoked(scope: FunctionScope): void;
  /** Writes what was recorded to the calls directory, if there is one. */
  flush(): void;
}

export interface RecorderOptions {
  readonly mode: HandlerMode;
  /** The test file, relative to the repository. */
  readonly test: () => string;
  /** Where to write; nothing is written without one (outside a jest run). */
  readonly callsDir: string | undefined;
  /** The function of a call made outside any scope (a bundle's process is one function); default none. */
  readonly defaultScope?: FunctionScope;
}

const PATCHED = Symbol.for(AWS_CALL_RECORDER_MARKER);

export function createRecorder(options: RecorderOptions): Recorder {
  const storage = new AsyncLocalStorage<FunctionScope>();
  const recorded = new Map<string, number>();
  const attached = new WeakSet<object>();
  const file = options.callsDir === undefined ? undefined : path.join(options.callsDir, `${process.pid}-${randomBytes(4).toString('hex')}.jsonl`);

  const remember = (event: RecordedEvent): void => {
    const line = JSON.stringify(event);
    recorded.set(line, (recorded.get(line) ?? 0) + 1);
  };

  const middleware = (next: (args: unknown) => Promise<unknown>, context: HandlerContext) => async (args: { input?: Record<string, unknown> }) => {
    const scope = storage.getStore() ?? options.defaultScope;
    if (scope !== undefined) {
      const clientName = String(context.clientName ?? 'unknown');
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const service = SERVICE_OF_CLIENT[clientName] ?? `unknown(${clientName})`;
      const requests = service === 'dynamodb' ? dynamoDbRequests(operation, args.input ?? {}) : [{ action: `${service}:${operation}` }];
      for (const request of requests) {
        remember({ kind: 'call', functionId: scope.functionId, mode: scope.mode, test: options.test(), service, operation, ...request });
      }
    }
    return next(args);
  };

  return {
    patch(smithyClient) {
      const prototype = smithyClient.Client.prototype as unknown as Record<symbol, unknown> & { send: (...args: unknown[]) => unknown };
      // One recorder per module instance: jest gives each test file modules of its own, a bundle's process has one.
      if (prototype[PATCHED] === true) throw new Error('This @smithy/core/client is already recording.');
      prototype[PATCHED] = true;
      const original = prototype.send;
      prototype.send = function send(this: { middlewareStack: MiddlewareStack }, ...args: unknown[]) {
        if (!attached.has(this.middlewareStack)) {
          attached.add(this.middlewareStack);
          this.middlewareStack.add(middleware, { step: 'build', name: AWS_CALL_RECORDER_MARKER, priority: 'high' });
        }
        return original.apply(this, args);
      };
    },
    asFunction(functionId, handler) {
      return (...args) => {
        const scope: FunctionScope = { functionId, mode: options.mode };
        remember({ kind: 'invocation', ...scope, test: options.test() });
        return storage.run(scope, () => handler(...args));
      };
    },
    invoked(scope) {
      remember({ kind: 'invocation', ...scope, test: options.test() });
    },
    flush() {
      if (recorded.size === 0 || file === undefined || options.callsDir === undefined || !existsSync(options.callsDir)) return;
      const lines = [...recorded].map(([line, count]) => `{"count":${count},${line.slice(1)}`);
      writeFileSync(file, `${lines.join('\n')}\n`, { flag: 'a' });
      recorded.clear();
    },
  };
}
