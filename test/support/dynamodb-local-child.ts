import { startDynamoDbLocal } from '../../local/dynamodb-local';

/**
 * A process that starts DynamoDB Local and then ends the way argv[2] says
 * (test/integration/dynamodb-local.test.ts): `uncaught-error`, `exit`, or
 * `wait` for a signal it has no handler for. Prints `{"javaPid","port"}`
 * once Java answers.
 */
async function main(): Promise<void> {
  const dynamoDb = await startDynamoDbLocal();
  process.stdout.write(`${JSON.stringify({ javaPid: dynamoDb.pid, port: dynamoDb.port })}\n`);
  switch (process.argv[2]) {
    case 'uncaught-error':
      setTimeout(() => {
        throw new Error('an error nobody catches');
      }, 0);
      return;
    case 'exit':
      process.exit(3);
    default:
      setInterval(() => undefined, 1_000);
  }
}

void main();
