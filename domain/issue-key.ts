import { isOperation, newIdempotencyKey, type Operation } from './idempotency-key';
import type { KeyStore } from './ports';
import { validateObject } from './schema-validation';
import { CREATE_KEY_REQUEST_SCHEMA } from './schemas';

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
  const { operation } = validateObject(CREATE_KEY_REQUEST_SCHEMA, body);
  return isOperation(operation) ? operation : 'transfer';
}
