import { ValidationError } from './errors';
import { validateObject } from './schema-validation';
import { ACCOUNT_ID_PATTERN, TRANSFER_REQUEST_SCHEMA } from './schemas';

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

export { MAX_REFERENCE_LENGTH } from './schemas';

const ACCOUNT_ID = new RegExp(ACCOUNT_ID_PATTERN);

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/**
 * Turns an untrusted JSON value into a TransferRequest, or says which field
 * is wrong. Runs before any idempotency state is written. The field rules
 * are TRANSFER_REQUEST_SCHEMA (domain/schemas.ts), the one the OpenAPI
 * document and the API Gateway model publish; only the rule between two
 * fields is checked here.
 */
export function parseTransferRequest(body: unknown): TransferRequest {
  const fields = validateObject(TRANSFER_REQUEST_SCHEMA, body);
  const { fromAccountId, toAccountId, amount, currency, reference } = fields as {
    fromAccountId: string;
    toAccountId: string;
    amount: number;
    currency: string;
    reference?: string | null;
  };
  if (fromAccountId === toAccountId) {
    throw new ValidationError('toAccountId', 'toAccountId must differ from fromAccountId.');
  }
  return { fromAccountId, toAccountId, amount, currency, reference: reference ?? null };
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
