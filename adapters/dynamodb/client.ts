import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbConnection {
  /** Low-level client, shared with the Powertools persistence layer. */
  readonly client: DynamoDBClient;
  /** Document client over the same connection, for the stores. */
  readonly documentClient: DynamoDBDocumentClient;
}

/**
 * Limits on every DynamoDB call, so that a black-holed connection fails fast
 * as a 503 (StoreUnavailableError, store-errors.ts knows TimeoutError)
 * instead of running into the function timeout, which API Gateway answers
 * with a bare 502 and which logs nothing of why.
 *
 * Sized against the function timeouts of lib/definitions.ts (FUNCTIONS): one
 * call to an endpoint that never answers costs at most maxAttempts x
 * requestTimeoutMs plus the SDK's backoff between attempts (at most
 * backoffAllowanceMs), 3 x 1 s + 0.5 s = 3.5 s. createKey and the reads
 * (5 s) meet at most one such call; a transfer (10 s) at most two, its
 * failing call and then Powertools deleting its in-progress record: 7 s.
 * test/integration/store-timeouts.test.ts checks both the behaviour and this
 * arithmetic. DynamoDB answers in milliseconds; a second per attempt is far
 * above its normal latency, and the SDK retries a timed-out attempt.
 */
export const DYNAMODB_TIMEOUTS = {
  /** TCP connect; within a region it takes a millisecond or two. */
  connectionTimeoutMs: 500,
  /** One attempt, request sent to response received. */
  requestTimeoutMs: 1_000,
  /** The SDK's default standard retry mode: the first attempt and two retries. */
  maxAttempts: 3,
  /** Upper bound of the SDK's jittered backoff over the two retries (100 ms base, doubling). */
  backoffAllowanceMs: 500,
} as const;

/**
 * The one place that constructs SDK clients. `endpoint` points at DynamoDB
 * Local (or any other endpoint); without it the SDK's own resolution applies,
 * which is what Lambda uses.
 */
export function connectDynamoDb(options: { endpoint?: string; region?: string } = {}): DynamoDbConnection {
  const config: DynamoDBClientConfig = {
    maxAttempts: DYNAMODB_TIMEOUTS.maxAttempts,
    // The constructor options of the SDK's own NodeHttpHandler (@smithy/node-http-handler),
    // not an instance: the bundle then carries no second copy of the handler beside the
    // runtime's SDK. throwOnRequestTimeout makes a late answer an error (TimeoutError),
    // not just a warning; SDK versions before that option read requestTimeout as an
    // idle-socket timeout, which fails the same way here.
    requestHandler: {
      connectionTimeout: DYNAMODB_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: DYNAMODB_TIMEOUTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
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
