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
