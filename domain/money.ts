/**
 * Money is an integer count of minor units (cents) with an ISO 4217 code.
 * No floats anywhere: amounts are validated as safe integers on the way in
 * and DynamoDB stores them as exact decimal numbers.
 */

/** Largest amount one transfer may move, in minor units (10,000,000.00). */
export const MAX_TRANSFER_AMOUNT_MINOR = 1_000_000_000;

/** Balances never go beyond this, so every figure stays exact in JavaScript. */
export const MAX_BALANCE_MINOR = Number.MAX_SAFE_INTEGER;

const CURRENCY_CODE = /^[A-Z]{3}$/;

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_CODE.test(value);
}

export function isPositiveMinorAmount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= max;
}

/** The highest balance an account may hold before receiving `amountMinor`. */
export function creditCeiling(amountMinor: number): number {
  return MAX_BALANCE_MINOR - amountMinor;
}
