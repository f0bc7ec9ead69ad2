import { ISSUED_KEY_PATTERN, CLIENT_KEY_PATTERN, OPERATIONS } from './idempotency-key';
import { MAX_TRANSFER_AMOUNT_MINOR } from './money';

/**
 * The request bodies of the API as data: one description that
 *   - validates every request (domain/schema-validation.ts),
 *   - becomes the API Gateway request models (lib/transfer-api.ts), and
 *   - becomes the OpenAPI document (lib/openapi.ts),
 * so the three can never disagree about a field or a limit.
 *
 * Only a subset of JSON Schema is used, one that means the same in draft-04
 * (API Gateway models) and 2020-12 (OpenAPI 3.1): `type`, `properties`,
 * `required`, `additionalProperties: false`, `pattern`, `minLength`,
 * `maxLength`, `minimum`, `maximum`, `enum`. Patterns are ECMA-262 with the
 * `u` flag (also valid Java regular expressions, which API Gateway uses);
 * lengths count Unicode code points, as JSON Schema does.
 *
 * `message` is ours, not JSON Schema: the `detail` of the 400 naming the field.
 */

export type JsonType = 'string' | 'integer' | 'null';

export interface FieldSchema {
  readonly type: JsonType | readonly JsonType[];
  readonly description: string;
  readonly message: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  readonly examples?: readonly unknown[];
}

export interface ObjectSchema {
  readonly title: string;
  readonly description: string;
  readonly properties: Readonly<Record<string, FieldSchema>>;
  readonly required: readonly string[];
}

/** The largest request body any route accepts, in bytes (UTF-8, after base64 decoding). */
export const MAX_BODY_BYTES = 16 * 1024;
/** How deeply objects and arrays may nest in a body; ours never nest. */
export const MAX_JSON_DEPTH = 16;
export const MAX_REFERENCE_LENGTH = 140;
export const ACCOUNT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';
/**
 * Printable text on one line: no control characters (line breaks included),
 * no lone surrogates, no line or paragraph separator (U+2028, U+2029), and no
 * bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069), which
 * make a statement display other text than was sent. Other format characters
 * stay: emoji sequences need the zero-width joiner (U+200D) and variation
 * selectors (U+FE0F). `\\uXXXX` means the same in ECMA-262 (with `u`) and in
 * Java, where API Gateway evaluates its models.
 */
export const REFERENCE_PATTERN = '^[^\\p{Cc}\\p{Cs}\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$';

const accountId = (role: string, name: string): FieldSchema => ({
  type: 'string',
  description: `${role}: 1-64 of A-Z a-z 0-9 _ -.`,
  message: `${name} must be an account id (1-64 of A-Z a-z 0-9 _ -).`,
  pattern: ACCOUNT_ID_PATTERN,
  minLength: 1,
  maxLength: 64,
  examples: [name === 'fromAccountId' ? 'acc_alice_usd' : 'acc_bob_usd'],
});

const amountField: FieldSchema = {
  type: 'integer',
  description: `Integer minor units (cents): 2500 is 25.00. 1 to ${MAX_TRANSFER_AMOUNT_MINOR}.`,
  message: `amount must be an integer number of minor units between 1 and ${MAX_TRANSFER_AMOUNT_MINOR}.`,
  minimum: 1,
  maximum: MAX_TRANSFER_AMOUNT_MINOR,
  examples: [2500],
};

const currencyField = (description: string): FieldSchema => ({
  type: 'string',
  description,
  message: 'currency must be an ISO 4217 code of three upper-case letters.',
  pattern: CURRENCY_PATTERN,
  minLength: 3,
  maxLength: 3,
  examples: ['USD'],
});

const referenceField: FieldSchema = {
  type: ['string', 'null'],
  description:
    `Optional free text for the payer, up to ${MAX_REFERENCE_LENGTH} characters (code points); no control characters, ` +
    'line breaks, line or paragraph separators, or bidirectional overrides and isolates. Emoji sequences are fine.',
  message: `reference must be a string of at most ${MAX_REFERENCE_LENGTH} printable characters.`,
  pattern: REFERENCE_PATTERN,
  maxLength: MAX_REFERENCE_LENGTH,
  examples: ['dinner'],
};

export const TRANSFER_REQUEST_SCHEMA: ObjectSchema = {
  title: 'TransferRequest',
  description:
    'Moves `amount` minor units from one of your accounts to another account in the same currency. ' +
    '`toAccountId` must differ from `fromAccountId`. No other fields are accepted.',
  properties: {
    fromAccountId: accountId('Your account, debited', 'fromAccountId'),
    toAccountId: accountId('The account credited; any owner, same currency', 'toAccountId'),
    amount: amountField,
    currency: currencyField('ISO 4217 code, three upper-case letters: the currency of both accounts.'),
    reference: referenceField,
  },
  required: ['fromAccountId', 'toAccountId', 'amount', 'currency'],
};

export const REVERSAL_REQUEST_SCHEMA: ObjectSchema = {
  title: 'ReversalRequest',
  description:
    'Sends `amount` minor units of a transfer you received back to its sender, from the account it credited. ' +
    'The reversals of one transfer never add up to more than its amount. No other fields are accepted.',
  properties: { amount: amountField, reference: referenceField },
  required: ['amount'],
};

export const OPEN_ACCOUNT_REQUEST_SCHEMA: ObjectSchema = {
  title: 'OpenAccountRequest',
  description: 'Opens an account of yours in one currency, with balance 0. No other fields are accepted.',
  properties: { currency: currencyField('ISO 4217 code, three upper-case letters: the currency the account holds.') },
  required: ['currency'],
};

export const CREATE_KEY_REQUEST_SCHEMA: ObjectSchema = {
  title: 'CreateKeyRequest',
  description: 'Optional body of POST /idempotency-keys: the operation the key is for (default `transfer`).',
  properties: {
    operation: {
      type: 'string',
      description: 'The one operation the key can be used for: `transfer`, `reversal` or `open-account`.',
      message: `operation must be ${OPERATIONS.map((operation) => `"${operation}"`).join(' or ')}.`,
      enum: OPERATIONS,
      examples: ['transfer'],
    },
  },
  required: [],
};

/** The Idempotency-Key header, described with the same patterns domain/idempotency-key.ts checks. */
export const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  issuedPattern: ISSUED_KEY_PATTERN,
  clientPattern: CLIENT_KEY_PATTERN,
  description:
    'A key from POST /idempotency-keys: `idk_` and 24 base64url characters (144 random bits), valid for 24 hours by default, ' +
    'for one transfer of the caller who obtained it. Send the same key on every retry of the same transfer. ' +
    'When the deployment accepts client-generated keys (ALLOW_CLIENT_KEYS), also 16-64 of A-Z a-z 0-9 _ - (UUIDs included). ' +
    'The key may be sent bare or, as the IETF Idempotency-Key draft defines the header, as an RFC 8941 structured-field ' +
    'string (`"idk_..."`): both are the same key, so a quoted retry replays a bare first attempt. Inside the quotes only ' +
    '`\\"` and `\\\\` are escapes and nothing may follow the closing quote; anything else is a 400. ' +
    'The header name is matched case-insensitively.',
} as const;
