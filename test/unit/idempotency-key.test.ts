import { IdempotencyKeyFormatError } from '../../domain/errors';
import { deriveTransferId, isIssuedKeyFormat, newIdempotencyKey, parseIdempotencyKey } from '../../domain/idempotency-key';

describe('Function: newIdempotencyKey', () => {
  it('draws keys in the issued format, never the same twice', () => {
    // Act
    const keys = Array.from({ length: 1_000 }, newIdempotencyKey);

    // Assess
    expect(new Set(keys).size).toBe(1_000);
    for (const key of keys) expect(isIssuedKeyFormat(key)).toBe(true);
  });
});

describe('Function: parseIdempotencyKey', () => {
  const issued = 'idk_abcdefghijklmnopqrstuvwx';
  const uuid = '3f2b8c1e-6c1d-4a3e-9a57-2f1d6c0b9e11';

  it.each([
    ['an issued key', issued, false, true],
    ['a UUID when client keys are off', uuid, false, false],
    ['a UUID when client keys are on', uuid, true, true],
    ['an empty value', '', true, false],
    ['a missing value', undefined, true, false],
    ['a key one character short', issued.slice(0, -1), false, false],
    ['a key with a space', 'idk_abcdefghijklmnopqrstu x', false, false],
    ['a client key of 15 characters', 'a'.repeat(15), true, false],
    ['a client key of 65 characters', 'a'.repeat(65), true, false],
    ['a key with non-ASCII letters', 'idk_abcdefghijklmnopqrstuvwä', true, false],
  ])('%s: accepted=%s', (_, value, allowClientKeys, accepted) => {
    // Act
    const attempt = () => parseIdempotencyKey(value, allowClientKeys);

    // Assess
    if (accepted) expect(attempt()).toBe(value);
    else expect(attempt).toThrow(IdempotencyKeyFormatError);
  });
});

describe('Function: parseIdempotencyKey, structured-field form (IETF draft, RFC 8941 sf-string)', () => {
  const issued = 'idk_abcdefghijklmnopqrstuvwx';
  const uuid = '3f2b8c1e-6c1d-4a3e-9a57-2f1d6c0b9e11';

  it.each([
    ['a quoted issued key', `"${issued}"`, false, issued],
    ['a quoted UUID when client keys are on', `"${uuid}"`, true, uuid],
    ['a quoted key with the spaces RFC 8941 discards around it', `  "${issued}" `, false, issued],
  ])('reads %s as the bare key', (_, value, allowClientKeys, key) => {
    // Act & Assess
    expect(parseIdempotencyKey(value, allowClientKeys)).toBe(key);
  });

  it.each([
    ['an unterminated string', `"${issued}`],
    ['text after the closing quote', `"${issued}"x`],
    ['parameters after the string', `"${issued}";a=1`],
    ['an escape other than \\" and \\\\', `"idk_abcdefghijklmnopqrstuvw\\x"`],
    ['an escaped backslash, which no key holds', `"idk_abcdefghijklmnopqrstuv\\\\"`],
    ['a control character inside the quotes', `"idk_abcdefghijklmnopqrstuvw\u0001"`],
    ['an empty string', '""'],
    ['a quoted UUID when client keys are off', `"${uuid}"`],
    ['a key quoted twice', `""${issued}""`],
  ])('refuses %s with a 400-class error', (_, value) => {
    // Act & Assess
    expect(() => parseIdempotencyKey(value, false)).toThrow(IdempotencyKeyFormatError);
  });

  it('treats the bare and the quoted form of one key, sent together, as one key', () => {
    // Act & Assess
    expect(parseIdempotencyKey([issued, `"${issued}"`], false)).toBe(issued);
  });

  it('still refuses two different keys, whatever their form', () => {
    // Act & Assess
    expect(() => parseIdempotencyKey([issued, `"${issued.replace('x', 'y')}"`], false)).toThrow(/more than once/);
  });
});

describe('Function: deriveTransferId', () => {
  it('is a pure function of (principal, key)', () => {
    expect(deriveTransferId('alice', 'k1')).toBe(deriveTransferId('alice', 'k1'));
    expect(deriveTransferId('alice', 'k1')).toMatch(/^tr_[0-9a-f]{32}$/);
  });

  it('differs between callers using the same key, and cannot be confused by separators', () => {
    expect(deriveTransferId('alice', 'k1')).not.toBe(deriveTransferId('bob', 'k1'));
    expect(deriveTransferId('a', 'bk')).not.toBe(deriveTransferId('ab', 'k'));
  });
});
