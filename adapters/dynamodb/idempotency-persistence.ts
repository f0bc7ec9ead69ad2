import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

/**
 * The Powertools persistence layer over the idempotency table, sharing the
 * service's DynamoDB client (and so its endpoint, retries and middleware).
 * Attribute names are the Powertools defaults; `expiration` is the table's
 * TTL attribute (lib/definitions.ts).
 */
export function idempotencyPersistence(client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
}
