import { ValidationError } from './errors';
import { MAX_TRANSFER_AMOUNT_MINOR, isCurrencyCode, isPositiveMinorAmount } from './money';

/** What a client asks for in the body of POST /transfers. */
export interface TransferRequest {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  /** Minor units, a positive safe integer. */
  readonly amount: number;
  readonly currency: string;
  readonly reference: string | null;
}

/** A committed transfer as the ledger records it and the API returns it. */
export interface Transfer extends TransferRequest {
  readonly transferId: string;
  readonly status: 'completed';
  readonly createdAt: string;
}

export const MAX_REFERENCE_LENGTH = 140;

/** Account ids are opaque, but never contain separators or control characters. */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// Printable characters and spaces; no control characters, no line breaks.
const REFERENCE = /^[^\p{Cc}\p{Cs}]*$/u;

const ALLOWED_FIELDS = new Set(['fromAccountId', 'toAccountId', 'amount', 'currency', 'reference']);

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/**
 * Turns an untrusted JSON value into a TransferRequest, or says which field
 * is wrong. Runs before any idempotency state is written.
 */
export function parseTransferRequest(body: unknown): TransferRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body', 'The body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const unknownField = Object.keys(fields).find((name) => !ALLOWED_FIELDS.has(name));
  if (unknownField !== undefined) {
    throw new ValidationError(unknownField, `Unknown field "${unknownField.slice(0, 64)}".`);
  }
  const { fromAccountId, toAccountId, amount, currency, reference } = fields;
  if (!isAccountId(fromAccountId)) {
    throw new ValidationError('fromAccountId', 'fromAccountId must be an account id (1-64 of A-Z a-z 0-9 _ -).');
  }
  if (!isAccountId(toAccountId)) {
    throw new ValidationError('toAccountId', 'toAccountId must be an account id (1-64 of A-Z a-z 0-9 _ -).');
  }
  if (fromAccountId === toAccountId) {
    throw new ValidationError('toAccountId', 'toAccountId must differ from fromAccountId.');
  }
  if (!isPositiveMinorAmount(amount, MAX_TRANSFER_AMOUNT_MINOR)) {
    throw new ValidationError(
      'amount',
      `amount must be an integer number of minor units between 1 and ${MAX_TRANSFER_AMOUNT_MINOR}.`,
    );
  }
  if (!isCurrencyCode(currency)) {
    throw new ValidationError('currency', 'currency must be an ISO 4217 code of three upper-case letters.');
  }
  if (reference !== undefined && reference !== null) {
    if (typeof reference !== 'string' || reference.length > MAX_REFERENCE_LENGTH || !REFERENCE.test(reference)) {
      throw new ValidationError(
        'reference',
        `reference must be a string of at most ${MAX_REFERENCE_LENGTH} printable characters.`,
      );
    }
  }
  return {
    fromAccountId,
    toAccountId,
    amount,
    currency,
    reference: typeof reference === 'string' ? reference : null,
  };
}

/**
 * The transfer as the API shows it, fields in one fixed order: a fresh
 * answer, a replay rebuilt from the ledger and GET /transfers/{id} are
 * byte-identical.
 */
export function transferView(transfer: Transfer): Transfer {
  return {
    transferId: transfer.transferId,
    fromAccountId: transfer.fromAccountId,
    toAccountId: transfer.toAccountId,
    amount: transfer.amount,
    currency: transfer.currency,
    reference: transfer.reference,
    status: transfer.status,
    createdAt: transfer.createdAt,
  };
}
