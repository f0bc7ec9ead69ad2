import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableId } from '../../lib/definitions';

/**
 * Creates the tables of lib/definitions.ts (the same key schemas and TTL
 * attribute the CDK stack deploys) on DynamoDB Local or another endpoint.
 * Existing tables are left as they are.
 */
export async function createTables(client: DynamoDBClient, names: Readonly<Record<TableId, string>>): Promise<void> {
  await Promise.all(
    Object.values(TABLES).map(async (definition) => {
      const tableName = names[definition.id];
      try {
        await client.send(
          new CreateTableCommand({
            TableName: tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: definition.partitionKey.name, AttributeType: definition.partitionKey.type },
              ...(definition.sortKey === undefined ? [] : [{ AttributeName: definition.sortKey.name, AttributeType: definition.sortKey.type }]),
            ],
            KeySchema: [
              { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
              ...(definition.sortKey === undefined ? [] : [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }]),
            ],
          }),
        );
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
        return;
      }
      await waitUntilActive(client, tableName);
      if (definition.ttlAttribute !== undefined) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
          }),
        );
      }
    }),
  );
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE.`);
}
