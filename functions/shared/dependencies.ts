import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { config } from './config';

let connection: DynamoDbConnection | undefined;

/**
 * The DynamoDB connection of this process, created once (at the first
 * request of a Lambda instance) and reused by every invocation.
 */
export function dynamoDb(): DynamoDbConnection {
  const endpoint = config().dynamoDbEndpoint;
  connection ??= connectDynamoDb(endpoint === undefined ? {} : { endpoint });
  return connection;
}
