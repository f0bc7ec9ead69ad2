import './quiet-sdk-warning';
import { randomBytes } from 'node:crypto';
import { prefixedTableNames } from '../lib/definitions';

/**
 * `npm run demo`: the failure timeline. Starts its own local stack (DynamoDB
 * Local in memory, or DYNAMODB_ENDPOINT, with tables of its own) on a free
 * port with fault injection switched on, plays the four stories of
 * local/demo-stories.ts with the retrying client, and exits non-zero if any
 * story did not end with the money moved exactly once.
 */
async function main(): Promise<number> {
  // The story shows the server's request lines; the handlers' own logs and
  // metrics would drown it. Read when the handlers load, so set before the import.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  const { playFailureTimeline } = await import('./demo-stories');
  const { freePort } = await import('./dynamodb-local');
  const { startLocalStack } = await import('./stack');

  const serverLog: string[] = [];
  console.log('Starting a local stack with fault injection (DynamoDB Local, tables, demo users, API on a free port)...');
  const stack = await startLocalStack({
    port: await freePort(),
    faults: true,
    tableNames: prefixedTableNames(`demo${randomBytes(3).toString('hex')}`),
    log: (line) => serverLog.push(line),
  });
  // The local server reports a crashed function on stderr; the story shows it already.
  const consoleError = console.error;
  console.error = (...parts: unknown[]) => serverLog.push(parts.map(String).join(' '));
  try {
    console.log(`Local API on ${stack.baseUrl}; alice sends money to bob four times, and each time something goes wrong.`);
    const results = await playFailureTimeline(stack, { serverLog });
    const failed = results.filter((result) => !result.passed);
    console.log('');
    console.log(
      failed.length === 0
        ? `All ${results.length} stories: money moved exactly once.`
        : `${failed.length} of ${results.length} stories FAILED: ${failed.map((result) => `(${result.id})`).join(' ')}`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    console.error = consoleError;
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`The demo could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
