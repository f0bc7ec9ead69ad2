import '../../local/quiet-sdk-warning';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../local/dynamodb-local';
import { beginTestRun, type RunSelection } from './test-run';

declare global {
  // Shared with global-teardown.ts, which runs in the same process.
  var dynamoDbLocal: RunningDynamoDbLocal | undefined;
}

/**
 * Starts one DynamoDB Local for the whole run, unless the selected tests
 * are only unit or infrastructure tests, or DYNAMODB_ENDPOINT already
 * points at a running one. Workers inherit the endpoint through the
 * environment.
 */
export default async function globalSetup(globalConfig: RunSelection): Promise<void> {
  // A directory of this run's own for what it records and shares (test/support/test-run.ts).
  beginTestRun(globalConfig);
  if (process.env.DYNAMODB_ENDPOINT) return;
  const dynamoDb = await startDynamoDbLocal();
  globalThis.dynamoDbLocal = dynamoDb;
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
}
