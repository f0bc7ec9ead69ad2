import type { EntryDirection, Movement } from './entry';
import { LedgerTally, type AccountRow, type AccountTally, type EntryRow } from './ledger-tally';

/**
 * The reconciler (`npm run reconcile`, and the scheduled function). Over the
 * whole tables it proves:
 *
 *   1. per account: 0 + credits - debits = balance, and no balance is negative;
 *   2. the entries created before the cutoff are exactly the legs of the
 *      ledger's movements created before it: every movement has its entries
 *      (a debit and a credit; a funding, its credit) and every entry its movement;
 *   3. per currency: the sum of the balances is the sum of the funding;
 *   4. every USED key of an operation that writes a ledger item (a transfer,
 *      a reversal) has that ledger item.
 *
 * No false alarm while transfers run. A scan reads an account's balance and
 * its entries at different moments, with movements landing in between.
 *
 * (1) Versions. Every movement adds 1 to the `version` of each account it
 * touches, in the transaction that writes that account's entry
 * (adapters/dynamodb/items.ts, moveBalance): at every committed state,
 * version = number of entries. The scan folds each account's entries into
 * (credits, debits, count) and reads its (balance, version); when they agree
 * the account is proven. When they do not (usually a movement landed
 * between the two reads) the account is re-read on its own:
 *
 *     GetItem(account, consistent)   -> v1
 *     Query(all its entries, consistent)
 *     GetItem(account, consistent)   -> v2
 *
 * v1 = v2: no movement touched the account while its entries were read (one
 * would have raised the version in the transaction that wrote its entry),
 * so the entries read are exactly those of version v2: their count must be
 * v2 and credits - debits the balance. Otherwise retry, with backoff, a
 * bounded number of times, then report the account as unverifiable: not
 * proven, and not drift. A disagreement at a still version is read once
 * more before it counts as drift, so one odd read never pages anyone.
 *
 * (2) The cutoff. Pairing the legs of a movement across accounts needs one
 * moment for all of them, which a scan does not have. But a movement
 * commits within its function's timeout of its `createdAt`, or never: one
 * created before cutoff = start - margin (margin longer than that timeout,
 * conflict retries and clock skew included; SETTINGS.reconcileMarginSeconds)
 * committed before the scan started, so the strongly consistent scans see
 * its ledger item and each of its entries, whatever moves meanwhile. The
 * check on those movements is exact; later ones are the next run's. Per
 * account it compares two fingerprints (domain/ledger-tally.ts): of the
 * entries before the cutoff, and of the legs the movements before the
 * cutoff give the account. Memory stays a few numbers per account.
 *
 * (3) Conservation follows without one moment for all balances. A proven
 * balance is the sum of the account's entries at its version: those before
 * the cutoff, which (2) proved are exactly its legs of the settled
 * movements, plus the recent ones. Summed over a currency's accounts, each
 * settled transfer's two legs cancel, leaving the settled funding:
 *
 *     sum(balances) - sum(recent entries) = sum(funding before the cutoff)
 *
 * With nothing recent (a quiet system, or margin 0 once traffic stopped)
 * that is sum(balances) = sum(funding). The report shows both sides per
 * currency; settled entries that do not net to the settled funding are drift.
 *
 * Accounts without a version come from before entries existed: reported as
 * needing the backfill (`npm run backfill-entries`), not checked.
 */

/** A USED issued key: the transaction that used it made `resultId` (a transfer id, a reversal id, an account id). */
export interface UsedKeyRow {
  readonly keyId: string;
  readonly operation: string;
  readonly resultId: string | undefined;
}

/** The operations whose result is a ledger item; an account opened (`open-account`) is not one. */
export const LEDGER_OPERATIONS: ReadonlySet<string> = new Set(['transfer', 'reversal']);

/** Where the scan delivers its pages; each page is folded in and dropped. */
export interface ScanSink {
  accounts(rows: readonly AccountRow[]): void;
  entries(rows: readonly EntryRow[]): void;
  movements(rows: readonly Movement[]): void;
  /** Awaited before the next page, so the ledger look-ups keep pace with the scan. */
  usedKeys(rows: readonly UsedKeyRow[]): Promise<void>;
}

export interface ScanOptions {
  /** Parallel segments per table. */
  readonly segments: number;
  /** Items per Scan page (Limit); default: DynamoDB's 1 MB pages. */
  readonly pageSize?: number;
  /** After each page: the table and how many items it read (filtered out ones included). */
  readonly onPage?: (table: string, scannedItems: number) => void;
}

/** One account read with the consistent protocol above; entries go to `onEntries` page by page. */
export type AccountReading =
  | { readonly kind: 'read'; readonly account: AccountRow }
  /** The version moved between the two reads. */
  | { readonly kind: 'moved' }
  | { readonly kind: 'missing' };

/** What the reconciler needs from storage (adapters/dynamodb/reconcile-store.ts). */
export interface LedgerSource {
  scan(sink: ScanSink, options: ScanOptions): Promise<void>;
  readAccountSettled(accountId: string, onEntries: (rows: readonly EntryRow[]) => void): Promise<AccountReading>;
  /** Those of `ids` that have no ledger item (consistent reads). */
  missingLedgerItems(ids: readonly string[]): Promise<string[]>;
}

export interface RecheckPolicy {
  /** Settled reads of one account at most. */
  readonly maxAttempts: number;
  /** Before attempt n (n >= 2): a random delay in [0, baseDelayMs * 2^(n-2)]. */
  readonly baseDelayMs: number;
  /** Accounts re-read at once. */
  readonly concurrency: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const defaultRecheckPolicy: RecheckPolicy = {
  maxAttempts: 6,
  baseDelayMs: 50,
  concurrency: 8,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface ReconcileOptions {
  /** The cutoff is the start minus this (see (2) above). */
  readonly marginSeconds: number;
  readonly segments: number;
  readonly pageSize?: number;
  readonly recheck?: Partial<RecheckPolicy>;
  readonly now?: () => Date;
  readonly onProgress?: (progress: ReconcileProgress) => void;
}

export interface ReconcileProgress {
  readonly scannedItems: number;
  readonly byTable: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

export type DriftFinding =
  /** The balance is not 0 + credits - debits of its entries, or the version not their count (read consistently, twice). */
  | {
      readonly kind: 'balance';
      readonly accountId: string;
      readonly balance: number;
      readonly version: number;
      readonly entries: number;
      readonly credits: number;
      readonly debits: number;
    }
  | { readonly kind: 'negative-balance'; readonly accountId: string; readonly balance: number }
  /** The entries before the cutoff are not exactly the legs of the ledger's movements before it (missing, extra or altered). */
  | { readonly kind: 'entries'; readonly accountId: string; readonly entriesBeforeCutoff: number; readonly legsBeforeCutoff: number }
  | { readonly kind: 'currency'; readonly accountId: string; readonly currency: string; readonly entryCurrencies: readonly string[] }
  /** Entries or ledger movements for an account that does not exist. */
  | { readonly kind: 'unknown-account'; readonly accountId: string; readonly entries: number; readonly legsBeforeCutoff: number }
  | { readonly kind: 'missing-ledger-item'; readonly keyId: string; readonly operation: string; readonly resultId: string | null }
  /** The settled entries of a currency do not net to its settled funding. */
  | { readonly kind: 'unpaired-legs'; readonly currency: string; readonly fundedBeforeCutoff: number; readonly entriesNetBeforeCutoff: number };

export interface CurrencyTotals {
  readonly currency: string;
  readonly balances: number;
  readonly fundedBeforeCutoff: number;
  /** Net of the entries at or after the cutoff in the balances read. */
  readonly movedSinceCutoff: number;
  /** balances - movedSinceCutoff = fundedBeforeCutoff, and the settled entries net to the settled funding. */
  readonly ok: boolean;
}

/** The one JSON line of `npm run reconcile`. Lists are capped at LIST_LIMIT; the counts are not. */
export interface ReconcileReport {
  readonly ok: boolean;
  readonly accounts: number;
  readonly entries: number;
  readonly movements: number;
  /** USED keys of transfers and reversals checked against the ledger. */
  readonly usedKeys: number;
  readonly drift: readonly DriftFinding[];
  readonly driftCount: number;
  /** Accounts still moving after every re-read. */
  readonly unverifiable: readonly string[];
  readonly unverifiableCount: number;
  /** Accounts without a version: older than entries; run `npm run backfill-entries`. */
  readonly needsBackfill: readonly string[];
  readonly needsBackfillCount: number;
  readonly currencies: readonly CurrencyTotals[];
  /** Accounts proven by a consistent re-read after the scan disagreed. */
  readonly rechecked: number;
  readonly cutoff: string;
  readonly startedAt: string;
  readonly scannedItems: number;
  readonly durationMs: number;
  readonly itemsPerSecond: number;
}

export const LIST_LIMIT = 1000;

/** Figures of one account that agree with each other: a proven balance. */
interface ProvenFigures {
  readonly balance: number;
  readonly currency: string;
  readonly recentNet: number;
}

type Verdict =
  | { readonly kind: 'proven'; readonly figures: ProvenFigures }
  | { readonly kind: 'drift'; readonly finding: DriftFinding; readonly figures: ProvenFigures }
  | { readonly kind: 'unverifiable' }
  | { readonly kind: 'needs-backfill' }
  | { readonly kind: 'missing' };

const signed = (entry: { direction: EntryDirection; amount: number }) => (entry.direction === 'credit' ? entry.amount : -entry.amount);

export async function reconcileLedger(source: LedgerSource, options: ReconcileOptions): Promise<ReconcileReport> {
  const now = options.now ?? (() => new Date());
  const policy: RecheckPolicy = { ...defaultRecheckPolicy, ...options.recheck };
  const started = now();
  const cutoff = new Date(started.getTime() - options.marginSeconds * 1000).toISOString();
  const tally = new LedgerTally(cutoff);
  const drift: DriftFinding[] = [];
  let usedKeys = 0;

  // 1. One pass over the four tables, folding every page into the tally.
  const byTable: Record<string, number> = {};
  let scannedItems = 0;
  await source.scan(
    {
      accounts: (rows) => rows.forEach((row) => tally.addAccount(row)),
      entries: (rows) => rows.forEach((row) => tally.addEntry(row)),
      movements: (rows) => rows.forEach((row) => tally.addMovement(row)),
      async usedKeys(rows) {
        const checked = rows.filter((row) => LEDGER_OPERATIONS.has(row.operation));
        usedKeys += checked.length;
        for (const row of checked) {
          if (row.resultId === undefined) drift.push({ kind: 'missing-ledger-item', keyId: row.keyId, operation: row.operation, resultId: null });
        }
        const named = checked.filter((row): row is UsedKeyRow & { resultId: string } => row.resultId !== undefined);
        const missing = new Set(await source.missingLedgerItems(named.map((row) => row.resultId)));
        for (const row of named) {
          if (missing.has(row.resultId)) drift.push({ kind: 'missing-ledger-item', keyId: row.keyId, operation: row.operation, resultId: row.resultId });
        }
      },
    },
    {
      segments: options.segments,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      onPage(table, count) {
        scannedItems += count;
        byTable[table] = (byTable[table] ?? 0) + count;
        options.onProgress?.({ scannedItems, byTable: { ...byTable }, elapsedMs: now().getTime() - started.getTime() });
      },
    },
  );

  // 2. Each account: from the scan when its figures agree, else re-read consistently.
  const verdicts = new Map<string, Verdict>();
  const recheck: AccountTally[] = [];
  for (const account of tally.accounts.values()) {
    const fromScan = scanVerdict(account);
    if (fromScan === undefined) recheck.push(account);
    else verdicts.set(account.accountId, fromScan);
  }
  let rechecked = 0;
  await inPool(recheck, policy.concurrency, async (account) => {
    const verdict = await recheckAccount(source, account.accountId, tally, policy);
    if (verdict.kind === 'proven') rechecked += 1;
    verdicts.set(account.accountId, verdict);
  });

  // 3. Findings per account, then per currency.
  const unverifiable: string[] = [];
  const needsBackfill: string[] = [];
  const balances = new Map<string, { balances: number; movedSinceCutoff: number }>();
  for (const account of tally.accounts.values()) {
    const verdict = verdicts.get(account.accountId) as Verdict;
    if (verdict.kind === 'needs-backfill') {
      needsBackfill.push(account.accountId);
      continue;
    }
    if (verdict.kind === 'missing') {
      drift.push({ kind: 'unknown-account', accountId: account.accountId, entries: account.entries, legsBeforeCutoff: account.legsBeforeCutoff.count });
      continue;
    }
    if (!account.entriesBeforeCutoff.equals(account.legsBeforeCutoff)) {
      drift.push({
        kind: 'entries',
        accountId: account.accountId,
        entriesBeforeCutoff: account.entriesBeforeCutoff.count,
        legsBeforeCutoff: account.legsBeforeCutoff.count,
      });
    }
    if (verdict.kind === 'unverifiable') {
      unverifiable.push(account.accountId);
      continue;
    }
    const { figures } = verdict;
    if (verdict.kind === 'drift') drift.push(verdict.finding);
    if (figures.balance < 0) drift.push({ kind: 'negative-balance', accountId: account.accountId, balance: figures.balance });
    const foreign = [...account.entryCurrencies].filter((currency) => currency !== figures.currency);
    if (foreign.length > 0) drift.push({ kind: 'currency', accountId: account.accountId, currency: figures.currency, entryCurrencies: foreign });
    const sums = balances.get(figures.currency) ?? { balances: 0, movedSinceCutoff: 0 };
    sums.balances += figures.balance;
    sums.movedSinceCutoff += figures.recentNet;
    balances.set(figures.currency, sums);
  }
  const currencies = [...new Set([...balances.keys(), ...tally.currencies.keys()])].sort().map((currency): CurrencyTotals => {
    const settled = tally.currencies.get(currency) ?? { fundedBeforeCutoff: 0, entriesNetBeforeCutoff: 0 };
    const sums = balances.get(currency) ?? { balances: 0, movedSinceCutoff: 0 };
    const legsPair = settled.entriesNetBeforeCutoff === settled.fundedBeforeCutoff;
    // Entries awaiting the backfill cannot pair yet: that is reported as such, not as drift.
    if (!legsPair && needsBackfill.length === 0) {
      drift.push({ kind: 'unpaired-legs', currency, ...settled });
    }
    return {
      currency,
      balances: sums.balances,
      fundedBeforeCutoff: settled.fundedBeforeCutoff,
      movedSinceCutoff: sums.movedSinceCutoff,
      ok: legsPair && sums.balances - sums.movedSinceCutoff === settled.fundedBeforeCutoff,
    };
  });

  const durationMs = now().getTime() - started.getTime();
  return {
    ok: drift.length === 0 && unverifiable.length === 0 && needsBackfill.length === 0,
    accounts: tally.accountItems,
    entries: tally.entryItems,
    movements: tally.movementItems,
    usedKeys,
    drift: drift.slice(0, LIST_LIMIT),
    driftCount: drift.length,
    unverifiable: unverifiable.slice(0, LIST_LIMIT),
    unverifiableCount: unverifiable.length,
    needsBackfill: needsBackfill.slice(0, LIST_LIMIT),
    needsBackfillCount: needsBackfill.length,
    currencies,
    rechecked,
    cutoff,
    startedAt: started.toISOString(),
    scannedItems,
    durationMs,
    itemsPerSecond: durationMs === 0 ? scannedItems : Math.round((scannedItems * 1000) / durationMs),
  };
}

/** The scan's own verdict, or undefined when the account must be re-read. */
function scanVerdict(tally: AccountTally): Verdict | undefined {
  const { account } = tally;
  // No account item yet: perhaps opened after the scan passed its key.
  if (account === undefined) return undefined;
  if (account.version === undefined) return { kind: 'needs-backfill' };
  const agrees = tally.credits - tally.debits === account.balance && tally.entries === account.version;
  return agrees ? { kind: 'proven', figures: { balance: account.balance, currency: account.currency, recentNet: tally.recentNet } } : undefined;
}

/** The consistent protocol of (1) above, retried while the account moves. */
async function recheckAccount(source: LedgerSource, accountId: string, tally: LedgerTally, policy: RecheckPolicy): Promise<Verdict> {
  let disagreements = 0;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (attempt > 1) await policy.sleep(Math.floor(policy.random() * policy.baseDelayMs * 2 ** (attempt - 2)));
    let credits = 0;
    let debits = 0;
    let entries = 0;
    let recentNet = 0;
    const reading = await source.readAccountSettled(accountId, (rows) => {
      for (const row of rows) {
        if (row.direction === 'credit') credits += row.amount;
        else debits += row.amount;
        entries += 1;
        if (!tally.isSettled(row.createdAt)) recentNet += signed(row);
      }
    });
    if (reading.kind === 'missing') return { kind: 'missing' };
    if (reading.kind === 'moved') continue;
    const { account } = reading;
    if (account.version === undefined) return { kind: 'needs-backfill' };
    const figures = { balance: account.balance, currency: account.currency, recentNet };
    if (credits - debits === account.balance && entries === account.version) return { kind: 'proven', figures };
    disagreements += 1;
    if (disagreements >= 2) {
      return {
        kind: 'drift',
        figures,
        finding: { kind: 'balance', accountId, balance: account.balance, version: account.version, entries, credits, debits },
      };
    }
  }
  return { kind: 'unverifiable' };
}

/** Runs `work` over `items`, at most `concurrency` at once. */
async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
