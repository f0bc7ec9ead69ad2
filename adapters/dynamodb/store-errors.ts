import { StoreUnavailableError } from '../../domain/errors';

/**
 * Errors after which the outcome of a write is unknown or the store refused
 * to serve: the client is told 503 and may retry with the same key, which is
 * safe because the ledger guard makes the movement exactly-once.
 */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

const UNAVAILABLE_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_ERROR_CODES.has(code)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/** Rethrows SDK errors in the domain's terms; leaves others untouched. */
export function translateStoreError(error: unknown): never {
  if (isStoreUnavailable(error)) throw new StoreUnavailableError({ cause: error });
  throw error;
}

/**
 * Cancellation reasons after which the same transaction can succeed: the
 * store was busy or failed inside, the request itself was fine.
 */
const TRANSIENT_CANCELLATION_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded', 'InternalServerError']);

/** Whether every reason that is not `None` is one a retry can outlast (and there is at least one). */
export function isTransientCancellation(codes: readonly string[]): boolean {
  const failures = codes.filter((code) => code !== 'None');
  return failures.length > 0 && failures.every((code) => TRANSIENT_CANCELLATION_CODES.has(code));
}

/**
 * A transaction DynamoDB cancelled for a reason no retry fixes (a
 * ValidationError, an item collection over its size limit, no reason at
 * all): a bug or a broken table, so a 500 that is logged, never a 503 that
 * sends the client into retries. Not a TransferServiceError on purpose.
 */
export class UnexpectedCancellationError extends Error {
  constructor(
    readonly reasonCodes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`TransactWriteItems was cancelled for reasons a retry cannot fix: [${reasonCodes.join(', ')}].`, options);
    this.name = 'UnexpectedCancellationError';
  }
}
