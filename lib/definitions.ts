/**
 * The single description of the tables, functions and routes.
 *
 * The CDK stack, the local server, the table bootstrap used by `npm start`
 * and the tests all read this file, so there is never a second copy of a key
 * schema or a route. It imports nothing from CDK or the AWS SDK on purpose:
 * the Lambda bundles and the local tools can load it cheaply.
 */

import { parseCorsOrigins } from './cors-origins';

export type TableId = 'accounts' | 'ledger' | 'statements' | 'idempotency';

export interface TableDefinition {
  readonly id: TableId;
  /** Environment variable through which functions receive the table name. */
  readonly envVar: string;
  /** Name used locally; the deployed stack lets CloudFormation name tables. */
  readonly localName: string;
  readonly partitionKey: { readonly name: string; readonly type: 'S' };
  /** Present on tables read by Query: the order of a partition. */
  readonly sortKey?: { readonly name: string; readonly type: 'S' };
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
  // What owners read, each list one partition that a single strongly
  // consistent Query returns in order (adapters/dynamodb/statement-items.ts):
  // the double-entry entries of an account, the transfers a caller
  // initiated, the accounts a caller owns. Written in the same transaction
  // as the money, so a 201 means the entries are already in the statement.
  // Why not a GSI on the ledger: GSIs are eventually consistent, and a
  // statement that misses a transfer the client was just told about is a
  // bug report.
  statements: {
    id: 'statements',
    envVar: 'STATEMENTS_TABLE_NAME',
    localName: 'Statements',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    holdsMoney: true,
    description: 'Double-entry entries per account, transfers per initiator, accounts per owner; append-only.',
  },
  // One table holds both the Powertools idempotency records and the keys that
  // POST /idempotency-keys issues: both are short-lived, both expire through
  // the same TTL attribute, and keeping them apart from the money tables lets
  // `createKey` be granted this table and nothing else. Their ids cannot
  // collide: Powertools ids start with `transfer#`, issued keys with
  // ISSUED_KEY_ID_PREFIX, and `createKey` may write only the latter.
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

/** Ids of issued-key items in the idempotency table start with this; Powertools records start with `transfer#`. */
export const ISSUED_KEY_ID_PREFIX = 'key#';

/**
 * A separate set of table names, `<prefix>-Accounts` and so on: the tests,
 * the demo and the bench each use their own on a shared DynamoDB Local.
 */
export function prefixedTableNames(prefix: string): Record<TableId, string> {
  return {
    accounts: `${prefix}-${TABLES.accounts.localName}`,
    ledger: `${prefix}-${TABLES.ledger.localName}`,
    statements: `${prefix}-${TABLES.statements.localName}`,
    idempotency: `${prefix}-${TABLES.idempotency.localName}`,
  };
}

/** `scan`: the whole table, read by the reconciler (lib/table-permissions.ts says which actions per table). */
export type TableAccess = 'read' | 'batchRead' | 'write' | 'readWrite' | 'scan' | 'create' | 'update';

export type FunctionId =
  | 'createKey'
  | 'transfer'
  | 'getAccount'
  | 'getTransfer'
  | 'reverseTransfer'
  | 'openAccount'
  | 'listAccounts'
  | 'listEntries'
  | 'listTransfers'
  | 'getIdempotencyKey';

export interface TableBinding {
  readonly table: TableId;
  readonly access: TableAccess;
  /**
   * Only items whose partition key matches this pattern (IAM condition
   * `ForAllValues:StringLike` on `dynamodb:LeadingKeys`); the whole table when omitted.
   */
  readonly leadingKeys?: string;
}

/** Functions that no route invokes: the stack runs them on a schedule (lib/reconcile-schedule.ts). */
export type ScheduledFunctionId = 'reconcile';
/** Every function of the stack: the API's (FunctionId) and the scheduled ones. */
export type ServiceFunctionId = FunctionId | ScheduledFunctionId;

export interface FunctionDefinition {
  readonly id: ServiceFunctionId;
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The only table permissions the function receives. */
  readonly tables: ReadonlyArray<TableBinding>;
  /** Serves a list: receives the cursor signing key (domain/cursor.ts). */
  readonly signsCursors?: true;
}

export const FUNCTIONS: Readonly<Record<ServiceFunctionId, FunctionDefinition>> = {
  createKey: {
    id: 'createKey',
    entry: 'functions/create-key.ts',
    description: 'POST /idempotency-keys: issues a random key bound to the caller and an operation.',
    timeoutSeconds: 5,
    memorySizeMb: 512,
    // Its own items only: a key issuer that could write `transfer#` ids could forge a stored response.
    tables: [{ table: 'idempotency', access: 'write', leadingKeys: `${ISSUED_KEY_ID_PREFIX}*` }],
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
      { table: 'statements', access: 'write' },
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
    description: 'GET /transfers/{transferId}: a transfer the caller initiated or received.',
    timeoutSeconds: 10,
    memorySizeMb: 512,
    // The credited account's owner may read it too: that needs the account.
    tables: [
      { table: 'ledger', access: 'read' },
      { table: 'accounts', access: 'read' },
    ],
  },
  reverseTransfer: {
    id: 'reverseTransfer',
    entry: 'functions/reverse-transfer.ts',
    description: 'POST /transfers/{transferId}/reversals: sends a received transfer back, exactly once per idempotency key.',
    timeoutSeconds: 10,
    memorySizeMb: 1024,
    tables: [
      { table: 'idempotency', access: 'readWrite' },
      // Reads the transfer and the credited account (who may reverse), moves both balances.
      { table: 'accounts', access: 'readWrite' },
      { table: 'ledger', access: 'readWrite' },
      // The one ledger item ever updated: a transfer's reversal state (rvs_<transferId>).
      { table: 'ledger', access: 'update', leadingKeys: 'rvs_*' },
      { table: 'statements', access: 'write' },
    ],
  },
  openAccount: {
    id: 'openAccount',
    entry: 'functions/open-account.ts',
    description: 'POST /accounts: opens an account for the caller, exactly once per idempotency key.',
    timeoutSeconds: 10,
    memorySizeMb: 512,
    tables: [
      { table: 'idempotency', access: 'readWrite' },
      // Creates the account item (never overwrites: attribute_not_exists); reads it back on a repeat.
      { table: 'accounts', access: 'create' },
      { table: 'statements', access: 'write' },
      // The owner's account count (accounts-opened#<sub>), the limit's guard.
      { table: 'statements', access: 'update', leadingKeys: 'accounts-opened#*' },
    ],
  },
  listAccounts: {
    id: 'listAccounts',
    signsCursors: true,
    entry: 'functions/list-accounts.ts',
    description: "GET /accounts: the caller's accounts with their balances.",
    timeoutSeconds: 10,
    memorySizeMb: 512,
    tables: [
      { table: 'statements', access: 'read' },
      { table: 'accounts', access: 'batchRead' },
    ],
  },
  listEntries: {
    id: 'listEntries',
    signsCursors: true,
    entry: 'functions/list-entries.ts',
    description: "GET /accounts/{accountId}/entries: the statement of one of the caller's accounts, newest first.",
    timeoutSeconds: 10,
    memorySizeMb: 512,
    tables: [
      { table: 'statements', access: 'read' },
      { table: 'accounts', access: 'read' },
    ],
  },
  listTransfers: {
    id: 'listTransfers',
    signsCursors: true,
    entry: 'functions/list-transfers.ts',
    description: 'GET /transfers: the transfers the caller initiated, newest first.',
    timeoutSeconds: 10,
    memorySizeMb: 512,
    tables: [
      { table: 'statements', access: 'read' },
      { table: 'accounts', access: 'read' },
    ],
  },
  getIdempotencyKey: {
    id: 'getIdempotencyKey',
    entry: 'functions/get-idempotency-key.ts',
    description: 'GET /idempotency-keys/{key}: what became of a key issued to the caller.',
    timeoutSeconds: 10,
    memorySizeMb: 512,
    tables: [{ table: 'idempotency', access: 'read' }],
  },
  // Not a route: EventBridge runs it (lib/reconcile-schedule.ts). It reads
  // every table and writes none. A scan is CPU-bound in the function
  // (unmarshalling pages), so it gets one full vCPU (1,769 MB), and the
  // longest timeout Lambda allows.
  reconcile: {
    id: 'reconcile',
    entry: 'functions/reconcile.ts',
    description: 'Scheduled: proves every balance from its entries and the ledger, and publishes LedgerDrift.',
    timeoutSeconds: 900,
    memorySizeMb: 1769,
    tables: [
      { table: 'accounts', access: 'scan' },
      { table: 'ledger', access: 'scan' },
      { table: 'statements', access: 'scan' },
      { table: 'idempotency', access: 'scan' },
    ],
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
  { method: 'POST', resource: '/transfers/{transferId}/reversals', functionId: 'reverseTransfer' },
  { method: 'POST', resource: '/accounts', functionId: 'openAccount' },
  { method: 'GET', resource: '/accounts', functionId: 'listAccounts' },
  { method: 'GET', resource: '/accounts/{accountId}/entries', functionId: 'listEntries' },
  { method: 'GET', resource: '/transfers', functionId: 'listTransfers' },
  { method: 'GET', resource: '/idempotency-keys/{key}', functionId: 'getIdempotencyKey' },
];

/** A setting read from the environment, with what it allows: checked once, when a process starts. */
export type SettingDefinition =
  | {
      readonly kind: 'integer';
      readonly envVar: string;
      readonly default: number;
      readonly min: number;
      readonly max: number;
      /** How the allowed range is said in an error message. */
      readonly allowed: string;
    }
  | { readonly kind: 'boolean'; readonly envVar: string; readonly default: boolean }
  | { readonly kind: 'url'; readonly envVar: string }
  | { readonly kind: 'secret'; readonly envVar: string; readonly minLength: number }
  | { readonly kind: 'origins'; readonly envVar: string };

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Environment variables shared by every function, with their defaults and
 * allowed values. functions/shared/config.ts enforces them in every function's
 * init and in `npm start`; lib/service-settings.ts applies the same rules to
 * the CDK context, so a bad value fails the synth.
 */
export const SETTINGS = {
  /**
   * Issued keys and stored responses. At least a minute: the record must
   * outlive the longest invocation (FUNCTIONS timeouts) by far. At most 30
   * days: a stored response is a replay promise, not an archive (the ledger is).
   */
  keyRetentionSeconds: {
    kind: 'integer',
    envVar: 'KEY_RETENTION_SECONDS',
    default: DAY_SECONDS,
    min: 60,
    max: 30 * DAY_SECONDS,
    allowed: `an integer number of seconds from 60 to ${30 * DAY_SECONDS} (30 days)`,
  },
  allowClientKeys: { kind: 'boolean', envVar: 'ALLOW_CLIENT_KEYS', default: false },
  /** Powertools keeps completed records in memory: a repeat on a warm instance costs no DynamoDB call. */
  idempotencyLocalCache: { kind: 'boolean', envVar: 'IDEMPOTENCY_LOCAL_CACHE', default: false },
  /** DynamoDB Local or another endpoint; unset in Lambda, where the SDK resolves the regional one. */
  dynamoDbEndpoint: { kind: 'url', envVar: 'DYNAMODB_ENDPOINT' },
  /** Accounts one caller may open through POST /accounts (operators are not bound by it). */
  accountLimit: { kind: 'integer', envVar: 'ACCOUNT_LIMIT', default: 10, min: 1, max: 1000, allowed: 'an integer from 1 to 1000' },
  /** Origins whose pages may call the API from a browser (lib/cors-origins.ts, lib/cors-policy.ts); none by default. */
  corsOrigins: { kind: 'origins', envVar: 'CORS_ORIGINS' },
  /** HMAC key of list cursors (domain/cursor.ts); the stack makes one in Secrets Manager, `npm start` a random one. */
  cursorSigningKey: { kind: 'secret', envVar: 'CURSOR_SIGNING_KEY', minLength: 32 },
  /**
   * The reconciler pairs legs only for movements older than its start minus
   * this margin (domain/reconcile.ts): longer than any movement takes from
   * its createdAt to its commit (the longest money-moving function timeout,
   * conflict retries included, plus clock skew).
   */
  reconcileMarginSeconds: {
    kind: 'integer',
    envVar: 'RECONCILE_MARGIN_SECONDS',
    default: 60,
    // 0 only where nothing moves money while it runs (tests).
    min: 0,
    max: 3600,
    allowed: 'an integer number of seconds from 0 to 3600',
  },
  /** Parallel Scan segments per table. */
  reconcileSegments: { kind: 'integer', envVar: 'RECONCILE_SEGMENTS', default: 4, min: 1, max: 64, allowed: 'an integer from 1 to 64' },
} as const satisfies Record<string, SettingDefinition>;

/** What a table name env var must hold: DynamoDB's own rule for table names. */
export const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * A setting's raw value (a string from the environment or the CLI context, or
 * a JSON value from cdk.json) checked against its definition: the value, or
 * what is wrong with it. Unset or empty takes the default. The one rule of
 * every setting, shared by functions/shared/config.ts and lib/service-settings.ts.
 */
export function parseSetting<S extends SettingDefinition>(
  setting: S,
  raw: unknown,
): { readonly value: SettingValue<S> } | { readonly problem: string } {
  const value = raw === undefined || raw === '' ? undefined : raw;
  const got = `; got ${quoteValue(raw)}.`;
  switch (setting.kind) {
    case 'integer': {
      if (value === undefined) return { value: setting.default as SettingValue<S> };
      const number = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < setting.min || number > setting.max) {
        return { problem: `must be ${setting.allowed}${got}` };
      }
      return { value: number as SettingValue<S> };
    }
    case 'boolean': {
      if (value === undefined) return { value: setting.default as SettingValue<S> };
      if (value === true || value === 'true') return { value: true as SettingValue<S> };
      if (value === false || value === 'false') return { value: false as SettingValue<S> };
      return { problem: `must be "true" or "false"${got}` };
    }
    case 'origins': {
      // A comma-separated string (the environment, the CLI) or a list of strings (cdk.json).
      if (value === undefined) return { value: [] as unknown as SettingValue<S> };
      const text = Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? value.join(',') : value;
      if (typeof text !== 'string') return { problem: `must be a comma-separated list of origins${got}` };
      const reading = parseCorsOrigins(text);
      if (!reading.ok) return { problem: `must list exact origins: ${reading.reason}` };
      return { value: reading.origins as unknown as SettingValue<S> };
    }
    case 'secret': {
      // Never quoted back: it is a key.
      if (value === undefined) return { value: undefined as SettingValue<S> };
      if (typeof value !== 'string' || [...value].length < setting.minLength) return { problem: `must be at least ${setting.minLength} characters.` };
      return { value: value as SettingValue<S> };
    }
    case 'url': {
      if (value === undefined) return { value: undefined as SettingValue<S> };
      if (typeof value !== 'string' || !/^https?:\/\/[^/?#\s]+(?:[/?#]\S*)?$/.test(value) || !URL.canParse(value)) {
        return { problem: `must be an http:// or https:// URL${got}` };
      }
      return { value: value as SettingValue<S> };
    }
  }
}

export type SettingValue<S extends SettingDefinition> = S extends { readonly kind: 'integer' }
  ? number
  : S extends { readonly kind: 'boolean' }
    ? boolean
    : S extends { readonly kind: 'origins' }
      ? readonly string[]
      : string | undefined;

/** A bad value, quoted for the message: at most 64 characters of it, control characters replaced. */
export function quoteValue(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  const shown = [...text].slice(0, 64).join('');
  return `"${shown.replace(/[\p{Cc}"\\]/gu, (char) => (char === '"' || char === '\\' ? `\\${char}` : '\uFFFD'))}${shown.length < text.length ? '…' : ''}"`;
}

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
    /** Malformed requests refused before anything was stored (400, 413, 415). */
    invalidRequests: 'InvalidRequests',
    /** Answers 500: a bug. The function returns them, so Lambda's Errors metric does not count them. */
    unexpectedErrors: 'UnexpectedErrors',
    /** Published by each reconcile run: drift findings (accounts whose balance its entries do not explain, and the like). Alarmed at 1. */
    ledgerDrift: 'LedgerDrift',
    /** Published by each reconcile run: accounts it could not prove (still moving after its re-checks, or awaiting the backfill). */
    ledgerUnverified: 'LedgerUnverified',
  },
} as const;
