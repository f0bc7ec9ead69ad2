/**
 * The single description of the tables, functions and routes.
 *
 * The CDK stack, the local server, the table bootstrap used by `npm start`
 * and the tests all read this file, so there is never a second copy of a key
 * schema or a route. It imports nothing from CDK or the AWS SDK on purpose:
 * the Lambda bundles and the local tools can load it cheaply.
 */

export type TableId = 'accounts' | 'ledger' | 'idempotency';

export interface TableDefinition {
  readonly id: TableId;
  /** Environment variable through which functions receive the table name. */
  readonly envVar: string;
  /** Name used locally; the deployed stack lets CloudFormation name tables. */
  readonly localName: string;
  readonly partitionKey: { readonly name: string; readonly type: 'S' };
  /** Attribute holding the epoch-seconds expiry that DynamoDB TTL cleans up. */
  readonly ttlAttribute?: string;
  /** Money tables are RETAIN and deletion-protected. */
  readonly holdsMoney: boolean;
  readonly description: string;
}

export const TABLES: Readonly<Record<TableId, TableDefinition>> = {
  accounts: {
    id: 'accounts',
    envVar: 'ACCOUNTS_TABLE_NAME',
    localName: 'Accounts',
    partitionKey: { name: 'accountId', type: 'S' },
    holdsMoney: true,
    description: 'One item per account: owner, currency, balance in minor units.',
  },
  ledger: {
    id: 'ledger',
    envVar: 'LEDGER_TABLE_NAME',
    localName: 'Ledger',
    partitionKey: { name: 'transferId', type: 'S' },
    holdsMoney: true,
    description: 'One item per balance movement (transfer or funding); never updated, never deleted.',
  },
  // One table holds both the Powertools idempotency records and the keys that
  // POST /idempotency-keys issues: both are short-lived, both expire through
  // the same TTL attribute, and keeping them apart from the money tables lets
  // `createKey` be granted this table and nothing else. Their ids cannot
  // collide: Powertools ids start with `transfer#`, issued keys with `key#`.
  idempotency: {
    id: 'idempotency',
    envVar: 'IDEMPOTENCY_TABLE_NAME',
    localName: 'Idempotency',
    partitionKey: { name: 'id', type: 'S' },
    ttlAttribute: 'expiration',
    holdsMoney: false,
    description: 'Powertools idempotency records and issued idempotency keys, expired by TTL.',
  },
};

/**
 * A separate set of table names, `<prefix>-Accounts` and so on: the tests,
 * the demo and the bench each use their own on a shared DynamoDB Local.
 */
export function prefixedTableNames(prefix: string): Record<TableId, string> {
  return {
    accounts: `${prefix}-${TABLES.accounts.localName}`,
    ledger: `${prefix}-${TABLES.ledger.localName}`,
    idempotency: `${prefix}-${TABLES.idempotency.localName}`,
  };
}

export type TableAccess = 'read' | 'write' | 'readWrite';

export type FunctionId = 'createKey' | 'transfer' | 'getAccount' | 'getTransfer';

export interface FunctionDefinition {
  readonly id: FunctionId;
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The only table permissions the function receives. */
  readonly tables: ReadonlyArray<{ readonly table: TableId; readonly access: TableAccess }>;
}

export const FUNCTIONS: Readonly<Record<FunctionId, FunctionDefinition>> = {
  createKey: {
    id: 'createKey',
    entry: 'functions/create-key.ts',
    description: 'POST /idempotency-keys: issues a random key bound to the caller and an operation.',
    timeoutSeconds: 5,
    memorySizeMb: 512,
    tables: [{ table: 'idempotency', access: 'write' }],
  },
  transfer: {
    id: 'transfer',
    entry: 'functions/transfer.ts',
    description: 'POST /transfers: moves money exactly once per idempotency key.',
    timeoutSeconds: 10,
    memorySizeMb: 1024,
    tables: [
      // Powertools claims, reads, completes and deletes its records; the transaction marks the key USED.
      { table: 'idempotency', access: 'readWrite' },
      // Balances change in place (UpdateItem in the transaction); no account item is ever read.
      { table: 'accounts', access: 'write' },
      // The ledger item is put by the transaction, and read back when an earlier execution wrote it.
      { table: 'ledger', access: 'readWrite' },
    ],
  },
  getAccount: {
    id: 'getAccount',
    entry: 'functions/get-account.ts',
    description: "GET /accounts/{accountId}: the caller's own account and balance.",
    timeoutSeconds: 5,
    memorySizeMb: 512,
    tables: [{ table: 'accounts', access: 'read' }],
  },
  getTransfer: {
    id: 'getTransfer',
    entry: 'functions/get-transfer.ts',
    description: 'GET /transfers/{transferId}: a transfer the caller initiated.',
    timeoutSeconds: 5,
    memorySizeMb: 512,
    tables: [{ table: 'ledger', access: 'read' }],
  },
};

export type HttpMethod = 'GET' | 'POST';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` segments become path parameters. */
  readonly resource: string;
  readonly functionId: FunctionId;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', resource: '/idempotency-keys', functionId: 'createKey' },
  { method: 'POST', resource: '/transfers', functionId: 'transfer' },
  { method: 'GET', resource: '/accounts/{accountId}', functionId: 'getAccount' },
  { method: 'GET', resource: '/transfers/{transferId}', functionId: 'getTransfer' },
];

/** Environment variables shared by every function, with their defaults. */
export const SETTINGS = {
  keyRetentionSeconds: { envVar: 'KEY_RETENTION_SECONDS', default: 24 * 60 * 60 },
  allowClientKeys: { envVar: 'ALLOW_CLIENT_KEYS', default: false },
  /** Powertools keeps completed records in memory: a repeat on a warm instance costs no DynamoDB call. */
  idempotencyLocalCache: { envVar: 'IDEMPOTENCY_LOCAL_CACHE', default: false },
  dynamoDbEndpoint: { envVar: 'DYNAMODB_ENDPOINT' },
} as const;

/**
 * Names the functions log and publish under (Powertools Logger, Metrics,
 * Tracer) and the stack's alarms and dashboard read: one list, so an alarm
 * never watches a metric nobody publishes.
 */
export const OBSERVABILITY = {
  serviceName: 'exactly-once-transfers',
  metricsNamespace: 'ExactlyOnceTransfers',
  /** Dimension of TransferDeclines and IdempotencyKeyRefusals besides `service`: the problem kind. */
  reasonDimension: 'Reason',
  metrics: {
    /** A transfer moved money (201, first answer). */
    transfersCompleted: 'TransfersCompleted',
    /** A repeat answered with a stored answer (Idempotent-Replayed: true). */
    replays: 'TransferReplays',
    /** Same key, different payload (422 idempotency-key-reused). */
    keyMismatches: 'IdempotencyKeyMismatches',
    /** Same key still in flight (409 request-in-progress). */
    inFlightConflicts: 'InFlightConflicts',
    /** Final declines (404 account-not-found, 422 insufficient-funds, currency-mismatch, balance-limit), also by Reason. */
    declines: 'TransferDeclines',
    /** Keys not issued to the caller for this operation, expired or used (422), also by Reason. */
    keyRefusals: 'IdempotencyKeyRefusals',
    /** Each retry of a transaction cancelled by a TransactionConflict. */
    conflictRetries: 'TransactionConflictRetries',
    /** Conflicts that outlasted the retries (409 transaction-conflict). */
    transactionConflicts: 'TransactionConflicts',
    /** The store throttled or was unavailable (503). */
    storeErrors: 'StoreErrors',
    /** Malformed requests refused before anything was stored (400, 413). */
    invalidRequests: 'InvalidRequests',
    /** Answers 500: a bug. The function returns them, so Lambda's Errors metric does not count them. */
    unexpectedErrors: 'UnexpectedErrors',
  },
} as const;
