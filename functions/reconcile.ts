import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { connectDynamoDb } from '../adapters/dynamodb/client';
import { DynamoDbLedgerSource } from '../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type DriftFinding, type ReconcileReport } from '../domain/reconcile';
import { OBSERVABILITY } from '../lib/definitions';
import { configAtInit, readReconcileSettings } from './shared/config';
import { logger, metrics } from './shared/observability';

/**
 * Scheduled by EventBridge (lib/reconcile-schedule.ts): the reconciliation
 * of `npm run reconcile` (domain/reconcile.ts), over the deployed tables.
 * It publishes LedgerDrift, which the stack alarms on, and
 * LedgerUnverified, and logs which accounts drifted; `npm run reconcile`
 * against the same tables shows the figures.
 */

// Read at init: a bad setting fails the init, not every run.
const { tables, dynamoDbEndpoint } = configAtInit();
const settings = readReconcileSettings();

let source: DynamoDbLedgerSource | undefined;

/** What the log line and the invocation's result carry: ids and counts, never a balance. */
export interface ReconcileSummary {
  readonly ok: boolean;
  readonly accounts: number;
  readonly entries: number;
  readonly movements: number;
  readonly usedKeys: number;
  readonly driftCount: number;
  readonly drift: ReadonlyArray<{ readonly kind: DriftFinding['kind']; readonly subject: string }>;
  readonly unverifiableCount: number;
  readonly unverifiable: readonly string[];
  readonly needsBackfillCount: number;
  readonly rechecked: number;
  readonly currenciesOk: Readonly<Record<string, boolean>>;
  readonly cutoff: string;
  readonly durationMs: number;
  readonly itemsPerSecond: number;
}

export async function handler(_event: ScheduledEvent, context?: Context): Promise<ReconcileSummary> {
  if (context !== undefined) logger.addContext(context);
  // Its own client, not the shared traced one: tracing would add a
  // subsegment per Scan page, tens of thousands of them.
  source ??= new DynamoDbLedgerSource(connectDynamoDb(dynamoDbEndpoint === undefined ? {} : { endpoint: dynamoDbEndpoint }).documentClient, tables);

  const report = await reconcileLedger(source, settings);

  metrics.addMetric(OBSERVABILITY.metrics.ledgerDrift, MetricUnit.Count, report.driftCount);
  metrics.addMetric(OBSERVABILITY.metrics.ledgerUnverified, MetricUnit.Count, report.unverifiableCount + report.needsBackfillCount);
  metrics.publishStoredMetrics();
  const summary = summarise(report);
  if (report.driftCount > 0) logger.error('ledger drift', { reconcile: summary });
  else if (!report.ok) logger.warn('ledger not fully proven', { reconcile: summary });
  else logger.info('ledger reconciled', { reconcile: summary });
  return summary;
}

function summarise(report: ReconcileReport): ReconcileSummary {
  return {
    ok: report.ok,
    accounts: report.accounts,
    entries: report.entries,
    movements: report.movements,
    usedKeys: report.usedKeys,
    driftCount: report.driftCount,
    drift: report.drift.slice(0, 100).map((finding) => ({ kind: finding.kind, subject: subjectOf(finding) })),
    unverifiableCount: report.unverifiableCount,
    unverifiable: report.unverifiable.slice(0, 100),
    needsBackfillCount: report.needsBackfillCount,
    rechecked: report.rechecked,
    currenciesOk: Object.fromEntries(report.currencies.map((totals) => [totals.currency, totals.ok])),
    cutoff: report.cutoff,
    durationMs: report.durationMs,
    itemsPerSecond: report.itemsPerSecond,
  };
}

function subjectOf(finding: DriftFinding): string {
  switch (finding.kind) {
    case 'missing-ledger-item':
      // Not the key id: it holds the caller's key.
      return finding.resultId ?? `(a USED ${finding.operation} key without its result id)`;
    case 'unpaired-legs':
      return finding.currency;
    default:
      return finding.accountId;
  }
}
