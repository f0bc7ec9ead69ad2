import { createHash } from 'node:crypto';
import { entriesOf, type EntryDirection, type EntryKind, type Movement } from './entry';

/**
 * What the reconciler's scan adds up, account by account (domain/reconcile.ts
 * explains what it proves). Memory is a few numbers per account and per
 * currency: entries and movements are folded in as they stream past and
 * never kept, so 100 million entries cost no more than 100.
 */

/** An account as the accounts table holds it. `version` is absent on accounts from before entries existed. */
export interface AccountRow {
  readonly accountId: string;
  readonly currency: string;
  readonly balance: number;
  readonly version: number | undefined;
}

/** One entry of an account's statement, the fields the reconciler reads. */
export interface EntryRow {
  readonly accountId: string;
  /** The ledger item the entry belongs to. */
  readonly movementId: string;
  readonly kind: EntryKind;
  readonly direction: EntryDirection;
  readonly amount: number;
  readonly currency: string;
  readonly counterpartyAccountId: string | null;
  readonly createdAt: string;
}

/**
 * An order-independent fingerprint of a multiset of entries: their count and
 * the sum of 48-bit hashes, modulo 2^48. Two multisets with equal
 * fingerprints are equal but with probability about 2^-48, and adding one
 * entry costs a hash: the reconciler proves "these entries are exactly the
 * legs of those movements" without holding either list in memory.
 */
export class Fingerprint {
  count = 0;
  private sum = 0;

  add(leg: EntryRow): void {
    const digest = createHash('md5')
      .update(
        [leg.movementId, leg.accountId, leg.direction, leg.kind, String(leg.amount), leg.currency, leg.createdAt, leg.counterpartyAccountId ?? ''].join(
          '\u0000',
        ),
      )
      .digest();
    this.count += 1;
    // Both terms are below 2^48, the sum below 2^49: exact in a double.
    this.sum = (this.sum + digest.readUIntBE(0, 6)) % 2 ** 48;
  }

  equals(other: Fingerprint): boolean {
    return this.count === other.count && this.sum === other.sum;
  }
}

export interface AccountTally {
  readonly accountId: string;
  /** From the accounts table; undefined when the scan found no account item. */
  account: AccountRow | undefined;
  /** Every entry the scan saw: what the balance read should equal. */
  credits: number;
  debits: number;
  entries: number;
  /** Net of the entries at or after the cutoff (credits minus debits). */
  recentNet: number;
  /** Entries before the cutoff, and the legs the ledger's movements before the cutoff say the account has. */
  readonly entriesBeforeCutoff: Fingerprint;
  readonly legsBeforeCutoff: Fingerprint;
  /** The currencies of its entries: the account's own, and nothing else. */
  readonly entryCurrencies: Set<string>;
}

export interface CurrencyTally {
  /** Funding movements of the ledger before the cutoff. */
  fundedBeforeCutoff: number;
  /** Net (credits minus debits) of every entry before the cutoff. */
  entriesNetBeforeCutoff: number;
}

const signed = (entry: { direction: EntryDirection; amount: number }) => (entry.direction === 'credit' ? entry.amount : -entry.amount);

export class LedgerTally {
  readonly accounts = new Map<string, AccountTally>();
  readonly currencies = new Map<string, CurrencyTally>();
  accountItems = 0;
  entryItems = 0;
  movementItems = 0;

  /** `cutoff`: an ISO 8601 instant; movements and entries created before it are settled (see domain/reconcile.ts). */
  constructor(private readonly cutoff: string) {}

  addAccount(row: AccountRow): void {
    this.accountItems += 1;
    this.tallyOf(row.accountId).account = row;
  }

  addEntry(entry: EntryRow): void {
    this.entryItems += 1;
    const tally = this.tallyOf(entry.accountId);
    if (entry.direction === 'credit') tally.credits += entry.amount;
    else tally.debits += entry.amount;
    tally.entries += 1;
    tally.entryCurrencies.add(entry.currency);
    if (this.isSettled(entry.createdAt)) {
      tally.entriesBeforeCutoff.add(entry);
      this.currencyOf(entry.currency).entriesNetBeforeCutoff += signed(entry);
    } else {
      tally.recentNet += signed(entry);
    }
  }

  /** A ledger item: its legs, as domain/entry.ts writes them, are what the accounts' entries must be. */
  addMovement(movement: Movement): void {
    this.movementItems += 1;
    if (!this.isSettled(movement.createdAt)) return;
    for (const leg of entriesOf(movement)) {
      this.tallyOf(leg.accountId).legsBeforeCutoff.add({ ...leg, movementId: movement.movementId });
    }
    if (movement.kind === 'funding') this.currencyOf(movement.currency).fundedBeforeCutoff += movement.amount;
  }

  isSettled(createdAt: string): boolean {
    // Fixed-width ISO 8601 UTC (Date#toISOString): string order is time order.
    return createdAt < this.cutoff;
  }

  private tallyOf(accountId: string): AccountTally {
    let tally = this.accounts.get(accountId);
    if (tally === undefined) {
      tally = {
        accountId,
        account: undefined,
        credits: 0,
        debits: 0,
        entries: 0,
        recentNet: 0,
        entriesBeforeCutoff: new Fingerprint(),
        legsBeforeCutoff: new Fingerprint(),
        entryCurrencies: new Set(),
      };
      this.accounts.set(accountId, tally);
    }
    return tally;
  }

  private currencyOf(currency: string): CurrencyTally {
    let tally = this.currencies.get(currency);
    if (tally === undefined) {
      tally = { fundedBeforeCutoff: 0, entriesNetBeforeCutoff: 0 };
      this.currencies.set(currency, tally);
    }
    return tally;
  }
}
