import { createHash, randomBytes } from 'node:crypto';
import { IdempotencyKeyFormatError } from './errors';

/**
 * Keys issued by POST /idempotency-keys: `idk_` and 24 base64url characters,
 * that is 144 random bits.
 */
export const ISSUED_KEY_PATTERN = '^idk_[A-Za-z0-9_-]{24}$';
/** Client-generated keys (only when ALLOW_CLIENT_KEYS is on), UUIDs included. */
export const CLIENT_KEY_PATTERN = '^[A-Za-z0-9_-]{16,64}$';
const ISSUED_KEY = new RegExp(ISSUED_KEY_PATTERN);
const CLIENT_KEY = new RegExp(CLIENT_KEY_PATTERN);

/** Every operation a key can be issued for; a key serves its own operation only. */
export const OPERATIONS = ['transfer', 'reversal', 'open-account'] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(value: unknown): value is Operation {
  return typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value);
}

export function newIdempotencyKey(): string {
  return `idk_${randomBytes(18).toString('base64url')}`;
}

export function isIssuedKeyFormat(key: string): boolean {
  return ISSUED_KEY.test(key);
}

/**
 * Checks the header value; throws a 400-class error when it is unusable.
 *
 * A key arrives bare (`idk_...`) or, as the IETF Idempotency-Key draft
 * defines the header, as an RFC 8941 sf-string (`"idk_..."`): both are the
 * same key, so a quoted retry finds the record and the transfer of a bare
 * first attempt. The key is returned without quotes.
 */
export function parseIdempotencyKey(header: string | readonly string[] | undefined, allowClientKeys: boolean): string {
  const values = [...new Set((typeof header === 'string' ? [header] : (header ?? [])).map(unquoted))];
  if (values.length > 1) {
    // Two different keys in one request: refuse rather than pick one.
    throw new IdempotencyKeyFormatError('The Idempotency-Key header was sent more than once with different values.');
  }
  const value = values[0];
  if (value === undefined || value.length === 0) {
    throw new IdempotencyKeyFormatError('The Idempotency-Key header is required. Get a key from POST /idempotency-keys.');
  }
  if (ISSUED_KEY.test(value) || (allowClientKeys && CLIENT_KEY.test(value))) {
    return value;
  }
  throw new IdempotencyKeyFormatError(
    allowClientKeys
      ? 'The Idempotency-Key header must be a key from POST /idempotency-keys or 16-64 of A-Z a-z 0-9 _ -, bare or in double quotes.'
      : 'The Idempotency-Key header must be a key issued by POST /idempotency-keys (idk_ and 24 characters), bare or in double quotes.',
  );
}

/**
 * The content of an RFC 8941 sf-string (section 4.2.5): printable ASCII
 * between double quotes, where only `\"` and `\\` are escapes. Spaces
 * around it are discarded, as the RFC's parser does; anything after the
 * closing quote (parameters included: the draft defines none) is refused.
 * A value that does not start with a quote is returned as it is.
 */
function unquoted(value: string): string {
  const trimmed = value.replace(/^ +| +$/g, '');
  if (!trimmed.startsWith('"')) return value;
  let content = '';
  for (let index = 1; index < trimmed.length; index++) {
    const char = trimmed[index] as string;
    if (char === '\\') {
      const escaped = trimmed[index + 1];
      if (escaped !== '"' && escaped !== '\\') break;
      content += escaped;
      index++;
    } else if (char === '"') {
      if (index === trimmed.length - 1) return content;
      break;
    } else if (char < ' ' || char > '~') {
      break;
    } else {
      content += char;
    }
  }
  throw new IdempotencyKeyFormatError(
    'The Idempotency-Key header starts with a double quote but is not a structured-field string: ' +
      'one pair of double quotes around the key, nothing after it, and no escapes but \\" and \\\\.',
  );
}

/**
 * The transfer id is a function of who asked and with which key, so every
 * execution of the same logical request targets the same ledger item, and
 * the ledger's `attribute_not_exists` guard makes the movement happen once
 * even when the idempotency record is lost, expired or left in progress.
 */
export function deriveTransferId(principal: string, key: string): string {
  return deriveResultId('transfer', principal, key);
}

const RESULT_ID_PREFIX: Readonly<Record<Operation, string>> = { transfer: 'tr_', reversal: 'rv_', 'open-account': 'acc_' };

/**
 * The id of what an operation makes (a transfer, a reversal, an account),
 * a function of the operation, the caller and the key: every execution of
 * one logical request targets the same item, whose `attribute_not_exists`
 * condition makes the effect happen once.
 */
export function deriveResultId(operation: Operation, principal: string, key: string): string {
  const digest = createHash('sha256').update(`${operation}\u0000${principal}\u0000${key}`).digest('hex');
  return `${RESULT_ID_PREFIX[operation]}${digest.slice(0, 32)}`;
}
