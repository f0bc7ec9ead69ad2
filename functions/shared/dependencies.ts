import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { config } from './config';
import { traceDynamoDbCalls } from './tracing';

let connection: DynamoDbConnection | undefined;

/**
 * The DynamoDB connection of this process, created once (at the first
 * request of a Lambda instance) and reused by every invocation.
 */
export function dynamoDb(): DynamoDbConnection {
  if (connection === undefined) {
    const endpoint = config().dynamoDbEndpoint;
    connection = connectDynamoDb(endpoint === undefined ? {} : { endpoint });
    // X-Ray subsegments for the calls of sampled requests (the document client shares this middleware stack).
    traceDynamoDbCalls(connection.client);
  }
  return connection;
}
