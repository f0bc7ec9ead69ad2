import type { Node } from 'constructs';
import { parseCorsOrigins } from './cors-origins';
import { SETTINGS } from './definitions';

/** The deploy-time switches every function receives as environment variables. */
export interface ServiceSettings {
  readonly keyRetentionSeconds: number;
  readonly allowClientKeys: boolean;
  readonly idempotencyLocalCache: boolean;
  /** Origins whose pages may call the API from a browser (lib/cors-origins.ts); empty: no CORS at all. */
  readonly corsOrigins: readonly string[];
}

/**
 * Reads `-c keyRetentionSeconds=3600`, `-c allowClientKeys=true`,
 * `-c idempotencyLocalCache=true` and
 * `-c corsOrigins=https://app.example.com,https://admin.example.com`. The CLI
 * passes context values as strings, cdk.json and tests as JSON values: both
 * are accepted. A bad value fails the synth rather than every invocation
 * (functions/shared/config.ts applies the same rule at run time).
 */
export function readServiceSettings(node: Node): ServiceSettings {
  return {
    keyRetentionSeconds: readRetention(node.tryGetContext('keyRetentionSeconds')),
    allowClientKeys: readFlag('allowClientKeys', node.tryGetContext('allowClientKeys'), SETTINGS.allowClientKeys.default),
    idempotencyLocalCache: readFlag(
      'idempotencyLocalCache',
      node.tryGetContext('idempotencyLocalCache'),
      SETTINGS.idempotencyLocalCache.default,
    ),
    corsOrigins: readCorsOrigins(node.tryGetContext(SETTINGS.corsOrigins.contextKey)),
  };
}

/** A comma-separated string (the CLI) or a list of strings (cdk.json). */
function readCorsOrigins(value: unknown): readonly string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? value.join(',') : value;
  if (typeof text !== 'string') throw new Error(`Context corsOrigins must be a comma-separated list of origins; got ${JSON.stringify(value)}.`);
  const reading = parseCorsOrigins(text);
  if (!reading.ok) throw new Error(`Context corsOrigins: ${reading.reason}`);
  return reading.origins;
}

function readRetention(value: unknown): number {
  if (value === undefined) return SETTINGS.keyRetentionSeconds.default;
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 60) {
    throw new Error(`Context keyRetentionSeconds must be an integer number of seconds, at least 60; got ${JSON.stringify(value)}.`);
  }
  return seconds;
}

function readFlag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${name} must be true or false; got ${JSON.stringify(value)}.`);
}
