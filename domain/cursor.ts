import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError } from './errors';

/**
 * List cursors: opaque to the client, bound to the caller and to the list
 * they came from.
 *
 *   cursor = base64url(position) "." base64url(HMAC-SHA256(secret, binding, position))
 *
 * `position` is where the last page ended (the sort key of its last item).
 * The binding (caller, route, account, filters) is not in the cursor but in
 * the MAC: a cursor replayed by another caller, on another list or with
 * other filters fails verification exactly like a tampered one, and is a
 * 400 invalid-cursor. Reads stay scoped by the caller either way; the MAC
 * makes a foreign cursor an error instead of a silent jump.
 */
export interface CursorBinding {
  readonly principal: string;
  /** The route, e.g. "GET /accounts/{accountId}/entries". */
  readonly list: string;
  /** Everything that selects the items: path parameters and filters, `limit` excluded. */
  readonly filters: Readonly<Record<string, string | undefined>>;
}

const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(position: string, binding: CursorBinding, secret: string): string {
  const encodedPosition = Buffer.from(position, 'utf8').toString('base64url');
  return `${encodedPosition}.${mac(encodedPosition, binding, secret).toString('base64url')}`;
}

/** The position a cursor stands for; InvalidCursorError unless it was made for exactly this binding. */
export function decodeCursor(cursor: string, binding: CursorBinding, secret: string): string {
  if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
  const [encodedPosition, encodedMac, ...rest] = cursor.split('.');
  if (encodedPosition === undefined || encodedMac === undefined || rest.length > 0) throw new InvalidCursorError();
  if (!/^[A-Za-z0-9_-]+$/.test(encodedPosition) || !/^[A-Za-z0-9_-]{43}$/.test(encodedMac)) throw new InvalidCursorError();
  const expected = mac(encodedPosition, binding, secret);
  const given = Buffer.from(encodedMac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
  return Buffer.from(encodedPosition, 'base64url').toString('utf8');
}

function mac(encodedPosition: string, binding: CursorBinding, secret: string): Buffer {
  // JSON of sorted entries: unambiguous, whatever the values contain.
  const filters = Object.entries(binding.filters)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify(['cursor-v1', binding.principal, binding.list, filters, encodedPosition]);
  return createHmac('sha256', secret).update(canonical).digest();
}
