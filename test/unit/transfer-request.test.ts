import { ValidationError } from '../../domain/errors';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../../domain/money';
import { MAX_REFERENCE_LENGTH, parseTransferRequest, transferView } from '../../domain/transfer';

const valid = { fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 100, currency: 'USD' };

function fieldOf(body: unknown): string | undefined {
  try {
    parseTransferRequest(body);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
}

describe('Function: parseTransferRequest', () => {
  it('accepts a valid request and normalises a missing reference to null', () => {
    // Act
    const request = parseTransferRequest(valid);

    // Assess
    expect(request).toEqual({ ...valid, reference: null });
  });

  it('keeps a printable reference, including non-ASCII letters', () => {
    expect(parseTransferRequest({ ...valid, reference: 'Miete März €' }).reference).toBe('Miete März €');
  });

  it.each([
    ['a non-object body', 'x', 'body'],
    ['an array body', [valid], 'body'],
    ['null', null, 'body'],
    ['a missing toAccountId', { ...valid, toAccountId: undefined }, 'toAccountId'],
    ['an account id with a slash', { ...valid, fromAccountId: 'a/b' }, 'fromAccountId'],
    ['an account id of 65 characters', { ...valid, fromAccountId: 'a'.repeat(65) }, 'fromAccountId'],
    ['the same account on both sides', { ...valid, toAccountId: 'acc_a' }, 'toAccountId'],
    ['a zero amount', { ...valid, amount: 0 }, 'amount'],
    ['a negative amount', { ...valid, amount: -1 }, 'amount'],
    ['a fractional amount', { ...valid, amount: 10.5 }, 'amount'],
    ['an amount in a string', { ...valid, amount: '10' }, 'amount'],
    ['an amount past the maximum', { ...valid, amount: MAX_TRANSFER_AMOUNT_MINOR + 1 }, 'amount'],
    ['an unsafe integer amount', { ...valid, amount: 2 ** 53 }, 'amount'],
    ['a currency of two letters', { ...valid, currency: 'US' }, 'currency'],
    ['a lower-case currency', { ...valid, currency: 'usd' }, 'currency'],
    ['a reference that is a number', { ...valid, reference: 5 }, 'reference'],
    ['a reference with a control character', { ...valid, reference: 'a\u0000b' }, 'reference'],
    ['a reference with a line break', { ...valid, reference: 'a\nb' }, 'reference'],
    ['a reference that is too long', { ...valid, reference: 'r'.repeat(MAX_REFERENCE_LENGTH + 1) }, 'reference'],
    ['an extra field', { ...valid, fee: 1 }, 'fee'],
  ])('refuses %s, naming the field', (_, body, field) => {
    expect(fieldOf(body)).toBe(field);
  });

  it('accepts the largest allowed amount exactly', () => {
    expect(parseTransferRequest({ ...valid, amount: MAX_TRANSFER_AMOUNT_MINOR }).amount).toBe(MAX_TRANSFER_AMOUNT_MINOR);
  });
});

describe('Function: transferView', () => {
  it('orders the fields the same way whatever order the input had', () => {
    // Prepare
    const a = { ...valid, reference: null, transferId: 'tr_1', status: 'completed' as const, createdAt: 't' };
    const b = { createdAt: 't', status: 'completed' as const, transferId: 'tr_1', reference: null, currency: 'USD', amount: 100, toAccountId: 'acc_b', fromAccountId: 'acc_a' };

    // Act & Assess
    expect(JSON.stringify(transferView(b))).toBe(JSON.stringify(transferView(a)));
    expect(Object.keys(transferView(b))[0]).toBe('transferId');
  });
});
