import { connectDynamoDb, type DynamoDbConnection } from '../../adapters/dynamodb/client';
import { config } from './config';
import { tracer } from './observability';

let connection: DynamoDbConnection | undefined;

/**
 * The DynamoDB connection of this process, created once (at the first
 * request of a Lambda instance) and reused by every invocation.
 */
export function dynamoDb(): DynamoDbConnection {
  if (connection === undefined) {
    const endpoint = config().dynamoDbEndpoint;
    connection = connectDynamoDb(endpoint === undefined ? {} : { endpoint });
    // Every DynamoDB call becomes an X-Ray subsegment (the document client
    // shares this middleware stack). A no-op where tracing is off.
    tracer.captureAWSv3Client(connection.client);
  }
  return connection;
}
