import { createHash } from 'node:crypto';

/**
 * Double-entry bookkeeping: every movement of money is two entries, a debit
 * on one account and a credit on another (funding, money from outside, is a
 * credit alone). They are written in the same transaction as the balances,
 * so an account's entries always explain its balance:
 *
 *   balance = 0 + sum(credits) - sum(debits)
 */
export type EntryKind = 'transfer' | 'reversal' | 'funding';
export type EntryDirection = 'debit' | 'credit';

/** One line of a statement, as GET /accounts/{accountId}/entries shows it. */
export interface Entry {
  readonly entryId: string;
  readonly accountId: string;
  readonly kind: EntryKind;
  readonly direction: EntryDirection;
  /** Minor units, positive; `direction` says which way. */
  readonly amount: number;
  readonly currency: string;
  /** The other side of the movement; null for funding. */
  readonly counterpartyAccountId: string | null;
  /** The transfer moved (for a reversal, the transfer reversed); null for funding. */
  readonly transferId: string | null;
  /** Set only on reversal entries. */
  readonly reversalId: string | null;
  readonly reference: string | null;
  readonly createdAt: string;
}

/** A movement of money: what its entries are made from. */
export interface Movement {
  /** The ledger item's id: a transfer, reversal or funding id. */
  readonly movementId: string;
  readonly kind: EntryKind;
  /** Absent for funding. */
  readonly fromAccountId?: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference: string | null;
  readonly createdAt: string;
  /** For a reversal: the transfer it reverses. */
  readonly reversedTransferId?: string;
}

/**
 * The entries of one movement, debit first. Ids are a function of the
 * movement and the side, so writing them again (a backfill, a retry) can
 * never create a second pair.
 */
export function entriesOf(movement: Movement): Entry[] {
  const transferId =
    movement.kind === 'transfer' ? movement.movementId : movement.kind === 'reversal' ? (movement.reversedTransferId ?? null) : null;
  const reversalId = movement.kind === 'reversal' ? movement.movementId : null;
  const entry = (direction: EntryDirection, accountId: string, counterpartyAccountId: string | null): Entry => ({
    entryId: entryId(movement.movementId, direction),
    accountId,
    kind: movement.kind,
    direction,
    amount: movement.amount,
    currency: movement.currency,
    counterpartyAccountId,
    transferId,
    reversalId,
    reference: movement.reference,
    createdAt: movement.createdAt,
  });
  const credit = entry('credit', movement.toAccountId, movement.fromAccountId ?? null);
  if (movement.fromAccountId === undefined) return [credit];
  return [entry('debit', movement.fromAccountId, movement.toAccountId), credit];
}

export function entryId(movementId: string, direction: EntryDirection): string {
  return `en_${createHash('sha256').update(`${movementId}\u0000${direction}`).digest('hex').slice(0, 32)}`;
}

/** The entry as the API shows it, fields in one fixed order. */
export function entryView(entry: Entry): Entry {
  return {
    entryId: entry.entryId,
    accountId: entry.accountId,
    kind: entry.kind,
    direction: entry.direction,
    amount: entry.amount,
    currency: entry.currency,
    counterpartyAccountId: entry.counterpartyAccountId,
    transferId: entry.transferId,
    reversalId: entry.reversalId,
    reference: entry.reference,
    createdAt: entry.createdAt,
  };
}
