import type { Operation } from './idempotency-key';

/**
 * What became of an issued idempotency key (GET /idempotency-keys/{key}):
 * the question a client asks when it lost both the answer and its own
 * record of the request.
 *
 * - `used`: the operation committed; `resultId` is what it made.
 * - `declined`: a final decline (404, 422) is stored and replayed on repeat.
 * - `expired`: nothing committed, and the key can no longer be used.
 * - `issued`: nothing is stored for it yet (or a request is still running);
 *   retrying the operation with it is safe.
 */
export type KeyStatus = 'issued' | 'used' | 'declined' | 'expired';

export interface IssuedKeyRecord {
  readonly key: string;
  readonly operation: Operation;
  readonly createdAt: string;
  readonly expiresAtEpochSeconds: number;
  /** Set when the operation's transaction consumed the key. */
  readonly resultId: string | undefined;
}

export interface KeyStatusView {
  readonly key: string;
  readonly operation: Operation;
  readonly status: KeyStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly resultId: string | null;
}

/**
 * The key's status from its item and, unless it is used, whether a final
 * decline is stored for it. Expiry is compared here, never left to TTL.
 */
export function keyStatus(record: IssuedKeyRecord, declineStored: boolean, now: Date): KeyStatusView {
  const status: KeyStatus =
    record.resultId !== undefined
      ? 'used'
      : declineStored
        ? 'declined'
        : record.expiresAtEpochSeconds * 1000 <= now.getTime()
          ? 'expired'
          : 'issued';
  return {
    key: record.key,
    operation: record.operation,
    status,
    createdAt: record.createdAt,
    expiresAt: new Date(record.expiresAtEpochSeconds * 1000).toISOString(),
    resultId: record.resultId ?? null,
  };
}
