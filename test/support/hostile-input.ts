import fc from 'fast-check';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../../domain/money';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_REFERENCE_LENGTH } from '../../domain/schemas';

/**
 * Generators of hostile requests for the fuzz suites (in-process and over
 * HTTP). Every value they produce must be refused: each body is a valid
 * transfer with exactly one thing made wrong, so a generated case that
 * slipped through would move money and fail the suite's state check.
 */

export interface TransferParties {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly currency: string;
}

/** A body as the client sends it: text, possibly flagged base64 (in-process only). */
export interface HostileBody {
  readonly label: string;
  readonly text: string;
  readonly isBase64Encoded?: boolean;
}

const controlCharacter = fc.integer({ min: 0, max: 0x1f }).chain((code) => fc.constantFrom(String.fromCharCode(code), '\u007f', '\u0085', '\u009f'));
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
/** Line and paragraph separators, bidirectional overrides and isolates: they change what a reader is shown. */
const displayControl = fc.constantFrom('\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069');

/** Text with at least one control character, lone surrogate or display control somewhere. */
const textWithForbiddenCharacter = fc
  .tuple(fc.string({ maxLength: 20 }), fc.oneof(controlCharacter, loneSurrogate, displayControl), fc.string({ maxLength: 20 }))
  .map(([before, bad, after]) => `${before}${bad}${after}`);

const nonAsciiText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((text) => /[^\x00-\x7f]/.test(text));

const wrongTypes = fc.constantFrom<unknown>(null, true, false, [], {}, [1], { nested: 1 }, 0, 1.5, '');

const invalidAccountId = fc.oneof(
  fc.constantFrom('', 'a/b', '../etc', 'a'.repeat(65), ' acc', 'acc ', 'acc.1', 'acc%2F1', 'ассount', 'acc\u0000', '\u202eacc'),
  textWithForbiddenCharacter,
  nonAsciiText,
  fc.string({ maxLength: 80 }).filter((text) => !/^[A-Za-z0-9_-]{1,64}$/.test(text)),
  wrongTypes.filter((value) => typeof value !== 'string' || value === ''),
  fc.integer(),
);

const invalidAmount = fc.oneof(
  fc.constantFrom<unknown>(
    0, -0, -1, 0.5, 1.5, 99.99, MAX_TRANSFER_AMOUNT_MINOR + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308,
    -1e308, Number.MIN_VALUE, '100', '1e3', '0x10', null, true, [100], { value: 100 },
  ),
  fc.integer({ min: MAX_TRANSFER_AMOUNT_MINOR + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: 0 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)),
);

const invalidCurrency = fc.oneof(
  fc.constantFrom<unknown>('usd', 'US', 'USDD', 'U$D', 'ÜSD', 'US\u0000', ' USD', 'USD ', '', 840, null, ['USD']),
  fc.string({ maxLength: 6 }).filter((text) => !/^[A-Z]{3}$/.test(text)),
);

const invalidReference = fc.oneof(
  textWithForbiddenCharacter,
  fc.constantFrom<unknown>('r'.repeat(MAX_REFERENCE_LENGTH + 1), '😀'.repeat(MAX_REFERENCE_LENGTH + 1), 'line\nbreak', 'tab\there', 5, true, ['x'], { x: 1 }),
  fc.string({ minLength: MAX_REFERENCE_LENGTH + 1, maxLength: MAX_REFERENCE_LENGTH + 40 }),
);

const extraFieldName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'fee', 'toAccountID', 'Amount', 'amount ', 'isAdmin', ''),
  fc.string({ maxLength: 12 }).filter((name) => !['fromAccountId', 'toAccountId', 'amount', 'currency', 'reference'].includes(name)),
);

/** A valid transfer with exactly one field made wrong, missing, or one field too many. */
export function invalidTransferObject(parties: TransferParties): fc.Arbitrary<{ label: string; body: Record<string, unknown> }> {
  const valid: Record<string, unknown> = { ...parties, amount: 100, reference: 'fuzz' };
  const replace = (field: string, value: fc.Arbitrary<unknown>) =>
    value.map((bad) => ({ label: `${field}=${safeLabel(bad)}`, body: Object.fromEntries([...Object.entries(valid).filter(([name]) => name !== field), [field, bad]]) }));
  return fc.oneof(
    replace('fromAccountId', invalidAccountId),
    replace('toAccountId', invalidAccountId),
    replace('amount', invalidAmount),
    replace('currency', invalidCurrency),
    replace('reference', invalidReference),
    fc.constantFrom('fromAccountId', 'toAccountId', 'amount', 'currency').map((field) => ({
      label: `missing ${field}`,
      body: Object.fromEntries(Object.entries(valid).filter(([name]) => name !== field)),
    })),
    fc.tuple(extraFieldName, fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => ({
      label: `extra ${safeLabel(name)}`,
      // fromEntries makes `__proto__` an own member, as JSON text would.
      body: Object.fromEntries([...Object.entries(valid), [name, value]]),
    })),
    fc.constant({ label: 'from = to', body: { ...valid, toAccountId: parties.fromAccountId } }),
  );
}

/** Text no JSON object member can fix: nesting bombs, duplicates, broken JSON, oversized, odd numbers. */
export function hostileBodyText(parties: TransferParties): fc.Arbitrary<HostileBody> {
  const validText = JSON.stringify({ ...parties, amount: 100 });
  return fc.oneof(
    invalidTransferObject(parties).map(({ label, body }) => ({ label, text: JSON.stringify(body) })),
    fc.integer({ min: MAX_JSON_DEPTH, max: 4_000 }).map((depth) => ({
      label: `nesting ${depth} deep in reference`,
      text: `{${validText.slice(1, -1)},"reference":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    })),
    fc.integer({ min: MAX_JSON_DEPTH + 1, max: 8_000 }).map((depth) => ({ label: `bare nesting ${depth}`, text: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` })),
    fc
      .tuple(fc.constantFrom('fromAccountId', 'toAccountId', 'amount', 'currency'), fc.constantFrom('first', 'last'), fc.constantFrom('"\\u0061"', 'same'))
      .map(([field, where, spelling]) => {
        const name = spelling === 'same' ? field : field.replace(/^./, (first) => `\\u00${first.charCodeAt(0).toString(16)}`);
        const duplicate = `"${name}":${field === 'amount' ? '99999' : JSON.stringify(parties.toAccountId)}`;
        const inner = validText.slice(1, -1);
        return { label: `duplicate ${field} (${where})`, text: where === 'first' ? `{${duplicate},${inner}}` : `{${inner},${duplicate}}` };
      }),
    fc.integer({ min: 1, max: validText.length - 1 }).map((cut) => ({ label: `truncated at ${cut}`, text: validText.slice(0, cut) })),
    fc.constantFrom(
      '',
      ' ',
      'null',
      '[]',
      '"transfer"',
      '0',
      'true',
      `\uFEFF${validText}`,
      validText.replace('100', '1e400'),
      validText.replace('100', '123456789012345678901234567890'),
      validText.replace('100', '-0'),
      validText.replace('100', '100.0000000000000001'),
      validText.replace('100', 'NaN'),
      validText.replace('100', 'Infinity'),
      validText.replace('100', '0x64'),
      validText.replace(/"/g, "'"),
      `${validText}${validText}`,
    ).map((text) => ({ label: `literal ${safeLabel(text)}`, text })),
    fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 4 }).map((size) => ({
      label: `${size} bytes`,
      text: `{${validText.slice(1, -1)},"reference":"${'x'.repeat(size)}"}`,
    })),
  );
}

/** The same, plus what only an API Gateway event can carry: base64 flags on valid and invalid bytes. */
export function hostileBodyEvent(parties: TransferParties): fc.Arbitrary<HostileBody> {
  const base64Of = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return fc.oneof(
    { weight: 4, arbitrary: hostileBodyText(parties).filter((body) => body.text !== '') },
    hostileBodyText(parties)
      .filter((body) => body.text !== '')
      .map((body) => ({ label: `base64 of ${body.label}`, text: base64Of(body.text), isBase64Encoded: true })),
    fc.constantFrom('not base64!', '@@@@', 'e30', 'e30===', '====', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64'), base64Of('{"a":1}').replace(/=/g, '')).map(
      (text) => ({ label: `bad base64 ${text}`, text, isBase64Encoded: true }),
    ),
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .filter((bytes) => {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          return false;
        } catch {
          return true;
        }
      })
      .map((bytes) => ({ label: 'invalid UTF-8 bytes', text: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  );
}

/** Idempotency-Key values that are not a key this caller was issued (format or ownership). */
export function hostileKeys(): fc.Arbitrary<string> {
  const base64url = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  return fc.oneof(
    fc.constantFrom('', ' ', 'idk_', 'idk', 'IDK_AAAAAAAAAAAAAAAAAAAAAAAA', 'idk-AAAAAAAAAAAAAAAAAAAAAAAA', ' idk_AAAAAAAAAAAAAAAAAAAAAAAA', 'idk_AAAAAAAAAAAAAAAAAAAAAAAA ', 'idk_AAAAAAAAAAAAAAAAAAAAAAA=', 'idk_ААААAAAAAAAAAAAAAAAAAAAA', 'null', 'undefined', '*', '%00'),
    fc.array(base64url, { minLength: 0, maxLength: 23 }).map((chars) => `idk_${chars.join('')}`),
    fc.array(base64url, { minLength: 25, maxLength: 200 }).map((chars) => `idk_${chars.join('')}`),
    fc.string({ maxLength: 300 }),
    textWithForbiddenCharacter.map((text) => `idk_${text}`),
    // Well-formed, but issued to nobody: refused by the transaction (422), nothing kept.
    fc.array(base64url, { minLength: 24, maxLength: 24 }).map((chars) => `idk_${chars.join('')}`),
  );
}

/** Path ids with slashes, encodings, dots, unicode, control characters or sheer length. */
export function hostilePathIds(knownIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '.', '..', '/', '//', '%2F', '%2f', '..%2F..%2F', '%00', '%', '%zz', '*', '?x=1', '#x', ' ', '%20', 'ﬁ', '\u0000', '\\', 'tr_%30'),
    fc.constantFrom(...knownIds).chain((id) =>
      fc.constantFrom(
        `${id}/`,
        `/${id}`,
        `${id}%2F`,
        `${id}/../${id}`,
        encodeURIComponent(`${id}/x`),
        id.toUpperCase() === id ? id.toLowerCase() : id.toUpperCase(),
        `${id} `,
        `${id}%00`,
        `${id}\u0000`,
        `${id}${'x'.repeat(80)}`,
      ),
    ),
    fc.string({ maxLength: 100 }).map((text) => encodeURIComponent(text)),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.string({ minLength: 65, maxLength: 2_000 }),
  );
}

function safeLabel(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
