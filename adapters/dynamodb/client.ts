import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbConnection {
  /** Low-level client, shared with the Powertools persistence layer. */
  readonly client: DynamoDBClient;
  /** Document client over the same connection, for the stores. */
  readonly documentClient: DynamoDBDocumentClient;
}

export interface DynamoDbTimeouts {
  /** TCP connect. */
  readonly connectionTimeoutMs: number;
  /** One attempt, request sent to response received. */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included (the SDK retries a timed-out attempt). */
  readonly maxAttempts: number;
  /** Upper bound of the SDK's jittered backoff over all retries of one call (100 ms base, doubling). */
  readonly backoffAllowanceMs: number;
}

/**
 * Limits on every DynamoDB call of the deployed functions, so that a
 * black-holed connection fails fast as a 503 (StoreUnavailableError:
 * store-errors.ts knows TimeoutError) instead of running into the function
 * timeout, which API Gateway answers with a bare 502 and which logs nothing
 * of why.
 *
 * Sized against the function timeouts of lib/definitions.ts (FUNCTIONS): one
 * call to an endpoint that never answers costs at most maxAttempts x
 * requestTimeoutMs plus the backoff, 3 x 1 s + 0.5 s = 3.5 s (3.2 s
 * measured). createKey and the reads (5 s) meet at most one such call; a
 * transfer (10 s) at most two, its failing call and then Powertools deleting
 * its in-progress record: 7 s. test/integration/store-timeouts.test.ts checks
 * the behaviour and this arithmetic. DynamoDB answers in milliseconds within
 * a region; a second per attempt is far above that, and a timed-out attempt
 * is retried.
 */
export const DYNAMODB_TIMEOUTS: DynamoDbTimeouts = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  maxAttempts: 3,
  backoffAllowanceMs: 500,
};

/**
 * Limits against an endpoint override (DYNAMODB_ENDPOINT: DynamoDB Local for
 * `npm start`, the tests and the bench). DynamoDB Local is one JVM shared by
 * every test file; at 80 concurrent transfers on a busy 2-core machine its
 * answers took up to 1.1 s (p50 0.3-0.5 s), so the deployed limits would turn
 * the emulator's slowness into 503s that the tests are not about. Nothing
 * local stops a handler at a function timeout, so looser limits cost nothing.
 */
export const LOCAL_DYNAMODB_TIMEOUTS: DynamoDbTimeouts = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  maxAttempts: 3,
  backoffAllowanceMs: 500,
};

/**
 * The one place that constructs SDK clients. `endpoint` points at DynamoDB
 * Local (or any other endpoint); without it the SDK's own resolution applies,
 * which is what Lambda uses.
 */
export function connectDynamoDb(options: { endpoint?: string; region?: string } = {}): DynamoDbConnection {
  const timeouts = options.endpoint === undefined ? DYNAMODB_TIMEOUTS : LOCAL_DYNAMODB_TIMEOUTS;
  const config: DynamoDBClientConfig = {
    maxAttempts: timeouts.maxAttempts,
    // The constructor options of the SDK's own NodeHttpHandler (@smithy/node-http-handler),
    // not an instance: the bundle then carries no second copy of the handler beside the
    // runtime's SDK. throwOnRequestTimeout makes a late answer an error (TimeoutError),
    // not just a warning; SDK versions before that option read requestTimeout as an
    // idle-socket timeout, which fails the same way here.
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
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
