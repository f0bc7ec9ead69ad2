import {
  IdempotencyAlreadyInProgressError,
  IdempotencyInconsistentStateError,
  IdempotencyKeyError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import {
  AccountNotFoundError,
  BalanceLimitError,
  CurrencyMismatchError,
  IdempotencyKeyFormatError,
  IdempotencyKeyNotFoundError,
  IdempotencyKeyUnusableError,
  InvalidCursorError,
  AccountLimitReachedError,
  ReversalExceedsTransferError,
  ReversalNotAllowedError,
  ReversalTargetNotFoundError,
  IdempotencyPayloadMismatchError,
  InsufficientFundsError,
  PayloadTooLargeError,
  RequestInFlightError,
  StoreUnavailableError,
  TransactionConflictError,
  TransferNotFoundError,
  TransferServiceError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../domain/errors';
import type { Problem } from './responses';

/**
 * The one place that decides the HTTP status of every failure, from the
 * domain, the DynamoDB adapter or Powertools. DESIGN.md's status table, row
 * by row.
 */
export function toProblem(error: unknown): Problem {
  const domainError = fromPowertools(error) ?? error;
  if (domainError instanceof TransferServiceError) return domainProblem(domainError);
  return {
    status: 500,
    kind: 'internal-error',
    title: 'Internal error',
    detail: 'The request failed unexpectedly. It is safe to retry with the same Idempotency-Key.',
  };
}

/** Powertools errors, restated in the domain's terms. */
function fromPowertools(error: unknown): TransferServiceError | undefined {
  if (error instanceof IdempotencyValidationError) return new IdempotencyPayloadMismatchError({ cause: error });
  if (error instanceof IdempotencyAlreadyInProgressError || error instanceof IdempotencyInconsistentStateError) {
    return new RequestInFlightError({ cause: error });
  }
  if (error instanceof IdempotencyKeyError) return new IdempotencyKeyFormatError('The Idempotency-Key header is required.');
  // Powertools wraps failures of its own record writes. A refused completion
  // (the record was taken over: record-completion-layer.ts) says so itself.
  // Otherwise the money may or may not have moved (a decline's completion
  // can fail after the cancelled transaction), but a retry with the same key
  // is safe either way: it gets 409 until the in-progress lease ends, then
  // the answer runs again or is found in the ledger.
  if (error instanceof IdempotencyPersistenceLayerError) {
    return error.cause instanceof TransferServiceError ? error.cause : new StoreUnavailableError({ cause: error });
  }
  return undefined;
}

function domainProblem(error: TransferServiceError): Problem {
  if (error instanceof IdempotencyKeyFormatError) {
    return {
      status: 400,
      kind: 'invalid-idempotency-key',
      title: 'Missing or malformed Idempotency-Key',
      detail: error.message,
      extensions: { field: error.field },
    };
  }
  if (error instanceof InvalidCursorError) {
    return { status: 400, kind: 'invalid-cursor', title: 'Invalid cursor', detail: error.message, extensions: { field: 'cursor' } };
  }
  if (error instanceof ValidationError) {
    return {
      status: 400,
      kind: 'invalid-request',
      title: 'Invalid request',
      detail: error.message,
      extensions: { field: error.field },
    };
  }
  if (error instanceof PayloadTooLargeError) {
    return { status: 413, kind: 'payload-too-large', title: 'Payload too large', detail: error.message };
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return { status: 415, kind: 'unsupported-media-type', title: 'Unsupported media type', detail: error.message };
  }
  if (error instanceof UnauthenticatedError) {
    return { status: 401, kind: 'unauthenticated', title: 'Unauthenticated', detail: error.message };
  }
  if (error instanceof AccountNotFoundError) {
    return { status: 404, kind: 'account-not-found', title: 'Account not found', detail: error.message };
  }
  if (error instanceof TransferNotFoundError) {
    return { status: 404, kind: 'transfer-not-found', title: 'Transfer not found', detail: error.message };
  }
  if (error instanceof ReversalTargetNotFoundError) {
    return { status: 404, kind: 'transfer-not-found', title: 'Transfer not found', detail: error.message };
  }
  if (error instanceof ReversalNotAllowedError) {
    return { status: 403, kind: 'reversal-not-allowed', title: 'Reversal not allowed', detail: error.message };
  }
  if (error instanceof ReversalExceedsTransferError) {
    return { status: 422, kind: 'reversal-exceeds-transfer', title: 'Reversal exceeds transfer', detail: error.message };
  }
  if (error instanceof AccountLimitReachedError) {
    return { status: 422, kind: 'account-limit-reached', title: 'Account limit reached', detail: error.message };
  }
  if (error instanceof IdempotencyKeyNotFoundError) {
    return { status: 404, kind: 'idempotency-key-not-found', title: 'Idempotency key not found', detail: error.message };
  }
  if (error instanceof InsufficientFundsError) {
    return { status: 422, kind: 'insufficient-funds', title: 'Insufficient funds', detail: error.message };
  }
  if (error instanceof CurrencyMismatchError) {
    return { status: 422, kind: 'currency-mismatch', title: 'Currency mismatch', detail: error.message };
  }
  if (error instanceof BalanceLimitError) {
    return { status: 422, kind: 'balance-limit', title: 'Balance limit exceeded', detail: error.message };
  }
  if (error instanceof IdempotencyKeyUnusableError) {
    return {
      status: 422,
      kind: `idempotency-key-${error.reason}`,
      title: 'Idempotency key not usable',
      detail: `${error.message} Get a new key from POST /idempotency-keys.`,
    };
  }
  if (error instanceof IdempotencyPayloadMismatchError) {
    return { status: 422, kind: 'idempotency-key-reused', title: 'Idempotency key reused', detail: error.message };
  }
  if (error instanceof RequestInFlightError) return retryLater(409, 'request-in-progress', 'Request in progress', error);
  if (error instanceof TransactionConflictError) return retryLater(409, 'transaction-conflict', 'Transaction conflict', error);
  if (error instanceof StoreUnavailableError) return retryLater(503, 'store-unavailable', 'Service unavailable', error);
  return { status: 500, kind: 'internal-error', title: 'Internal error', detail: 'The request failed unexpectedly.' };
}

/** A refusal that is not final for the key: the same request, retried after Retry-After, is safe. */
function retryLater(
  status: number,
  kind: string,
  title: string,
  error: RequestInFlightError | TransactionConflictError | StoreUnavailableError,
): Problem {
  return {
    status,
    kind,
    title,
    detail: `${error.message} Retry with the same key after the Retry-After delay.`,
    retryAfterSeconds: error.retryAfterSeconds,
  };
}
