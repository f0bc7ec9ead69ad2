import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbConnection {
  /** Low-level client, shared with the Powertools persistence layer. */
  readonly client: DynamoDBClient;
  /** Document client over the same connection, for the stores. */
  readonly documentClient: DynamoDBDocumentClient;
}

/**
 * The one place that constructs SDK clients. `endpoint` points at DynamoDB
 * Local (or any other endpoint); without it the SDK's own resolution applies,
 * which is what Lambda uses.
 */
export function connectDynamoDb(options: { endpoint?: string; region?: string } = {}): DynamoDbConnection {
  const config: DynamoDBClientConfig = {};
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
    // DynamoDB Local accepts any credentials and region; give it some so that
    // a machine without AWS configuration works.
    config.region = options.region ?? process.env.AWS_REGION ?? 'local';
    if (process.env.AWS_ACCESS_KEY_ID === undefined) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  }
  const client = new DynamoDBClient(config);
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient };
}
