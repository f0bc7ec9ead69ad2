import { OBSERVABILITY } from '../../lib/definitions';
import { countMetric } from '../shared/observability';
import type { Problem } from './responses';

const { metrics: names } = OBSERVABILITY;

/**
 * Counts what an idempotent operation (a transfer, a reversal, an account
 * opening) answered, one metric per answer (names in lib/definitions.ts,
 * alarms in lib/monitoring.ts). The names say "Transfer" for history; they
 * count every operation, and the alarms watch them all.
 */
export const operationOutcomes = {
  completed: (): void => countMetric(names.transfersCompleted),
  replayed: (): void => countMetric(names.replays),
  conflictRetried: (): void => countMetric(names.conflictRetries),
  /** A final decline, stored and replayed: counted once, when it is decided. */
  declined: (problem: Problem): void => countMetric(names.declines, problem.kind),
  /** Any other refusal or failure, by its problem kind. */
  refused(problem: Problem): void {
    if (problem.kind === 'request-in-progress') countMetric(names.inFlightConflicts);
    else if (problem.kind === 'transaction-conflict') countMetric(names.transactionConflicts);
    else if (problem.kind === 'idempotency-key-reused') countMetric(names.keyMismatches);
    else if (problem.kind.startsWith('idempotency-key-')) countMetric(names.keyRefusals, problem.kind);
    else if (problem.status === 503) countMetric(names.storeErrors);
    else if (problem.status >= 500) countMetric(names.unexpectedErrors);
    else if (problem.status === 400 || problem.status === 413 || problem.status === 415) countMetric(names.invalidRequests);
  },
};
