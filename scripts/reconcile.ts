/**
 * Operators' command: prove every balance from its entries and the ledger
 * (domain/reconcile.ts), over the whole tables of a deployed stack or a
 * local one. The scheduled function of the stack runs the same code.
 *
 *   npm run reconcile [-- --margin-seconds 60] [--segments 4] [--page-size N]
 *
 * Progress (items/s) goes to stderr, one JSON line to stdout. Exit status:
 * 0 every account proven, 1 drift, 2 no drift but not everything proven
 * (accounts still moving after every re-read, or awaiting the backfill),
 * 3 the reconciliation could not run.
 *
 * Settings as for `npm run accounts`: ACCOUNTS_TABLE_NAME, LEDGER_TABLE_NAME,
 * STATEMENTS_TABLE_NAME, IDEMPOTENCY_TABLE_NAME (the stack's outputs),
 * DYNAMODB_ENDPOINT for DynamoDB Local; RECONCILE_MARGIN_SECONDS and
 * RECONCILE_SEGMENTS, which the options override.
 */
import { parseArgs } from 'node:util';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { DynamoDbLedgerSource } from '../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type ReconcileProgress, type ReconcileReport } from '../domain/reconcile';
import { readConfig, readReconcileSettings } from '../functions/shared/config';

const USAGE = 'Usage: npm run reconcile [-- --margin-seconds <s>] [--segments <n>] [--page-size <items>]';

const EXIT = { ok: 0, drift: 1, unproven: 2, failed: 3 } as const;

class UsageError extends Error {}

function integerOption(value: string | undefined, name: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < minimum) throw new UsageError(`--${name} must be an integer, at least ${minimum}.`);
  return parsed;
}

function parseOptions(argv: string[]): Record<string, string | undefined> {
  try {
    return parseArgs({
      args: argv,
      options: { 'margin-seconds': { type: 'string' }, segments: { type: 'string' }, 'page-size': { type: 'string' } },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const number = (value: number) => value.toLocaleString('en-US');

function progressLine({ scannedItems, byTable, elapsedMs }: ReconcileProgress): string {
  const tables = Object.entries(byTable)
    .map(([table, count]) => `${table} ${number(count)}`)
    .join(', ');
  const rate = elapsedMs === 0 ? 0 : Math.round((scannedItems * 1000) / elapsedMs);
  return `reconcile: ${number(scannedItems)} items scanned (${tables}), ${number(rate)} items/s`;
}

function verdictLine(report: ReconcileReport): string {
  const scope = `${number(report.accounts)} accounts, ${number(report.entries)} entries, ${number(report.movements)} movements, ${number(report.usedKeys)} used key(s)`;
  if (report.ok) return `reconcile: ok, every balance proven (${scope}; ${report.rechecked} re-read while moving) in ${(report.durationMs / 1000).toFixed(1)} s`;
  const parts = [
    report.driftCount > 0 ? `DRIFT: ${report.driftCount} finding(s)` : 'no drift',
    report.unverifiableCount > 0 ? `${report.unverifiableCount} account(s) still moving after every re-read` : '',
    report.needsBackfillCount > 0 ? `${report.needsBackfillCount} account(s) need \`npm run backfill-entries\`` : '',
  ];
  return `reconcile: ${parts.filter((part) => part !== '').join('; ')} (${scope})`;
}

async function main(argv: string[]): Promise<number> {
  const values = parseOptions(argv);
  const settings = readReconcileSettings();
  const marginSeconds = integerOption(values['margin-seconds'], 'margin-seconds', 0) ?? settings.marginSeconds;
  const segments = integerOption(values.segments, 'segments', 1) ?? settings.segments;
  const pageSize = integerOption(values['page-size'], 'page-size', 1);
  const config = readConfig();
  const { client, documentClient } = connectDynamoDb(config.dynamoDbEndpoint === undefined ? {} : { endpoint: config.dynamoDbEndpoint });
  try {
    let lastPrinted = 0;
    const report = await reconcileLedger(new DynamoDbLedgerSource(documentClient, config.tables), {
      marginSeconds,
      segments,
      ...(pageSize === undefined ? {} : { pageSize }),
      onProgress(progress) {
        if (progress.elapsedMs - lastPrinted < 1000) return;
        lastPrinted = progress.elapsedMs;
        console.error(progressLine(progress));
      },
    });
    console.error(progressLine({ scannedItems: report.scannedItems, byTable: {}, elapsedMs: report.durationMs }).replace(' ()', ''));
    console.error(verdictLine(report));
    console.log(JSON.stringify(report));
    if (report.driftCount > 0) return EXIT.drift;
    return report.ok ? EXIT.ok : EXIT.unproven;
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
    else console.error(`reconcile could not run: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exitCode = EXIT.failed;
  },
);
