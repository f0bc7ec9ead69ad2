import { EXPIRED_KEY_RECORD_DAYS } from './key-policy';

/**
 * Every failure the service can explain to a client.
 *
 * Each error says whether it is `final` for its idempotency key: a final
 * outcome (an unknown account, insufficient funds) is stored by the
 * idempotency layer and replayed on every repeat; a non-final one (a conflict,
 * an unavailable store, an unusable key) leaves nothing behind, so a retry
 * runs again. The mapping to HTTP lives in functions/http/error-mapping.ts.
 */
export abstract class TransferServiceError extends Error {
  /** Whether the idempotency layer stores this outcome for the key. */
  abstract readonly final: boolean;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed; nothing was stored. */
export class ValidationError extends TransferServiceError {
  readonly final = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Idempotency-Key header is missing or not a key this service accepts. */
export class IdempotencyKeyFormatError extends ValidationError {
  constructor(message: string) {
    super('Idempotency-Key', message);
  }
}

export class PayloadTooLargeError extends TransferServiceError {
  readonly final = false;
  constructor(readonly limitBytes: number) {
    super(`The request body exceeds ${limitBytes} bytes.`);
  }
}

/** The body is not sent as JSON (`application/json` or `+json`, UTF-8); nothing was read or stored. */
export class UnsupportedMediaTypeError extends TransferServiceError {
  readonly final = false;
  constructor(message: string) {
    super(message);
  }
}

export class UnauthenticatedError extends TransferServiceError {
  readonly final = false;
  constructor() {
    super('The request carries no authenticated principal.');
  }
}

/** Unknown, or not the caller's: the two are never told apart. */
export class AccountNotFoundError extends TransferServiceError {
  readonly final = true;
  constructor(readonly accountId: string) {
    super(`Account ${accountId} does not exist or is not yours.`);
  }
}

export class TransferNotFoundError extends TransferServiceError {
  readonly final = false;
  constructor(readonly transferId: string) {
    super(`Transfer ${transferId} does not exist or is not yours.`);
  }
}

export class CurrencyMismatchError extends TransferServiceError {
  readonly final = true;
  constructor(
    readonly accountId: string,
    readonly requestedCurrency: string,
  ) {
    super(`Account ${accountId} does not hold ${requestedCurrency}.`);
  }
}

export class InsufficientFundsError extends TransferServiceError {
  readonly final = true;
  constructor(readonly accountId: string) {
    super(`Account ${accountId} has insufficient funds for this transfer.`);
  }
}

/** The credit would take the receiving balance past the safe integer range. */
export class BalanceLimitError extends TransferServiceError {
  readonly final = true;
  constructor(readonly accountId: string) {
    super(`Account ${accountId} cannot receive this amount.`);
  }
}

export type KeyUnusableReason = 'not-issued' | 'expired' | 'used';

/** The key was not issued to this caller for this operation, or is spent. */
export class IdempotencyKeyUnusableError extends TransferServiceError {
  readonly final = false;
  constructor(readonly reason: KeyUnusableReason) {
    super(
      {
        // Once its record is gone, a key issued to nobody and one that expired long ago look the same.
        'not-issued': `This idempotency key was not issued to you for this operation, or it expired more than ${EXPIRED_KEY_RECORD_DAYS} days ago.`,
        expired: 'This idempotency key has expired.',
        used: 'This idempotency key has already been used.',
      }[reason],
    );
  }
}

/** The same key was sent earlier with a different payload. */
export class IdempotencyPayloadMismatchError extends TransferServiceError {
  readonly final = false;
  constructor(options?: { cause?: unknown }) {
    super('This idempotency key was already used with a different request body.', options);
  }
}

/** A request with the same key is still being processed. */
export class RequestInFlightError extends TransferServiceError {
  readonly final = false;
  /** When a retry can get an answer: 1 unless the lease of the running request is known. */
  readonly retryAfterSeconds: number;
  constructor(options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('A request with this idempotency key is still in progress.', options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }

  /**
   * The running request holds its key until `leaseEndsAtMs` (or finishes
   * sooner): wait the seconds left, rounded up, at least 1, and never longer
   * than `maxSeconds` (the function timeout: no invocation runs longer).
   */
  static untilLeaseEnds(leaseEndsAtMs: number | undefined, nowMs: number, maxSeconds: number, options?: { cause?: unknown }): RequestInFlightError {
    const secondsLeft = leaseEndsAtMs === undefined ? maxSeconds : Math.ceil((leaseEndsAtMs - nowMs) / 1000);
    return new RequestInFlightError({ ...options, retryAfterSeconds: Math.min(maxSeconds, Math.max(1, secondsLeft)) });
  }
}

/** Concurrent transactions kept touching the same items; retries ran out. */
export class TransactionConflictError extends TransferServiceError {
  readonly final = false;
  readonly retryAfterSeconds = 1;
  constructor(options?: { cause?: unknown }) {
    super('The accounts are busy with other transfers.', options);
  }
}

/** The store throttled or could not be reached; a retry with the same key is safe. */
export class StoreUnavailableError extends TransferServiceError {
  readonly final = false;
  readonly retryAfterSeconds = 2;
  constructor(options?: { cause?: unknown }) {
    super('The data store is temporarily unavailable.', options);
  }
}

/** A list cursor that this service did not issue for this caller and this list (changed, foreign or malformed). */
export class InvalidCursorError extends TransferServiceError {
  readonly final = false;
  constructor() {
    super('The cursor is not one this list gave you: pass nextCursor back unchanged, with the same filters.');
  }
}

/** The idempotency key does not exist or was not issued to the caller. */
export class IdempotencyKeyNotFoundError extends TransferServiceError {
  readonly final = false;
  constructor() {
    super('No idempotency key of yours has this value (keys are deleted some time after they expire).');
  }
}

/** A reversal names a transfer the caller neither received nor made: as if it did not exist. Final for the key. */
export class ReversalTargetNotFoundError extends TransferServiceError {
  readonly final = true;
  constructor(readonly transferId: string) {
    super(`Transfer ${transferId} does not exist or is not yours to reverse.`);
  }
}

/** The initiator of a transfer asked to reverse it; only the receiver can send money back. Final for the key. */
export class ReversalNotAllowedError extends TransferServiceError {
  readonly final = true;
  constructor(readonly transferId: string) {
    super(`Only the owner of the account that transfer ${transferId} credited can reverse it.`);
  }
}

/** The reversals of a transfer would add up to more than the transfer. Final for the key. */
export class ReversalExceedsTransferError extends TransferServiceError {
  readonly final = true;
  constructor(
    readonly transferId: string,
    readonly remainingMinor: number,
  ) {
    super(`Transfer ${transferId} has ${remainingMinor} minor units left to reverse.`);
  }
}

/** The caller has as many accounts as the limit allows. Final for the key. */
export class AccountLimitReachedError extends TransferServiceError {
  readonly final = true;
  constructor(readonly limit: number) {
    super(`You have ${limit} accounts, the most one caller may open.`);
  }
}
