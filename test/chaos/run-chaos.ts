import fc from 'fast-check';
import { DynamoDbLedgerSource } from '../../adapters/dynamodb/reconcile-store';
import { reconcileLedger, type ReconcileReport } from '../../domain/reconcile';
import { checkRun, type RunVerdict } from './checks';
import { playEpisode, type EpisodeLog, type RunAccount } from './episode';
import { scenarioPlan, type ScenarioPlan } from './scenario';
import type { ChaosWorld } from './world';

/**
 * The chaos property: for every scenario fast-check draws from the seed,
 * playing it against the handlers with its faults leaves I1-I5 intact.
 * Runs are reproducible from (seed, runs, size): fast-check draws the same
 * scenarios in the same order (the interleaving of concurrent requests on
 * DynamoDB Local is up to the machine, which is the point).
 */

export interface ChaosOptions {
  readonly seed: number;
  /** Scenarios (fast-check runs). */
  readonly runs: number;
  readonly minEpisodes: number;
  readonly maxEpisodes: number;
  /** Episodes in flight at once within a run. */
  readonly concurrency: number;
  /** Shrink a failing scenario to a smaller one (slow: every step replays against DynamoDB Local). */
  readonly shrink?: boolean;
  /** One line per run. */
  readonly log?: (line: string) => void;
}

/** The JSON line of `npm run chaos`: the fields the issue asks for first, then the detail. */
export interface ChaosReport {
  readonly seed: number;
  readonly requests: number;
  readonly duplicates: number;
  readonly faultsInjected: number;
  readonly crashes: number;
  /** Crashes right after the commit, each retried at once. */
  readonly crashesAfterCommit: number;
  /** Of those retries, answered at once with the original (201, Idempotent-Replayed): the record completed with the money. */
  readonly immediateReplaysAfterCrash: number;
  readonly doubleDebits: number;
  readonly lostMoney: number;
  readonly conserved: boolean;
  readonly ledgerMatches: boolean;
  readonly replaysIdentical: boolean;
  readonly runs: number;
  readonly transfers: number;
  readonly completed: number;
  readonly declined: number;
  readonly negativeBalances: number;
  readonly silentMovements: number;
  readonly unexpectedAnswers: number;
  /** Records left INPROGRESS by a crash or a failed completion, recovered after their lease. */
  readonly leasesExpired: number;
  /** Idempotency records deleted or expired while the ledger item remained. */
  readonly expiredRecords: number;
  /** Answers 409 transaction-conflict: the use case's retries ran out. */
  readonly conflictsExhausted: number;
  readonly maxTransactCallsPerRequest: number;
  /** `npm run reconcile` over the whole tables once the chaos ended: every balance proven from its entries and the ledger. */
  readonly reconcile: ReconcileSummary;
  readonly durationMs: number;
  readonly passed: boolean;
  /** The first problems found, when any. */
  readonly problems?: readonly string[];
  /** fast-check's path to replay the failing scenario (with the same seed). */
  readonly counterexamplePath?: string;
}

export interface ReconcileSummary {
  readonly ok: boolean;
  readonly accounts: number;
  readonly entries: number;
  readonly movements: number;
  readonly driftCount: number;
  readonly unverifiableCount: number;
  readonly needsBackfillCount: number;
  readonly durationMs: number;
  /** The first findings, when any. */
  readonly drift?: ReconcileReport['drift'];
}

export async function runChaos(world: ChaosWorld, options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const requestsBefore = world.counters.requests;
  const faultsBefore = world.counters.faultsInjected;
  const totals = {
    runs: 0,
    transfers: 0,
    duplicates: 0,
    crashes: 0,
    crashesAfterCommit: 0,
    immediateReplaysAfterCrash: 0,
    completed: 0,
    declined: 0,
    leasesExpired: 0,
    expiredRecords: 0,
    conflictsExhausted: 0,
    doubleDebits: 0,
    lostMoney: 0,
    negativeBalances: 0,
    silentMovements: 0,
    unexpectedAnswers: 0,
    maxTransactCalls: 0,
    conserved: true,
    ledgerMatches: true,
    replaysIdentical: true,
  };
  const problems: string[] = [];

  const property = fc.asyncProperty(scenarioPlan({ minEpisodes: options.minEpisodes, maxEpisodes: options.maxEpisodes }), async (plan) => {
    const runStarted = Date.now();
    const requestsAtStart = world.counters.requests;
    const faultsAtStart = world.counters.faultsInjected;
    totals.runs += 1;
    const { accounts, principals } = await openAccounts(world, plan, totals.runs);
    const episodes = await pool(plan.episodes, options.concurrency, (episode) => playEpisode(world, episode, accounts, principals));
    const verdict = await checkRun(world, accounts, episodes);
    tally(totals, episodes, verdict);
    if (!verdict.passed) problems.push(...verdict.problems.slice(0, 20 - problems.length));
    options.log?.(
      `run ${totals.runs}: ${plan.accounts.length} accounts, ${episodes.length} transfers, ${world.counters.requests - requestsAtStart} requests, ` +
        `${world.counters.faultsInjected - faultsAtStart} faults, ${verdict.passed ? 'invariants hold' : `FAILED: ${verdict.problems[0]}`} ` +
        `(${((Date.now() - runStarted) / 1000).toFixed(1)} s)`,
    );
    return verdict.passed;
  });
  const details = await fc.check(property, { seed: options.seed, numRuns: options.runs, endOnFailure: options.shrink !== true });

  // The reconciler over everything the scenarios wrote, on the test's own
  // connection (no faults). Nothing is in flight any more: margin 0 pairs
  // the legs of every movement.
  const { documentClient } = world.harness.tables.connection;
  const reconciled = await reconcileLedger(new DynamoDbLedgerSource(documentClient, world.harness.tables.names), { marginSeconds: 0, segments: 4 });
  const reconcile: ReconcileSummary = {
    ok: reconciled.ok,
    accounts: reconciled.accounts,
    entries: reconciled.entries,
    movements: reconciled.movements,
    driftCount: reconciled.driftCount,
    unverifiableCount: reconciled.unverifiableCount,
    needsBackfillCount: reconciled.needsBackfillCount,
    durationMs: reconciled.durationMs,
    ...(reconciled.driftCount === 0 ? {} : { drift: reconciled.drift.slice(0, 10) }),
  };
  options.log?.(`reconcile: ${reconcile.ok ? 'ok' : 'NOT ok'}, ${reconcile.accounts} accounts, ${reconcile.entries} entries, ${reconcile.driftCount} drift finding(s)`);
  if (!reconcile.ok) problems.push(`reconcile: ${JSON.stringify(reconcile)}`);

  return {
    seed: options.seed,
    requests: world.counters.requests - requestsBefore,
    duplicates: totals.duplicates,
    faultsInjected: world.counters.faultsInjected - faultsBefore,
    crashes: totals.crashes,
    crashesAfterCommit: totals.crashesAfterCommit,
    immediateReplaysAfterCrash: totals.immediateReplaysAfterCrash,
    doubleDebits: totals.doubleDebits,
    lostMoney: totals.lostMoney,
    conserved: totals.conserved,
    ledgerMatches: totals.ledgerMatches,
    replaysIdentical: totals.replaysIdentical,
    runs: totals.runs,
    transfers: totals.transfers,
    completed: totals.completed,
    declined: totals.declined,
    negativeBalances: totals.negativeBalances,
    silentMovements: totals.silentMovements,
    unexpectedAnswers: totals.unexpectedAnswers,
    leasesExpired: totals.leasesExpired,
    expiredRecords: totals.expiredRecords,
    conflictsExhausted: totals.conflictsExhausted,
    maxTransactCallsPerRequest: totals.maxTransactCalls,
    reconcile,
    durationMs: Date.now() - started,
    passed: !details.failed && problems.length === 0,
    ...(problems.length === 0 && details.errorInstance === null ? {} : { problems: [...problems, ...(details.errorInstance === null ? [] : [String(details.errorInstance)])] }),
    ...(details.counterexamplePath === null ? {} : { counterexamplePath: details.counterexamplePath }),
  };
}

/** The run's principals and funded accounts, opened fresh so the checks can read this run alone. */
async function openAccounts(world: ChaosWorld, plan: ScenarioPlan, run: number): Promise<{ accounts: RunAccount[]; principals: string[] }> {
  const principals = Array.from({ length: plan.principals }, (_, index) => `chaos-run${run}-principal${index}`);
  const accounts = await Promise.all(
    plan.accounts.map(async ({ owner, currency, balance }) => {
      const ownerId = principals[owner] as string;
      const account = await world.harness.openFunded(ownerId, currency, balance);
      return { accountId: account.accountId, owner: ownerId, currency };
    }),
  );
  return { accounts, principals };
}

function tally(totals: Record<string, number | boolean>, episodes: readonly EpisodeLog[], verdict: RunVerdict): void {
  const count = (name: string, value: number) => (totals[name] = (totals[name] as number) + value);
  count('transfers', episodes.length);
  for (const episode of episodes) {
    const sent = episode.deliveries.length + (episode.changedPayloadAnswer === undefined ? 0 : 1) + (episode.afterExpiry === undefined ? 0 : 1);
    count('duplicates', sent - 1);
    if (episode.crashed) count('crashes', 1);
    if (episode.afterCrash !== undefined) {
      count('crashesAfterCommit', 1);
      if (episode.afterCrash.kind === 'answer' && episode.afterCrash.status === 201 && episode.afterCrash.replayed) count('immediateReplaysAfterCrash', 1);
    }
    if (episode.leftInProgress) count('leasesExpired', 1);
    if (episode.recordExpired) count('expiredRecords', 1);
    if (episode.final?.status === 201) count('completed', 1);
    else if (episode.final !== undefined) count('declined', 1);
    count(
      'conflictsExhausted',
      episode.deliveries.filter((delivery) => delivery.kind === 'answer' && String(delivery.body.type).endsWith(':transaction-conflict')).length,
    );
  }
  count('doubleDebits', verdict.doubleDebits);
  count('lostMoney', verdict.lostMoney);
  count('negativeBalances', verdict.negativeBalances);
  count('silentMovements', verdict.silentMovements);
  count('unexpectedAnswers', verdict.unexpectedAnswers);
  totals.maxTransactCalls = Math.max(totals.maxTransactCalls as number, verdict.maxTransactCalls);
  totals.conserved = (totals.conserved as boolean) && verdict.conserved;
  totals.ledgerMatches = (totals.ledgerMatches as boolean) && verdict.ledgerMatches;
  totals.replaysIdentical = (totals.replaysIdentical as boolean) && verdict.replaysIdentical;
}

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
