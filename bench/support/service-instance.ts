import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ProxyHandler } from '../../local/handlers';

/**
 * One more "Lambda instance" of the transfer function in this process: its
 * own copy of functions/, domain/ and adapters/ modules, hence its own
 * configuration (read once), DynamoDB client and Powertools local cache.
 * The bench runs the same handler with and without IDEMPOTENCY_LOCAL_CACHE
 * side by side this way.
 */
export interface ServiceInstance {
  readonly transfer: ProxyHandler;
  /** The instance's shared DynamoDB client (functions/shared/dependencies.ts). */
  readonly client: DynamoDBClient;
}

const ROOT = path.resolve(__dirname, '../..');
const SERVICE_DIRECTORIES = ['functions', 'domain', 'adapters'].map((directory) => path.join(ROOT, directory) + path.sep);

export function loadServiceInstance(env: Readonly<Record<string, string>>): ServiceInstance {
  for (const file of Object.keys(require.cache)) {
    if (SERVICE_DIRECTORIES.some((directory) => file.startsWith(directory))) delete require.cache[file];
  }
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const { handler } = require('../../functions/transfer') as typeof import('../../functions/transfer');
    const { config } = require('../../functions/shared/config') as typeof import('../../functions/shared/config');
    const { dynamoDb } = require('../../functions/shared/dependencies') as typeof import('../../functions/shared/dependencies');
    // Read the configuration now, while `env` is in force; the instance keeps it.
    config();
    return { transfer: handler, client: dynamoDb().client };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
