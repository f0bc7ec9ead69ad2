import {
  IdempotencyAlreadyInProgressError,
  IdempotencyKeyError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import {
  AccountNotFoundError,
  CurrencyMismatchError,
  IdempotencyKeyFormatError,
  IdempotencyKeyUnusableError,
  InsufficientFundsError,
  PayloadTooLargeError,
  RequestInFlightError,
  StoreUnavailableError,
  TransactionConflictError,
  UnauthenticatedError,
  ValidationError,
} from '../../domain/errors';
import { toProblem } from '../../functions/http/error-mapping';
import { problemResponse } from '../../functions/http/responses';

describe('Function: toProblem', () => {
  it.each([
    ['a missing key', new IdempotencyKeyFormatError('missing'), 400, 'invalid-idempotency-key', undefined],
    ['an invalid field', new ValidationError('amount', 'bad'), 400, 'invalid-request', undefined],
    ['an oversized body', new PayloadTooLargeError(16_384), 413, 'payload-too-large', undefined],
    ['no principal', new UnauthenticatedError(), 401, 'unauthenticated', undefined],
    ['an unknown account', new AccountNotFoundError('acc_x'), 404, 'account-not-found', undefined],
    ['insufficient funds', new InsufficientFundsError('acc_x'), 422, 'insufficient-funds', undefined],
    ['a currency mismatch', new CurrencyMismatchError('acc_x', 'USD'), 422, 'currency-mismatch', undefined],
    ['an expired key', new IdempotencyKeyUnusableError('expired'), 422, 'idempotency-key-expired', undefined],
    ['a key issued to someone else', new IdempotencyKeyUnusableError('not-issued'), 422, 'idempotency-key-not-issued', undefined],
    ['a payload mismatch (Powertools)', new IdempotencyValidationError('mismatch'), 422, 'idempotency-key-reused', undefined],
    ['a request in flight (Powertools)', new IdempotencyAlreadyInProgressError('busy'), 409, 'request-in-progress', 1],
    ['a transaction conflict', new TransactionConflictError(), 409, 'transaction-conflict', 1],
    ['an unavailable store', new StoreUnavailableError(), 503, 'store-unavailable', 2],
    ['a failed idempotency write (Powertools)', new IdempotencyPersistenceLayerError('down'), 503, 'store-unavailable', 2],
    ['an unexpected error', new TypeError('x is undefined'), 500, 'internal-error', undefined],
  ])('maps %s to %s', (_, error, status, kind, retryAfterSeconds) => {
    // Act
    const problem = toProblem(error);

    // Assess
    expect(problem.status).toBe(status);
    expect(problem.kind).toBe(kind);
    expect(problem.retryAfterSeconds).toBe(retryAfterSeconds);
  });

  it('never leaks an unexpected error message or stack into the answer', () => {
    // Act
    const response = problemResponse(toProblem(new Error('secret table name arn:aws:dynamodb:...')), 'req-1');

    // Assess: a fixed, generic body; nothing of the error itself.
    expect(JSON.parse(response.body)).toEqual({
      type: 'urn:exactly-once-transfers:problem:internal-error',
      title: 'Internal error',
      status: 500,
      detail: 'The request failed unexpectedly. It is safe to retry with the same Idempotency-Key.',
      instance: 'req-1',
    });
  });
});

describe('Method: RequestInFlightError.untilLeaseEnds', () => {
  const now = 1_767_225_600_000;

  it.each([
    ['6.2 s left', now + 6_200, 7],
    ['exactly 3 s left', now + 3_000, 3],
    ['a few milliseconds left', now + 5, 1],
    ['a lease already past', now - 2_000, 1],
    ['more left than an invocation can run', now + 100_000, 10],
    ['no lease recorded', undefined, 10],
  ])('with %s answers Retry-After %s', (_, leaseEndsAtMs, seconds) => {
    // Act
    const problem = toProblem(RequestInFlightError.untilLeaseEnds(leaseEndsAtMs, now, 10));

    // Assess
    expect(problem).toMatchObject({ status: 409, kind: 'request-in-progress', retryAfterSeconds: seconds });
  });
});

describe('Function: problemResponse', () => {
  it('renders RFC 9457 problem details with the request id as instance and Retry-After when due', () => {
    // Act
    const response = problemResponse(toProblem(new TransactionConflictError()), 'req-42');

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'Retry-After': '1' });
    expect(JSON.parse(response.body)).toEqual({
      type: 'urn:exactly-once-transfers:problem:transaction-conflict',
      title: 'Transaction conflict',
      status: 409,
      detail: expect.stringContaining('Retry'),
      instance: 'req-42',
    });
  });

  it('adds the invalid field as an extension member', () => {
    expect(JSON.parse(problemResponse(toProblem(new ValidationError('currency', 'bad')), 'r').body).field).toBe('currency');
  });

  it.each([
    ['a malformed key', new IdempotencyKeyFormatError('malformed')],
    ['a missing key reported by Powertools', new IdempotencyKeyError('no key')],
  ])('names the Idempotency-Key header as the field of %s, as the OpenAPI document says', (_, error) => {
    // Act
    const body = JSON.parse(problemResponse(toProblem(error), 'r').body) as Record<string, unknown>;

    // Assess
    expect(body).toMatchObject({ type: 'urn:exactly-once-transfers:problem:invalid-idempotency-key', field: 'Idempotency-Key' });
  });
});
