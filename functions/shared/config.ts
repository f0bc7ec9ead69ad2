import { parseCorsOrigins } from '../../lib/cors-origins';
import { SETTINGS, TABLES, type TableId } from '../../lib/definitions';

export interface ServiceConfig {
  readonly tables: Readonly<Record<TableId, string>>;
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
  /** Origins whose pages may call the API from a browser; empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`Environment variable ${name} is not set.`);
  return value;
}

/** An unset or empty switch takes its default; anything but "true" or "false" is refused. */
function flag(env: NodeJS.ProcessEnv, setting: { readonly envVar: string; readonly default: boolean }): boolean {
  const value = env[setting.envVar];
  if (value === undefined || value === '') return setting.default;
  if (value !== 'true' && value !== 'false') throw new ConfigurationError(`${setting.envVar} must be "true" or "false".`);
  return value === 'true';
}

/** Reads and checks the environment; the only place that does. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const retention = env[SETTINGS.keyRetentionSeconds.envVar];
  const keyRetentionSeconds = retention === undefined || retention === '' ? SETTINGS.keyRetentionSeconds.default : Number(retention);
  if (!Number.isSafeInteger(keyRetentionSeconds) || keyRetentionSeconds < 60) {
    throw new ConfigurationError(`${SETTINGS.keyRetentionSeconds.envVar} must be an integer number of seconds, at least 60.`);
  }
  const endpoint = env[SETTINGS.dynamoDbEndpoint.envVar];
  const cursorKey = env[SETTINGS.cursorSigningKey.envVar];
  if (cursorKey !== undefined && cursorKey !== '' && cursorKey.length < SETTINGS.cursorSigningKey.minLength) {
    throw new ConfigurationError(`${SETTINGS.cursorSigningKey.envVar} must be at least ${SETTINGS.cursorSigningKey.minLength} characters.`);
  }
  return {
    tables: {
      accounts: required(env, TABLES.accounts.envVar),
      ledger: required(env, TABLES.ledger.envVar),
      statements: required(env, TABLES.statements.envVar),
      idempotency: required(env, TABLES.idempotency.envVar),
    },
    keyRetentionSeconds,
    allowClientKeys: flag(env, SETTINGS.allowClientKeys),
    idempotencyLocalCache: flag(env, SETTINGS.idempotencyLocalCache),
    dynamoDbEndpoint: endpoint === undefined || endpoint === '' ? undefined : endpoint,
    cursorSigningKey: cursorKey === undefined || cursorKey === '' ? undefined : cursorKey,
    corsOrigins: readCorsOrigins(env),
  };
}

/** CORS_ORIGINS, checked; the local server reads it through here too, before it listens. */
export function readCorsOrigins(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const reading = parseCorsOrigins(env[SETTINGS.corsOrigins.envVar] ?? '');
  if (!reading.ok) throw new ConfigurationError(`${SETTINGS.corsOrigins.envVar}: ${reading.reason}`);
  return reading.origins;
}

let cached: ServiceConfig | undefined;

/** The configuration of this process, read once at first use. */
export function config(): ServiceConfig {
  cached ??= readConfig();
  return cached;
}

/** The cursor key, which every list function requires. */
export function cursorSigningKey(): string {
  const key = config().cursorSigningKey;
  if (key === undefined) throw new ConfigurationError(`Environment variable ${SETTINGS.cursorSigningKey.envVar} is not set.`);
  return key;
}
