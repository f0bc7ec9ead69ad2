/**
 * Operators' one-off command for tables written before entries existed:
 * writes every ledger movement's entries, the transfers' lines in their
 * initiators' lists, the accounts' lines in their owners' lists and the
 * accounts' versions (adapters/dynamodb/entry-backfill.ts). Idempotent:
 * a second run writes nothing. Safe while transfers run.
 *
 *   npm run backfill-entries [-- --segments 4]
 *
 * Progress (items/s) to stderr, one JSON line to stdout. Exit status 0 when
 * every movement has its entries, 1 when some could not be written (listed
 * in `failed`; rerun once fixed), 3 when the backfill could not run.
 * Settings as for `npm run accounts` (table names, DYNAMODB_ENDPOINT).
 */
import { parseArgs } from 'node:util';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { DynamoDbEntryBackfill } from '../adapters/dynamodb/entry-backfill';
import { readConfig, readReconcileSettings } from '../functions/shared/config';

const USAGE = 'Usage: npm run backfill-entries [-- --segments <n>]';

class UsageError extends Error {}

function segmentsOption(argv: string[]): number | undefined {
  let value: string | undefined;
  try {
    value = parseArgs({ args: argv, options: { segments: { type: 'string' } } }).values.segments;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (value === undefined) return undefined;
  const segments = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(segments) || segments < 1) throw new UsageError('--segments must be a positive integer.');
  return segments;
}

async function main(argv: string[]): Promise<number> {
  const segments = segmentsOption(argv) ?? readReconcileSettings().segments;
  const config = readConfig();
  const { client, documentClient } = connectDynamoDb(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint });
  const started = Date.now();
  let scanned = 0;
  let lastPrinted = 0;
  const progress = (final = false) => {
    const elapsedMs = Date.now() - started;
    if (!final && elapsedMs - lastPrinted < 1000) return;
    lastPrinted = elapsedMs;
    const rate = elapsedMs === 0 ? 0 : Math.round((scanned * 1000) / elapsedMs);
    console.error(`backfill-entries: ${scanned.toLocaleString('en-US')} items scanned, ${rate.toLocaleString('en-US')} items/s`);
  };
  try {
    const report = await new DynamoDbEntryBackfill(documentClient, config.tables).run({
      segments,
      onPage(_table, count) {
        scanned += count;
        progress();
      },
    });
    progress(true);
    console.error(
      `backfill-entries: ${report.written} movement(s) given their entries, ${report.alreadyPresent} had them, ${report.failed.length} failed; ` +
        `${report.ownerItemsWritten} owner list item(s) and ${report.versionsStarted} version(s) written`,
    );
    console.log(JSON.stringify(report));
    return report.failed.length === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
    else console.error(`backfill-entries could not run: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exitCode = 3;
  },
);
