import { defaultConflictRetryPolicy, withConflictRetries, type ConflictRetryPolicy } from './conflict-retry';
import { IdempotencyPayloadMismatchError } from './errors';
import { deriveResultId } from './idempotency-key';
import type { Account, RecordCompletion } from './ports';
import { validateObject } from './schema-validation';
import { OPEN_ACCOUNT_REQUEST_SCHEMA } from './schemas';

export interface OpenAccountRequest {
  readonly currency: string;
}

export interface AccountOpening {
  readonly account: Account;
  /** The most accounts this owner may have; the store refuses one more. */
  readonly accountLimit: number;
  readonly principal: string;
  readonly idempotencyKey: string;
  readonly consumeIssuedKey: boolean;
  readonly nowEpochSeconds: number;
  readonly recordCompletion?: RecordCompletion<Account>;
}

export type AccountOpeningResult =
  | { readonly kind: 'committed'; readonly account: Account }
  | { readonly kind: 'already-executed'; readonly account: Account };

export interface AccountOpeningStore {
  /**
   * Writes the account (balance 0), its line in the owner's list, the
   * owner's account count (refused past the limit) and the key consumption
   * atomically, or throws a TransferServiceError saying why not.
   */
  openAccountOnce(opening: AccountOpening): Promise<AccountOpeningResult>;
}

export function parseOpenAccountRequest(body: unknown): OpenAccountRequest {
  const { currency } = validateObject(OPEN_ACCOUNT_REQUEST_SCHEMA, body) as { currency: string };
  return { currency };
}

/**
 * Opens an account once per (owner, key): the API's POST /accounts and the
 * operator's `npm run accounts -- open` both come here.
 *
 * Primary course:
 *  1. Derive the account id from (owner, key), unless the operator names one:
 *     a retry targets the same account item.
 *  2. Ask the store to write the account, the owner's list item and count,
 *     and the key, in one transaction.
 *  3. If an earlier execution already opened it, answer with that account.
 */
export async function openAccount(
  store: AccountOpeningStore,
  command: {
    readonly principal: string;
    readonly idempotencyKey: string;
    readonly request: OpenAccountRequest;
    readonly consumeIssuedKey: boolean;
    readonly accountLimit: number;
    /** Operators may choose the id; the API never does. */
    readonly accountId?: string;
    readonly recordCompletion?: RecordCompletion<Account>;
  },
  now: () => Date = () => new Date(),
  retry: ConflictRetryPolicy = defaultConflictRetryPolicy,
): Promise<{ readonly account: Account; readonly alreadyExecuted: boolean }> {
  return withConflictRetries(retry, async () => {
    const openedAt = now();
    const result = await store.openAccountOnce({
      account: {
        accountId: command.accountId ?? deriveResultId('open-account', command.principal, command.idempotencyKey),
        ownerId: command.principal,
        currency: command.request.currency,
        balance: 0,
        createdAt: openedAt.toISOString(),
      },
      accountLimit: command.accountLimit,
      principal: command.principal,
      idempotencyKey: command.idempotencyKey,
      consumeIssuedKey: command.consumeIssuedKey,
      nowEpochSeconds: Math.floor(openedAt.getTime() / 1000),
      recordCompletion: command.recordCompletion,
    });
    if (result.kind === 'already-executed' && (result.account.ownerId !== command.principal || result.account.currency !== command.request.currency)) {
      // The same id (an operator's, or a key whose record is gone) for another account.
      throw new IdempotencyPayloadMismatchError();
    }
    // The answer of the opening itself, however late the repeat: the account as it was opened (balance 0).
    return result.kind === 'already-executed' ? { account: { ...result.account, balance: 0 }, alreadyExecuted: true } : { account: result.account, alreadyExecuted: false };
  });
}
