import {
  SETTINGS,
  TABLES,
  TABLE_NAME_PATTERN,
  parseSetting,
  quoteValue,
  type SettingDefinition,
  type SettingValue,
  type TableId,
} from '../../lib/definitions';

/** The deploy-time switches, as SETTINGS in lib/definitions.ts defines them. */
export interface ServiceSettings {
  /** How long issued keys and stored responses live, in seconds. */
  readonly keyRetentionSeconds: number;
  /** Accept client-generated keys (UUIDs) besides issued ones. */
  readonly allowClientKeys: boolean;
  /** Powertools' in-memory cache of completed records (per Lambda instance). */
  readonly idempotencyLocalCache: boolean;
  /** DynamoDB endpoint override (DynamoDB Local); undefined in Lambda. */
  readonly dynamoDbEndpoint: string | undefined;
  /** Signs list cursors; only the list functions need it (see cursorSigningKey()). */
  readonly cursorSigningKey: string | undefined;
  /** Accounts one caller may open through POST /accounts. */
  readonly accountLimit: number;
  /** Origins whose pages may call the API from a browser; empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
}

export interface ServiceConfig extends ServiceSettings {
  readonly tables: Readonly<Record<TableId, string>>;
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function setting<S extends SettingDefinition>(env: NodeJS.ProcessEnv, definition: S): SettingValue<S> {
  const parsed = parseSetting(definition, env[definition.envVar]);
  if ('problem' in parsed) throw new ConfigurationError(`${definition.envVar} ${parsed.problem}`);
  return parsed.value;
}

function tableName(env: NodeJS.ProcessEnv, id: TableId): string {
  const { envVar } = TABLES[id];
  const value = env[envVar];
  if (value === undefined || value === '') throw new ConfigurationError(`Environment variable ${envVar} is not set.`);
  if (!TABLE_NAME_PATTERN.test(value)) {
    throw new ConfigurationError(`${envVar} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .); got ${quoteValue(value)}.`);
  }
  return value;
}

/**
 * The settings of SETTINGS alone, each checked against its allowed range or
 * format. `npm start` checks these before it starts anything (it creates
 * the tables, and sets their names, itself).
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  return {
    keyRetentionSeconds: setting(env, SETTINGS.keyRetentionSeconds),
    allowClientKeys: setting(env, SETTINGS.allowClientKeys),
    idempotencyLocalCache: setting(env, SETTINGS.idempotencyLocalCache),
    dynamoDbEndpoint: setting(env, SETTINGS.dynamoDbEndpoint),
    cursorSigningKey: setting(env, SETTINGS.cursorSigningKey),
    accountLimit: setting(env, SETTINGS.accountLimit),
    corsOrigins: setting(env, SETTINGS.corsOrigins),
  };
}

/** Reads and checks the environment; the only place that does. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    tables: {
      accounts: tableName(env, 'accounts'),
      ledger: tableName(env, 'ledger'),
      statements: tableName(env, 'statements'),
      idempotency: tableName(env, 'idempotency'),
    },
    ...readSettings(env),
  };
}

/** CORS_ORIGINS, checked; the local server reads it through here too, before it listens. */
export function readCorsOrigins(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return setting(env, SETTINGS.corsOrigins);
}

let cached: ServiceConfig | undefined;

/** The configuration of this process, read once at first use. */
export function config(): ServiceConfig {
  cached ??= readConfig();
  return cached;
}

/**
 * The configuration, for a handler module to read when it loads (Lambda's
 * init). A bad setting then fails the init: Lambda reports an init error
 * whose message names the setting and what it allows, and no request is
 * ever answered with the 500 a first-request read would give each one.
 */
export function configAtInit(): ServiceConfig {
  try {
    return config();
  } catch (error) {
    // One line naming the problem before the runtime's own init error report.
    console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** The cursor key, which every list function requires. */
export function cursorSigningKey(): string {
  const key = config().cursorSigningKey;
  if (key === undefined) throw new ConfigurationError(`Environment variable ${SETTINGS.cursorSigningKey.envVar} is not set.`);
  return key;
}

export interface ReconcileSettings {
  /** The reconciler pairs legs of movements older than its start minus this (domain/reconcile.ts). */
  readonly marginSeconds: number;
  /** Parallel Scan segments per table. */
  readonly segments: number;
}

/** The reconciler's settings (functions/reconcile.ts, scripts/reconcile.ts), with their defaults. */
export function readReconcileSettings(env: NodeJS.ProcessEnv = process.env): ReconcileSettings {
  return { marginSeconds: setting(env, SETTINGS.reconcileMarginSeconds), segments: setting(env, SETTINGS.reconcileSegments) };
}
