import { defaultConflictRetryPolicy } from '../../domain/create-transfer';
import { isFinal, type EpisodeLog, type RunAccount } from './episode';
import type { ChaosWorld, Delivery } from './world';

/**
 * The invariants of DESIGN.md, read back from the tables after a run, over
 * the run's own accounts:
 *
 *   I1 conservation   the balances add up to the money funded, per currency
 *   I2 no overdraft   no balance is negative
 *   I3 at most once   no key has more than one ledger movement; a key
 *                     answered 201 has exactly one, a declined key none
 *   I4 ledger         replaying the ledger from zero gives every balance
 *   I5 replay         every final answer of a key is the same status and
 *                     body (byte for byte), and a 201 is the ledger's transfer
 *
 * plus what the chaos itself must not break: no 500, no handler that
 * throws, retries of the transaction bounded, a record left in progress
 * answers 409 until its lease ends and then the original transfer.
 */

export interface RunVerdict {
  readonly conserved: boolean;
  readonly negativeBalances: number;
  readonly ledgerMatches: boolean;
  /** Keys whose money moved more than once, plus accounts debited beyond what the ledger explains. */
  readonly doubleDebits: number;
  /** Minor units that vanished: missing from the totals, or a 201 without its ledger movement. */
  readonly lostMoney: number;
  /** Keys whose money moved although every answer said it did not. */
  readonly silentMovements: number;
  readonly replaysIdentical: boolean;
  readonly unexpectedAnswers: number;
  /** The most TransactWriteItems calls one request made. */
  readonly maxTransactCalls: number;
  readonly problems: readonly string[];
  readonly passed: boolean;
}

/** With the SDK's idempotency token refused (IdempotentParameterMismatch) an attempt makes a second call. */
export const MAX_TRANSACT_CALLS_PER_REQUEST = 2 * defaultConflictRetryPolicy.maxAttempts;

/** What the API may answer a well-formed transfer with, faults or not. */
const EXPECTED_STATUSES = new Set([201, 404, 409, 422, 503]);

const add = (map: Map<string, number>, key: string, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);

export async function checkRun(world: ChaosWorld, accounts: readonly RunAccount[], episodes: readonly EpisodeLog[]): Promise<RunVerdict> {
  const problems: string[] = [];
  const runAccountIds = new Set(accounts.map((account) => account.accountId));
  const [accountItems, ledgerItems] = await Promise.all([world.harness.tables.scan('accounts'), world.harness.tables.scan('ledger')]);
  const ledger = ledgerItems.filter((entry) => runAccountIds.has(String(entry.toAccountId)) || runAccountIds.has(String(entry.fromAccountId)));

  // I1, I2, I4 from the tables alone.
  const balances = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const item of accountItems) {
    if (!runAccountIds.has(String(item.accountId))) continue;
    balances.set(String(item.accountId), Number(item.balance));
    add(totals, String(item.currency), Number(item.balance));
  }
  const funded = new Map<string, number>();
  const replayed = new Map<string, number>([...balances.keys()].map((accountId) => [accountId, 0]));
  for (const entry of ledger) {
    const amount = Number(entry.amount);
    if (entry.kind === 'funding') add(funded, String(entry.currency), amount);
    else add(replayed, String(entry.fromAccountId), -amount);
    add(replayed, String(entry.toAccountId), amount);
  }
  let lostMoney = 0;
  const currencies = new Set([...totals.keys(), ...funded.keys()]);
  const conserved = [...currencies].every((currency) => totals.get(currency) === funded.get(currency));
  for (const currency of currencies) lostMoney += Math.max(0, (funded.get(currency) ?? 0) - (totals.get(currency) ?? 0));
  if (!conserved) problems.push(`I1: totals ${JSON.stringify([...totals])} differ from funding ${JSON.stringify([...funded])}`);
  const negativeBalances = [...balances.values()].filter((balance) => balance < 0).length;
  if (negativeBalances > 0) problems.push(`I2: ${negativeBalances} negative balance(s)`);
  const mismatched = [...balances].filter(([accountId, balance]) => replayed.get(accountId) !== balance);
  const ledgerMatches = mismatched.length === 0;
  if (!ledgerMatches) problems.push(`I4: ledger replay differs for ${mismatched.map(([id, balance]) => `${id} (${balance} vs ${replayed.get(id)})`).join(', ')}`);
  let doubleDebits = mismatched.filter(([accountId, balance]) => balance < (replayed.get(accountId) ?? 0)).length;

  // I3 and I5, key by key.
  const entriesByReference = new Map<string, Record<string, unknown>[]>();
  for (const entry of ledger) {
    if (entry.kind !== 'transfer') continue;
    const reference = String(entry.reference);
    entriesByReference.set(reference, [...(entriesByReference.get(reference) ?? []), entry]);
  }
  let silentMovements = 0;
  let replaysIdentical = true;
  let unexpectedAnswers = 0;
  let maxTransactCalls = 0;
  for (const episode of episodes) {
    const { key, final } = episode;
    const entries = entriesByReference.get(episode.body.reference) ?? [];
    const everything = [...episode.deliveries, episode.changedPayloadAnswer, episode.afterExpiry].filter((delivery): delivery is Delivery => delivery !== undefined);
    problems.push(...episode.problems);

    for (const delivery of everything) {
      maxTransactCalls = Math.max(maxTransactCalls, delivery.transactCalls);
      if (delivery.kind === 'threw') {
        unexpectedAnswers += 1;
        problems.push(`key ${key}: the handler threw ${delivery.error}`);
      } else if (delivery.kind === 'answer' && !EXPECTED_STATUSES.has(delivery.status)) {
        unexpectedAnswers += 1;
        problems.push(`key ${key}: unexpected ${delivery.status} ${delivery.rawBody}`);
      }
    }

    if (entries.length > 1) {
      doubleDebits += entries.length - 1;
      problems.push(`I3: key ${key} moved money ${entries.length} times`);
    }
    if (final === undefined) continue;

    // I5: every final answer for the original payload is the first one, byte for byte.
    const finals = [...episode.deliveries, ...(episode.afterExpiry === undefined ? [] : [episode.afterExpiry])].filter(isFinal);
    const different = finals.filter((answer) => answer.status !== final.status || answer.rawBody !== final.rawBody);
    if (different.length > 0) {
      replaysIdentical = false;
      problems.push(`I5: key ${key} answered ${final.status} ${final.rawBody} first, then ${different.map((answer) => `${answer.status} ${answer.rawBody}`).join(' | ')}`);
    }
    if (episode.afterExpiry !== undefined && !(episode.afterExpiry.kind === 'answer' && episode.afterExpiry.replayed)) {
      replaysIdentical = false;
      problems.push(`I5: key ${key}: after its record expired, the retry was not answered from the ledger`);
    }

    // I3: the answer and the ledger agree.
    if (final.status === 201) {
      const [entry] = entries;
      if (entry === undefined) {
        lostMoney += episode.body.amount;
        problems.push(`I3: key ${key} was answered 201 but no money moved`);
      } else if (!sameTransfer(final.body, entry)) {
        replaysIdentical = false;
        problems.push(`I5: key ${key}: the 201 ${final.rawBody} is not the ledger's ${JSON.stringify(entry)}`);
      }
    } else if (entries.length > 0) {
      silentMovements += 1;
      problems.push(`I3: key ${key} was answered ${final.status} but its money moved`);
    }

    // A crash after the commit: once the lease ended, the retry found the ledger item.
    const [entry] = entries;
    if (episode.crashed && final.status === 201 && entry !== undefined && Date.parse(String(entry.createdAt)) <= episode.firstAttemptEndedAt && !final.replayed) {
      problems.push(`crash: key ${key}: the retry after the lease re-executed instead of answering with the original`);
    }
    const afterCrash = episode.afterCrash;
    if (afterCrash !== undefined && !(afterCrash.kind === 'answer' && afterCrash.status === 201 && afterCrash.replayed)) {
      problems.push(`crash: key ${key}: the retry right after a crash that followed the commit got ${afterCrash.kind === 'answer' ? afterCrash.status : afterCrash.kind}, not the original at once`);
    }
    const leased = episode.whileLeased;
    if (leased !== undefined && !(leased.kind === 'answer' && leased.status === 409)) {
      problems.push(`lease: key ${key}: a retry while the record was in progress got ${leased.kind === 'answer' ? leased.status : leased.kind}, not 409`);
    }
    const changed = episode.changedPayloadAnswer;
    if (changed !== undefined && !(changed.kind === 'answer' && changed.status === 422 && String(changed.body.type).endsWith(':idempotency-key-reused'))) {
      problems.push(`I3: key ${key}: a changed payload got ${changed.kind === 'answer' ? `${changed.status} ${changed.rawBody}` : changed.kind}, not 422 idempotency-key-reused`);
    }
  }
  if (maxTransactCalls > MAX_TRANSACT_CALLS_PER_REQUEST) {
    problems.push(`retries: one request made ${maxTransactCalls} TransactWriteItems calls (bound ${MAX_TRANSACT_CALLS_PER_REQUEST})`);
  }

  const passed = problems.length === 0;
  return {
    conserved,
    negativeBalances,
    ledgerMatches,
    doubleDebits,
    lostMoney,
    silentMovements,
    replaysIdentical,
    unexpectedAnswers,
    maxTransactCalls,
    problems,
    passed,
  };
}

function sameTransfer(answer: Record<string, unknown>, entry: Record<string, unknown>): boolean {
  return (['transferId', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'reference', 'createdAt'] as const).every(
    (field) => answer[field] === entry[field],
  );
}
