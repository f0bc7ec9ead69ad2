import { decodeCursor, encodeCursor, type CursorBinding } from '../../domain/cursor';
import { InvalidCursorError } from '../../domain/errors';
import { parseInstant, parseLimit } from '../../functions/http/list-request';

const SECRET = 'k'.repeat(43);
const binding: CursorBinding = { principal: 'alice', list: 'GET /accounts/{accountId}/entries', filters: { 'path.accountId': 'acc_1', 'query.since': undefined } };

describe('Module: domain/cursor', () => {
  it('gives back the position for the same caller, list and filters', () => {
    // Prepare
    const cursor = encodeCursor('2026-01-01T00:00:00.000Z#en_1', binding, SECRET);

    // Act & Assess
    expect(decodeCursor(cursor, binding, SECRET)).toBe('2026-01-01T00:00:00.000Z#en_1');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['another caller', { ...binding, principal: 'bob' }],
    ['another list', { ...binding, list: 'GET /transfers' }],
    ['another account', { ...binding, filters: { 'path.accountId': 'acc_2' } }],
    ['another filter value', { ...binding, filters: { ...binding.filters, 'query.since': '2026-01-01T00:00:00.000Z' } }],
  ])('refuses it for %s', (_, other) => {
    const cursor = encodeCursor('p', binding, SECRET);
    expect(() => decodeCursor(cursor, other, SECRET)).toThrow(InvalidCursorError);
  });

  it('refuses it under another signing key, and a position swapped under a valid signature', () => {
    const cursor = encodeCursor('p', binding, SECRET);
    const other = encodeCursor('q', binding, SECRET);
    expect(() => decodeCursor(cursor, binding, 'x'.repeat(43))).toThrow(InvalidCursorError);
    expect(() => decodeCursor(`${other.split('.')[0]}.${cursor.split('.')[1]}`, binding, SECRET)).toThrow(InvalidCursorError);
  });
});

describe('Function: parseLimit', () => {
  it('defaults to 20 and accepts 1 to 100', () => {
    expect(parseLimit(undefined)).toBe(20);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('100')).toBe(100);
  });
});

describe('Function: parseInstant', () => {
  it.each([
    ['2026-01-31T23:59:59Z', '2026-01-31T23:59:59.000Z'],
    ['2026-01-31t23:59:59z', '2026-01-31T23:59:59.000Z'],
    ['2026-02-01T01:00:00+01:00', '2026-02-01T00:00:00.000Z'],
    ['2026-01-31T23:59:59.5Z', '2026-01-31T23:59:59.500Z'],
    // Entries are timed to the millisecond: a finer instant rounds up.
    ['2026-01-31T23:59:59.0001Z', '2026-01-31T23:59:59.001Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (value, expected) => {
    expect(parseInstant('since', value)).toBe(expected);
  });

  it.each(['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+24:00', '2026-01-01 00:00:00Z', '20260101T000000Z'])(
    'refuses %s',
    (value) => {
      expect(() => parseInstant('until', value)).toThrow('until must be an RFC 3339 date-time');
    },
  );
});
