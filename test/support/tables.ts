import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { createTables } from '../../adapters/dynamodb/create-tables';
import { SETTINGS, TABLES, prefixedTableNames, type TableId } from '../../lib/definitions';

export interface TestTables {
  readonly names: Readonly<Record<TableId, string>>;
  readonly connection: DynamoDbConnection;
  scan(table: TableId): Promise<Record<string, unknown>[]>;
}

/**
 * Creates a fresh set of tables with a unique prefix on the DynamoDB Local
 * started by global-setup.ts, and points this process's configuration at
 * them. Call before the first handler import is used.
 */
export async function createTestTables(env: Record<string, string> = {}): Promise<TestTables> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (endpoint === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run through jest (global-setup starts DynamoDB Local).');
  const names = prefixedTableNames(`t${randomBytes(4).toString('hex')}`);
  const connection = connectDynamoDb({ endpoint });
  await createTables(connection.client, names);
  for (const definition of Object.values(TABLES)) process.env[definition.envVar] = names[definition.id];
  process.env[SETTINGS.cursorSigningKey.envVar] ??= randomBytes(32).toString('base64url');
  Object.assign(process.env, env);
  return {
    names,
    connection,
    async scan(table) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await connection.documentClient.send(
          new ScanCommand({ TableName: names[table], ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return items;
    },
  };
}
