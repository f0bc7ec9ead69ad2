import { PROBLEM_TYPE_BASE } from '../functions/http/responses';
import { IdempotencyKeyUnusableError } from '../domain/errors';
import { MAX_TRANSFER_AMOUNT_MINOR } from '../domain/money';
import {
  ACCOUNT_ID_PATTERN,
  CREATE_KEY_REQUEST_SCHEMA,
  IDEMPOTENCY_KEY_HEADER,
  OPEN_ACCOUNT_REQUEST_SCHEMA,
  REVERSAL_REQUEST_SCHEMA,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  MAX_REFERENCE_LENGTH,
  TRANSFER_REQUEST_SCHEMA,
} from '../domain/schemas';
import { DEFAULT_PAGE_LIMIT as DEFAULT_LIMIT, MAX_PAGE_LIMIT as MAX_LIMIT } from '../domain/ports';
import { OPERATIONS as KEY_OPERATIONS } from '../domain/idempotency-key';
import { FUNCTIONS, ROUTES, SETTINGS, type FunctionId } from './definitions';
import { objectJsonSchema } from './json-schema';

/**
 * The OpenAPI 3.1 document of the API, generated: request bodies come from
 * domain/schemas.ts (the schemas that validate requests and become the API
 * Gateway models), paths from ROUTES in lib/definitions.ts. Nothing here is
 * a second copy of a rule, so the document cannot drift from the code.
 *
 * `npm start` and the deployed API (lib/openapi-route.ts) serve it at GET
 * /openapi.json, without a token; `npm test` lints it with Redocly
 * (test/unit/openapi.test.ts).
 */

/** Where the document is served, outside ROUTES and without a token. */
export const OPENAPI_PATH = '/openapi.json';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const problemRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

const problemExample = (kind: string, title: string, status: number, detail: string, extra: Json = {}): Json => ({
  type: `${PROBLEM_TYPE_BASE}${kind}`,
  title,
  status,
  detail,
  instance: 'c0a8f1d2-7b6e-4f1a-9c3d-2e5b8a7f6d41',
  ...extra,
});

const problemResponse = (description: string, examples: Record<string, Json>, headers: Json = {}): Json => ({
  description,
  headers,
  content: {
    'application/problem+json': {
      schema: ref('Problem'),
      examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])),
    },
  },
});

const TRANSFER_EXAMPLE = {
  transferId: 'tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8',
  fromAccountId: 'acc_alice_usd',
  toAccountId: 'acc_bob_usd',
  amount: 2500,
  currency: 'USD',
  reference: 'dinner',
  status: 'completed',
  createdAt: '2026-01-16T10:00:00.000Z',
};

const REVERSAL_EXAMPLE = {
  reversalId: 'rv_9b1c0d2e3f405162738495a6b7c8d9e0',
  transferId: 'tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8',
  fromAccountId: 'acc_bob_usd',
  toAccountId: 'acc_alice_usd',
  amount: 1000,
  currency: 'USD',
  reference: 'refund',
  createdAt: '2026-01-17T10:00:00.000Z',
};

const LIMITS =
  `Limits: request bodies up to ${MAX_BODY_BYTES} bytes (UTF-8; 413 above), JSON nested at most ${MAX_JSON_DEPTH} levels, ` +
  `each member name once (a repeated name is a 400), amounts 1 to ${MAX_TRANSFER_AMOUNT_MINOR} minor units, ` +
  `references up to ${MAX_REFERENCE_LENGTH} characters, account ids 1-64 of A-Z a-z 0-9 _ -, ` +
  'idempotency keys `idk_` + 24 base64url characters.';

interface OperationText {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
}

/** One entry per function: the compiler insists every route is documented. */
const OPERATIONS: Readonly<Record<FunctionId, OperationText>> = {
  createKey: {
    operationId: 'createIdempotencyKey',
    summary: 'Issue an idempotency key',
    description:
      'Issues a random key (144 bits) bound to the caller and to one operation. Send it as `Idempotency-Key` with the ' +
      'transfer and on every retry of that transfer. A key issued to one caller is unknown to every other caller.',
    tag: 'Idempotency keys',
  },
  transfer: {
    operationId: 'createTransfer',
    summary: 'Move money, exactly once per Idempotency-Key',
    description:
      'Debits one of your accounts and credits another in one transaction. A repeat with the same key and body gets the ' +
      'first answer again (same status and body) with `Idempotent-Replayed: true`; the money moves once. The same key ' +
      'with another body is a 422. A final decline (404, 422 insufficient funds or currency mismatch) is replayed too.',
    tag: 'Transfers',
  },
  getAccount: {
    operationId: 'getAccount',
    summary: 'Read one of your accounts',
    description: "Your account and its balance in minor units. Someone else's account is a 404, exactly like a missing one.",
    tag: 'Accounts',
  },
  getTransfer: {
    operationId: 'getTransfer',
    summary: 'Read a transfer you made or received',
    description:
      'A transfer you initiated, exactly as POST /transfers answered it, or one that credited an account of yours. ' +
      'Anyone else gets a 404.',
    tag: 'Transfers',
  },
  reverseTransfer: {
    operationId: 'reverseTransfer',
    summary: 'Send a received transfer back, exactly once per Idempotency-Key',
    description:
      'The owner of the account a transfer credited sends `amount` (all or part of it) back to the original sender, from that ' +
      'account, in one transaction. The reversals of a transfer never add up to more than its amount, even when they race ' +
      '(422 reversal-exceeds-transfer). The initiator who does not own the credited account gets 403; anyone else 404. ' +
      'Declines are final for the key and replayed. Needs a key issued for `reversal`.',
    tag: 'Transfers',
  },
  openAccount: {
    operationId: 'openAccount',
    summary: 'Open an account, exactly once per Idempotency-Key',
    description:
      'Opens an account of yours in one currency, with balance 0. A retry with the same key answers with the same account, ' +
      'never a second one. At most ACCOUNT_LIMIT accounts per caller (10 by default; 422 account-limit-reached, final). ' +
      'Needs a key issued for `open-account`.',
    tag: 'Accounts',
  },
  listAccounts: {
    operationId: 'listAccounts',
    summary: 'List your accounts',
    description: 'Your accounts with their balances, oldest first.',
    tag: 'Accounts',
  },
  listEntries: {
    operationId: 'listEntries',
    summary: "An account's statement",
    description:
      'The double-entry entries of one of your accounts, newest first: a debit or a credit for every movement of money. ' +
      'Written in the same transaction as the balance, so an entry is listed as soon as its 201 is answered. ' +
      'Opening balance 0 plus the credits minus the debits is the balance. `since` (inclusive) and `until` (exclusive) ' +
      'narrow the window.',
    tag: 'Accounts',
  },
  listTransfers: {
    operationId: 'listTransfers',
    summary: 'List the transfers you made',
    description: 'Transfers you initiated, newest first; with `accountId`, only those sent from that account of yours.',
    tag: 'Transfers',
  },
  getIdempotencyKey: {
    operationId: 'getIdempotencyKey',
    summary: 'What became of a key',
    description:
      'For a key issued to you: `issued` (nothing stored for it yet: retrying the operation is safe), `used` (the operation ' +
      'committed; `resultId` names its result), `declined` (a final decline is stored and replayed on repeat) or `expired`. ' +
      'Anyone else, and an unknown key, gets a 404.',
    tag: 'Idempotency keys',
  },
};

const LIST_PARAMETERS: readonly Json[] = [
  { $ref: '#/components/parameters/Limit' },
  { $ref: '#/components/parameters/Cursor' },
];

const listOf = (itemSchema: string, description: string): Json => ({
  description,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: ref(itemSchema) },
          nextCursor: { type: ['string', 'null'], description: 'Pass back as `cursor` for the next page; null on the last page.' },
        },
        additionalProperties: false,
      },
    },
  },
});

/** What every idempotent write answers besides its own declines (the shared mechanism's refusals). */
const IDEMPOTENT_WRITE_ERRORS: Json = {
  '400': problemRef('InvalidTransferRequest'),
  '401': problemRef('Unauthenticated'),
  '409': problemRef('Conflict'),
  '413': problemRef('PayloadTooLarge'),
  '415': problemRef('UnsupportedMediaType'),
  '429': problemRef('Throttled'),
  '503': problemRef('StoreUnavailable'),
};

const LIST_ERRORS: Json = {
  '400': problemRef('InvalidListRequest'),
  '401': problemRef('Unauthenticated'),
  '429': problemRef('Throttled'),
  '503': problemRef('StoreUnavailable'),
};

function operation(functionId: FunctionId, resource: string): Json {
  const listed = listOperation(functionId, resource);
  if (listed !== undefined) return listed;
  const text = OPERATIONS[functionId];
  const common = {
    operationId: text.operationId,
    summary: text.summary,
    description: text.description,
    tags: [text.tag],
  };
  switch (functionId) {
    case 'createKey':
      return {
        ...common,
        requestBody: {
          required: false,
          content: { 'application/json': { schema: ref(CREATE_KEY_REQUEST_SCHEMA.title), example: { operation: 'transfer' } } },
        },
        responses: {
          '201': {
            description: 'The key, its operation and when it expires.',
            content: {
              'application/json': {
                schema: ref('IssuedKey'),
                example: {
                  key: 'idk_Qm9iIGFuZCBBbGljZSBwYXkx',
                  operation: 'transfer',
                  createdAt: '2026-01-16T10:00:00.000Z',
                  expiresAt: '2026-01-17T10:00:00.000Z',
                },
              },
            },
          },
          '400': problemRef('InvalidRequest'),
          '401': problemRef('Unauthenticated'),
          '413': problemRef('PayloadTooLarge'),
          '415': problemRef('UnsupportedMediaType'),
          '429': problemRef('Throttled'),
          '503': problemRef('StoreUnavailable'),
        },
      };
    case 'transfer':
      return {
        ...common,
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref(TRANSFER_REQUEST_SCHEMA.title),
              example: { fromAccountId: 'acc_alice_usd', toAccountId: 'acc_bob_usd', amount: 2500, currency: 'USD', reference: 'dinner' },
            },
          },
        },
        responses: {
          '201': {
            description: 'The transfer. On a repeat of a completed request: the same body, with `Idempotent-Replayed: true`.',
            headers: {
              Location: { $ref: '#/components/headers/Location' },
              'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' },
            },
            content: { 'application/json': { schema: ref('Transfer'), example: TRANSFER_EXAMPLE } },
          },
          ...IDEMPOTENT_WRITE_ERRORS,
          '404': problemRef('AccountNotFound'),
          '422': problemRef('TransferRefused'),
        },
      };
    case 'reverseTransfer':
      return {
        ...common,
        parameters: [
          pathParameter('transferId', resource, { type: 'string', pattern: '^tr_[0-9a-f]{32}$' }),
          { $ref: '#/components/parameters/IdempotencyKey' },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref(REVERSAL_REQUEST_SCHEMA.title), example: { amount: 1000, reference: 'refund' } } },
        },
        responses: {
          '201': {
            description: 'The reversal. On a repeat of a completed request: the same body, with `Idempotent-Replayed: true`.',
            headers: { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } },
            content: { 'application/json': { schema: ref('Reversal'), example: REVERSAL_EXAMPLE } },
          },
          ...IDEMPOTENT_WRITE_ERRORS,
          '403': problemRef('ReversalNotAllowed'),
          '404': problemRef('TransferNotFound'),
          '422': problemRef('ReversalRefused'),
        },
      };
    case 'openAccount':
      return {
        ...common,
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref(OPEN_ACCOUNT_REQUEST_SCHEMA.title), example: { currency: 'USD' } } },
        },
        responses: {
          '201': {
            description: 'The account, balance 0. On a repeat: the same body, with `Idempotent-Replayed: true`.',
            headers: {
              Location: { description: 'The account, relative to the request URL.', schema: { type: 'string' } },
              'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' },
            },
            content: {
              'application/json': {
                schema: ref('Account'),
                example: { accountId: 'acc_3f9a0c1b2d4e5f60718293a4b5c6d7e8', currency: 'USD', balance: 0, createdAt: '2026-01-16T09:00:00.000Z' },
              },
            },
          },
          ...IDEMPOTENT_WRITE_ERRORS,
          '422': problemRef('AccountRefused'),
        },
      };
    case 'getAccount':
      return {
        ...common,
        parameters: [pathParameter('accountId', resource, { type: 'string', pattern: ACCOUNT_ID_PATTERN })],
        responses: {
          '200': {
            description: 'The account.',
            content: {
              'application/json': {
                schema: ref('Account'),
                example: { accountId: 'acc_alice_usd', currency: 'USD', balance: 97500, createdAt: '2026-01-16T09:00:00.000Z' },
              },
            },
          },
          '401': problemRef('Unauthenticated'),
          '404': problemRef('AccountNotFound'),
          '429': problemRef('Throttled'),
          '503': problemRef('StoreUnavailable'),
        },
      };
    case 'getTransfer':
      return {
        ...common,
        parameters: [pathParameter('transferId', resource, { type: 'string', pattern: '^tr_[0-9a-f]{32}$' })],
        responses: {
          '200': {
            description: 'The transfer, and how much of it its reversals have sent back.',
            content: { 'application/json': { schema: ref('TransferWithReversals'), example: { ...TRANSFER_EXAMPLE, reversedAmount: 0 } } },
          },
          '401': problemRef('Unauthenticated'),
          '404': problemRef('TransferNotFound'),
          '429': problemRef('Throttled'),
          '503': problemRef('StoreUnavailable'),
        },
      };
    default:
      throw new Error(`No OpenAPI operation for ${functionId}.`);
  }
}

function listOperation(functionId: FunctionId, resource: string): Json | undefined {
  const text = OPERATIONS[functionId];
  const common = { operationId: text.operationId, summary: text.summary, description: text.description, tags: [text.tag] };
  const accountPath = () => pathParameter('accountId', resource, { type: 'string', pattern: ACCOUNT_ID_PATTERN });
  switch (functionId) {
    case 'listAccounts':
      return { ...common, parameters: LIST_PARAMETERS, responses: { '200': listOf('Account', 'One page of your accounts.'), ...LIST_ERRORS } };
    case 'listEntries':
      return {
        ...common,
        parameters: [accountPath(), ...LIST_PARAMETERS, { $ref: '#/components/parameters/Since' }, { $ref: '#/components/parameters/Until' }],
        responses: { '200': listOf('Entry', 'One page of the statement, newest first.'), ...LIST_ERRORS, '404': problemRef('AccountNotFound') },
      };
    case 'listTransfers':
      return {
        ...common,
        parameters: [
          ...LIST_PARAMETERS,
          {
            name: 'accountId',
            in: 'query',
            required: false,
            description: 'Only transfers sent from this account of yours; anyone else\'s is a 404.',
            schema: { type: 'string', pattern: ACCOUNT_ID_PATTERN },
          },
        ],
        responses: { '200': listOf('Transfer', 'One page of your transfers, newest first.'), ...LIST_ERRORS, '404': problemRef('AccountNotFound') },
      };
    case 'getIdempotencyKey':
      return {
        ...common,
        parameters: [pathParameter('key', resource, { type: 'string', pattern: IDEMPOTENCY_KEY_HEADER.issuedPattern })],
        responses: {
          '200': {
            description: 'The key and its status.',
            content: {
              'application/json': {
                schema: ref('KeyStatus'),
                example: {
                  key: 'idk_Qm9iIGFuZCBBbGljZSBwYXkx',
                  operation: 'transfer',
                  status: 'used',
                  createdAt: '2026-01-16T10:00:00.000Z',
                  expiresAt: '2026-01-17T10:00:00.000Z',
                  resultId: 'tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8',
                },
              },
            },
          },
          '401': problemRef('Unauthenticated'),
          '404': problemRef('KeyNotFound'),
          '429': problemRef('Throttled'),
          '503': problemRef('StoreUnavailable'),
        },
      };
    default:
      return undefined;
  }
}

function pathParameter(name: string, resource: string, schema: Json): Json {
  if (!resource.includes(`{${name}}`)) throw new Error(`Route ${resource} has no parameter ${name}.`);
  return {
    name,
    in: 'path',
    required: true,
    description: 'Anything that is not a well-formed id of yours answers 404.',
    schema,
  };
}

function paths(): Json {
  const document: Record<string, Json> = {};
  for (const route of ROUTES) {
    const methods = (document[route.resource] ??= {});
    methods[route.method.toLowerCase()] = operation(route.functionId, route.resource);
  }
  return document;
}

const RETRY_AFTER = { $ref: '#/components/headers/RetryAfter' };

/** `^key$` as the pattern of the same key in double quotes (keys hold no quote or backslash to escape). */
function quoted(pattern: string): string {
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) throw new Error(`Pattern ${pattern} is not anchored.`);
  return `^"${pattern.slice(1, -1)}"$`;
}

function components(): Json {
  return {
    securitySchemes: {
      cognitoIdToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A Cognito user pool ID token in `Authorization`, with or without `Bearer `. Its `sub` is the principal that owns ' +
          'accounts, keys and transfers. Locally, the tokens `npm start` writes to .local/demo.json.',
      },
    },
    parameters: {
      IdempotencyKey: {
        name: IDEMPOTENCY_KEY_HEADER.name,
        in: 'header',
        required: true,
        description: IDEMPOTENCY_KEY_HEADER.description,
        schema: {
          anyOf: [
            { title: 'Issued key', type: 'string', pattern: IDEMPOTENCY_KEY_HEADER.issuedPattern },
            { title: `Client key (only with ${SETTINGS.allowClientKeys.envVar}=true)`, type: 'string', pattern: IDEMPOTENCY_KEY_HEADER.clientPattern },
            { title: 'Issued key as an sf-string', type: 'string', pattern: quoted(IDEMPOTENCY_KEY_HEADER.issuedPattern) },
            {
              title: `Client key as an sf-string (only with ${SETTINGS.allowClientKeys.envVar}=true)`,
              type: 'string',
              pattern: quoted(IDEMPOTENCY_KEY_HEADER.clientPattern),
            },
          ],
        },
        example: 'idk_Qm9iIGFuZCBBbGljZSBwYXkx',
      },
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: `Items per page, ${1} to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}); anything else is a 400.`,
        schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      },
      Cursor: {
        name: 'cursor',
        in: 'query',
        required: false,
        description:
          'The `nextCursor` of the previous page, unchanged. Bound to you and to this list (path and filters; `limit` may ' +
          'change): any other cursor is a 400 invalid-cursor.',
        schema: { type: 'string', maxLength: 1024 },
      },
      Since: {
        name: 'since',
        in: 'query',
        required: false,
        description: 'Only entries created at or after this RFC 3339 instant.',
        schema: { type: 'string', format: 'date-time' },
      },
      Until: {
        name: 'until',
        in: 'query',
        required: false,
        description: 'Only entries created before this RFC 3339 instant (exclusive); later than `since`.',
        schema: { type: 'string', format: 'date-time' },
      },
    },
    headers: {
      IdempotentReplayed: {
        description: 'Present (`true`) when this answer is the stored answer to an earlier request with the same key.',
        schema: { type: 'string', enum: ['true'] },
      },
      RetryAfter: {
        description:
          'Seconds to wait before retrying with the same Idempotency-Key. For a request in progress, the time its original ' +
          `still holds the key (rounded up, 1 to ${FUNCTIONS.transfer.timeoutSeconds}: no invocation runs longer).`,
        schema: { type: 'integer', minimum: 1 },
      },
      Location: {
        description: 'The transfer, relative to the request URL (so behind a stage prefix too): GET it to read it again.',
        schema: { type: 'string', pattern: '^transfers/tr_[0-9a-f]{32}$' },
      },
    },
    schemas: {
      [TRANSFER_REQUEST_SCHEMA.title]: objectJsonSchema(TRANSFER_REQUEST_SCHEMA, '2020-12'),
      [CREATE_KEY_REQUEST_SCHEMA.title]: objectJsonSchema(CREATE_KEY_REQUEST_SCHEMA, '2020-12'),
      Transfer: {
        type: 'object',
        required: ['transferId', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'reference', 'status', 'createdAt'],
        properties: {
          transferId: { type: 'string', pattern: '^tr_[0-9a-f]{32}$', description: 'Derived from (caller, Idempotency-Key).' },
          fromAccountId: { type: 'string' },
          toAccountId: { type: 'string' },
          amount: { type: 'integer', minimum: 1, maximum: MAX_TRANSFER_AMOUNT_MINOR, description: 'Minor units.' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          reference: { type: ['string', 'null'] },
          status: { type: 'string', enum: ['completed'] },
          createdAt: { type: 'string', format: 'date-time', description: 'When the money moved; the same on every replay.' },
        },
        additionalProperties: false,
      },
      TransferWithReversals: {
        type: 'object',
        description: 'A transfer as GET /transfers/{transferId} shows it: the fields of Transfer, and `reversedAmount`.',
        required: ['transferId', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'reference', 'status', 'createdAt', 'reversedAmount'],
        properties: {
          transferId: { type: 'string', pattern: '^tr_[0-9a-f]{32}$' },
          fromAccountId: { type: 'string' },
          toAccountId: { type: 'string' },
          amount: { type: 'integer', minimum: 1, maximum: MAX_TRANSFER_AMOUNT_MINOR, description: 'Minor units.' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          reference: { type: ['string', 'null'] },
          status: { type: 'string', enum: ['completed'] },
          createdAt: { type: 'string', format: 'date-time' },
          reversedAmount: { type: 'integer', minimum: 0, maximum: MAX_TRANSFER_AMOUNT_MINOR, description: 'Minor units sent back by its reversals so far.' },
        },
        additionalProperties: false,
      },
      [REVERSAL_REQUEST_SCHEMA.title]: objectJsonSchema(REVERSAL_REQUEST_SCHEMA, '2020-12'),
      [OPEN_ACCOUNT_REQUEST_SCHEMA.title]: objectJsonSchema(OPEN_ACCOUNT_REQUEST_SCHEMA, '2020-12'),
      Reversal: {
        type: 'object',
        required: ['reversalId', 'transferId', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'reference', 'createdAt'],
        properties: {
          reversalId: { type: 'string', pattern: '^rv_[0-9a-f]{32}$', description: 'Derived from (caller, Idempotency-Key).' },
          transferId: { type: 'string', pattern: '^tr_[0-9a-f]{32}$', description: 'The transfer reversed.' },
          fromAccountId: { type: 'string', description: 'The account debited now: the one the transfer credited.' },
          toAccountId: { type: 'string', description: "The original sender's account, credited." },
          amount: { type: 'integer', minimum: 1, maximum: MAX_TRANSFER_AMOUNT_MINOR, description: 'Minor units.' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          reference: { type: ['string', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
        },
        additionalProperties: false,
      },
      IssuedKey: {
        type: 'object',
        required: ['key', 'operation', 'createdAt', 'expiresAt'],
        properties: {
          key: { type: 'string', pattern: IDEMPOTENCY_KEY_HEADER.issuedPattern },
          operation: { type: 'string', enum: [...KEY_OPERATIONS] },
          createdAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time', description: 'After this the key is refused (422); get a new one.' },
        },
        additionalProperties: false,
      },
      Account: {
        type: 'object',
        required: ['accountId', 'currency', 'balance', 'createdAt'],
        properties: {
          accountId: { type: 'string' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          balance: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units.' },
          createdAt: { type: 'string', format: 'date-time' },
        },
        additionalProperties: false,
      },
      Entry: {
        type: 'object',
        required: [
          'entryId', 'accountId', 'kind', 'direction', 'amount', 'currency',
          'counterpartyAccountId', 'transferId', 'reversalId', 'reference', 'createdAt',
        ],
        properties: {
          entryId: { type: 'string', pattern: '^en_[0-9a-f]{32}$' },
          accountId: { type: 'string' },
          kind: { type: 'string', enum: ['transfer', 'reversal', 'funding'] },
          direction: { type: 'string', enum: ['debit', 'credit'] },
          amount: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units, positive; `direction` says which way.' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          counterpartyAccountId: { type: ['string', 'null'], description: 'The other side; null for funding.' },
          transferId: { type: ['string', 'null'], description: 'The transfer moved (for a reversal, the one reversed); null for funding.' },
          reversalId: { type: ['string', 'null'], description: 'Set on reversal entries only.' },
          reference: { type: ['string', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
        },
        additionalProperties: false,
      },
      KeyStatus: {
        type: 'object',
        required: ['key', 'operation', 'status', 'createdAt', 'expiresAt', 'resultId'],
        properties: {
          key: { type: 'string', pattern: IDEMPOTENCY_KEY_HEADER.issuedPattern },
          operation: { type: 'string', enum: [...KEY_OPERATIONS] },
          status: { type: 'string', enum: ['issued', 'used', 'declined', 'expired'] },
          createdAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' },
          resultId: { type: ['string', 'null'], description: 'What the operation made (a transfer id) once `used`; else null.' },
        },
        additionalProperties: false,
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details. `type` is `' + PROBLEM_TYPE_BASE + '<kind>`; never a stack trace.',
        required: ['type', 'title', 'detail', 'instance'],
        properties: {
          type: { type: 'string', description: 'Stable, machine-readable kind of problem.' },
          title: { type: 'string' },
          status: { type: 'integer', description: 'The HTTP status; left out by the gateway default responses, which cover several.' },
          detail: { type: 'string', description: 'What went wrong with this request, for a person.' },
          instance: { type: 'string', description: 'The request id (API Gateway `requestId`).' },
          field: { type: 'string', description: 'The invalid field or header, for invalid-request and invalid-idempotency-key.' },
        },
      },
    },
    responses: {
      InvalidRequest: problemResponse('The body is invalid; nothing was stored.', {
        invalidField: problemExample('invalid-request', 'Invalid request', 400, 'operation must be "transfer" or "reversal" or "open-account".', { field: 'operation' }),
      }),
      InvalidTransferRequest: problemResponse('The Idempotency-Key or the body is invalid; nothing was stored.', {
        missingKey: problemExample(
          'invalid-idempotency-key',
          'Missing or malformed Idempotency-Key',
          400,
          'The Idempotency-Key header is required. Get a key from POST /idempotency-keys.',
          { field: 'Idempotency-Key' },
        ),
        invalidAmount: problemExample(
          'invalid-request',
          'Invalid request',
          400,
          `amount must be an integer number of minor units between 1 and ${MAX_TRANSFER_AMOUNT_MINOR}.`,
          { field: 'amount' },
        ),
        duplicateMember: problemExample('invalid-request', 'Invalid request', 400, 'The body repeats the member "amount"; each name may appear once.', {
          field: 'body',
        }),
      }),
      Unauthenticated: problemResponse('No token, or not a valid ID token. Nothing was done.', {
        missing: problemExample('unauthenticated', 'Unauthenticated', 401, 'Unauthorized'),
      }),
      InvalidListRequest: problemResponse('A query parameter or the cursor is invalid.', {
        invalidLimit: problemExample('invalid-request', 'Invalid request', 400, `limit must be an integer from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`, {
          field: 'limit',
        }),
        invalidCursor: problemExample(
          'invalid-cursor',
          'Invalid cursor',
          400,
          'The cursor is not one this list gave you: pass nextCursor back unchanged, with the same filters.',
          { field: 'cursor' },
        ),
      }),
      KeyNotFound: problemResponse('No key of yours has this value.', {
        notFound: problemExample(
          'idempotency-key-not-found',
          'Idempotency key not found',
          404,
          'No idempotency key of yours has this value (keys are deleted some time after they expire).',
        ),
      }),
      ReversalNotAllowed: problemResponse('You made this transfer; only the owner of the account it credited can reverse it. Final for the key.', {
        notAllowed: problemExample(
          'reversal-not-allowed',
          'Reversal not allowed',
          403,
          'Only the owner of the account that transfer tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8 credited can reverse it.',
        ),
      }),
      ReversalRefused: problemResponse(
        'Refused: more than is left to reverse, insufficient funds on the account debited (final, replayed); or a key problem ' +
          '(used with another body, not issued to you for `reversal`, expired or used).',
        {
          exceeds: problemExample(
            'reversal-exceeds-transfer',
            'Reversal exceeds transfer',
            422,
            'Transfer tr_3f9a0c1b2d4e5f60718293a4b5c6d7e8 has 500 minor units left to reverse.',
          ),
          insufficientFunds: problemExample('insufficient-funds', 'Insufficient funds', 422, 'Account acc_bob_usd has insufficient funds for this transfer.'),
          keyNotIssued: problemExample('idempotency-key-not-issued', 'Idempotency key not usable', 422, 'This idempotency key was not issued to you for this operation.'),
        },
      ),
      AccountRefused: problemResponse('Refused: you have as many accounts as allowed (final, replayed); or a key problem.', {
        limit: problemExample('account-limit-reached', 'Account limit reached', 422, 'You have 10 accounts, the most one caller may open.'),
      }),
      AccountNotFound: problemResponse('The account does not exist or is not yours (the two are never told apart). Final for the key.', {
        notFound: problemExample('account-not-found', 'Account not found', 404, 'Account acc_x does not exist or is not yours.'),
      }),
      TransferNotFound: problemResponse('The transfer does not exist or was not made by you.', {
        notFound: problemExample('transfer-not-found', 'Transfer not found', 404, 'Transfer tr_00000000000000000000000000000000 does not exist or is not yours.'),
      }),
      Conflict: problemResponse(
        'A request with this key is still running, or the accounts are busy. Retry with the same key after Retry-After seconds.',
        {
          inProgress: problemExample('request-in-progress', 'Request in progress', 409, 'A request with this idempotency key is still in progress.'),
          busy: problemExample('transaction-conflict', 'Transaction conflict', 409, 'The accounts are busy with other transfers.'),
        },
        { 'Retry-After': RETRY_AFTER },
      ),
      PayloadTooLarge: problemResponse(`The body is larger than ${MAX_BODY_BYTES} bytes.`, {
        tooLarge: problemExample('payload-too-large', 'Payload too large', 413, `The request body exceeds ${MAX_BODY_BYTES} bytes.`),
      }),
      UnsupportedMediaType: problemResponse(
        'The request has a body that is not sent as `application/json` (or a `+json` type; a charset, if any, must be UTF-8), ' +
          'or has no Content-Type at all. Nothing was read or stored.',
        {
          notJson: problemExample(
            'unsupported-media-type',
            'Unsupported media type',
            415,
            'The body is not sent as JSON. Send the body as Content-Type: application/json (UTF-8).',
          ),
        },
      ),
      TransferRefused: problemResponse(
        'Refused: the key was used with another body, was not issued to you for this operation, has expired or is used; ' +
          'or insufficient funds, currency mismatch (final for the key, replayed on repeat).',
        {
          keyReused: problemExample('idempotency-key-reused', 'Idempotency key reused', 422, 'This idempotency key was already used with a different request body.'),
          keyNotIssued: problemExample(
            'idempotency-key-not-issued',
            'Idempotency key not usable',
            422,
            new IdempotencyKeyUnusableError('not-issued').message,
          ),
          keyExpired: problemExample('idempotency-key-expired', 'Idempotency key not usable', 422, new IdempotencyKeyUnusableError('expired').message),
          insufficientFunds: problemExample('insufficient-funds', 'Insufficient funds', 422, 'Account acc_alice_usd has insufficient funds for this transfer.'),
        },
      ),
      Throttled: problemResponse('Over the stage throttling limits (API Gateway). Retry later.', {
        throttled: problemExample('throttled', 'Too many requests', 429, 'Too Many Requests'),
      }),
      StoreUnavailable: problemResponse(
        'The data store throttled or was unreachable. Nothing was recorded; a retry with the same key is safe.',
        { unavailable: problemExample('store-unavailable', 'Service unavailable', 503, 'The data store is temporarily unavailable.') },
        { 'Retry-After': RETRY_AFTER },
      ),
    },
  };
}

export interface OpenApiOptions {
  /** Server URLs to list first, e.g. the local server's. */
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description: string }>;
}

export function openApiDocument(options: OpenApiOptions = {}): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Exactly-once money transfers',
      version: '1.0.0',
      summary: 'Move money once, however often the client has to retry.',
      description:
        'Get an idempotency key, send the transfer with it, retry with the same key until you get an answer: the money ' +
        'moves once. Money is in integer minor units. Every error is `application/problem+json` (RFC 9457). ' +
        LIMITS,
      license: { name: 'MIT-0', identifier: 'MIT-0' },
    },
    servers: [
      ...(options.servers ?? []),
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/prod',
        description: 'Deployed stack (output ApiUrl).',
        variables: { restApiId: { default: 'restApiId' }, region: { default: 'us-east-1' } },
      },
    ],
    security: [{ cognitoIdToken: [] }],
    tags: [
      { name: 'Idempotency keys', description: 'Keys that make a transfer exactly-once.' },
      { name: 'Transfers', description: 'Money movements.' },
      { name: 'Accounts', description: 'Your accounts and balances.' },
    ],
    paths: paths(),
    components: components(),
  };
}
