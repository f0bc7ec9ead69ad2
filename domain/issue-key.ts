import { ValidationError } from './errors';
import { isOperation, newIdempotencyKey, type Operation } from './idempotency-key';
import type { KeyStore } from './ports';

export interface IssuedKeyView {
  readonly key: string;
  readonly operation: Operation;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/**
 * Issues an idempotency key.
 *
 * Primary course:
 *  1. Read the optional body `{ "operation": "transfer" }` (the default).
 *  2. Draw 144 random bits.
 *  3. Store the key bound to (principal, operation) with its expiry, and
 *     tell the client when it expires.
 */
export async function issueKey(
  store: KeyStore,
  input: { principal: string; body: unknown; retentionSeconds: number },
  now: Date = new Date(),
): Promise<IssuedKeyView> {
  const operation = parseOperation(input.body);
  const expiresAtEpochSeconds = Math.floor(now.getTime() / 1000) + input.retentionSeconds;
  const key = newIdempotencyKey();
  await store.issueKey({
    key,
    principal: input.principal,
    operation,
    createdAt: now.toISOString(),
    expiresAtEpochSeconds,
  });
  return {
    key,
    operation,
    createdAt: now.toISOString(),
    expiresAt: new Date(expiresAtEpochSeconds * 1000).toISOString(),
  };
}

function parseOperation(body: unknown): Operation {
  if (body === undefined) return 'transfer';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body', 'The body, when present, must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const unknownField = Object.keys(fields).find((name) => name !== 'operation');
  if (unknownField !== undefined) throw new ValidationError(unknownField, `Unknown field "${unknownField.slice(0, 64)}".`);
  if (fields.operation === undefined) return 'transfer';
  if (!isOperation(fields.operation)) throw new ValidationError('operation', 'operation must be "transfer".');
  return fields.operation;
}
