import { createHash, randomBytes } from 'node:crypto';
import { PutItemCommand, TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { issuedKeyId } from '../../adapters/dynamodb/items';
import type { TableId } from '../../lib/definitions';

/**
 * The store-bound floor of a first-time transfer: the fewest DynamoDB calls
 * the design can make, sent with the raw SDK and nothing else. No
 * validation, no Powertools, no handler, no document client. The items are
 * built here, not borrowed from the handler's code, so the floor stays the
 * same whatever the handler does.
 *
 *   floor (2 calls, the design of issue 11):
 *     1. PutItem             the Powertools in-progress record, with Powertools' condition
 *     2. TransactWriteItems  ledger item, debit, credit, debit entry, credit entry, the
 *                            initiator's list item, key -> USED, and last the record ->
 *                            COMPLETED with the stored answer, fenced on status and lease
 *   single-transaction (1 call, a comparison):
 *     1. TransactWriteItems  the same seven items, and the record put as COMPLETED
 *
 * The items carry the same attributes and sizes as the real ones, so the
 * floor also costs the same capacity; the bench checks that the handler's
 * calls and write units per request match the floor's.
 */

export interface FloorTransfer {
  readonly principal: string;
  readonly idempotencyKey: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference: string;
}

export type FloorDesign = 'floor' | 'single-transaction';

/** `singleWrite`: the single-transaction design (one call) rather than the floor's two. */
export interface FloorOptions {
  readonly singleWrite: boolean;
  readonly transferId?: string;
}

const KEY_RETENTION_SECONDS = 24 * 60 * 60;
const FUNCTION_TIMEOUT_MS = 10_000;
const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export async function floorTransfer(
  client: DynamoDBClient,
  tables: Readonly<Record<TableId, string>>,
  transfer: FloorTransfer,
  options: FloorOptions,
): Promise<void> {
  const design: FloorDesign = options.singleWrite ? 'single-transaction' : 'floor';
  const now = new Date();
  const at = { transferId: options.transferId ?? `tr_${randomBytes(16).toString('hex')}`, createdAt: now.toISOString(), nowSeconds: Math.floor(now.getTime() / 1000) };
  const record = {
    id: `transfer#${randomBytes(16).toString('base64')}`,
    expiry: at.nowSeconds + KEY_RETENTION_SECONDS,
    lease: now.getTime() + FUNCTION_TIMEOUT_MS,
    validation: randomBytes(16).toString('base64'),
    // What the handler answers and Powertools stores: the API Gateway response.
    data: marshall({
      statusCode: 201,
      headers: { 'Cache-Control': 'no-store', 'Content-Type': 'application/json', Location: `/transfers/${at.transferId}` },
      body: JSON.stringify({
        transferId: at.transferId,
        fromAccountId: transfer.fromAccountId,
        toAccountId: transfer.toAccountId,
        amount: transfer.amount,
        currency: transfer.currency,
        reference: transfer.reference,
        status: 'completed',
        createdAt: at.createdAt,
      }),
    }),
  };

  if (design === 'floor') {
    await client.send(
      new PutItemCommand({
        TableName: tables.idempotency,
        Item: { id: s(record.id), expiration: n(record.expiry), status: s('INPROGRESS'), in_progress_expiration: n(record.lease), validation: s(record.validation) },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#in_progress_expiry': 'in_progress_expiration', '#status': 'status' },
        ExpressionAttributeValues: { ':now': n(now.getTime() / 1000), ':now_in_millis': n(now.getTime()), ':inprogress': s('INPROGRESS') },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  const recordItem: TransactWriteItem =
    design === 'floor'
      ? {
          // The completion, fenced on our own lease: a takeover's record is not ours to complete.
          Update: {
            TableName: tables.idempotency,
            Key: { id: s(record.id) },
            UpdateExpression: 'SET #status = :completed, #expiry = :expiry, #data = :data, #validation = :validation',
            ConditionExpression: '#status = :inprogress AND #lease = :lease',
            ExpressionAttributeNames: { '#status': 'status', '#expiry': 'expiration', '#data': 'data', '#validation': 'validation', '#lease': 'in_progress_expiration' },
            ExpressionAttributeValues: {
              ':completed': s('COMPLETED'),
              ':inprogress': s('INPROGRESS'),
              ':lease': n(record.lease),
              ':expiry': n(record.expiry),
              ':data': { M: record.data },
              ':validation': s(record.validation),
            },
          },
        }
      : {
          // One call: the record is born COMPLETED, so there is no in-flight state to see.
          Put: {
            TableName: tables.idempotency,
            Item: { id: s(record.id), expiration: n(record.expiry), status: s('COMPLETED'), data: { M: record.data }, validation: s(record.validation) },
            ConditionExpression: 'attribute_not_exists(#id) OR #expiry < :now',
            ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration' },
            ExpressionAttributeValues: { ':now': n(at.nowSeconds) },
          },
        };
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [...transactionItems(tables, transfer, at), recordItem],
      ClientRequestToken: createHash('sha256').update(at.transferId).digest('hex').slice(0, 36),
    }),
  );
}

/** The seven items of today's money transaction (as adapters/dynamodb/transfer-store.ts writes them). */
function transactionItems(
  tables: Readonly<Record<TableId, string>>,
  transfer: FloorTransfer,
  at: { transferId: string; createdAt: string; nowSeconds: number },
): TransactWriteItem[] {
  return [
    {
      Put: {
        TableName: tables.ledger,
        Item: {
          transferId: s(at.transferId),
          kind: s('transfer'),
          fromAccountId: s(transfer.fromAccountId),
          toAccountId: s(transfer.toAccountId),
          amount: n(transfer.amount),
          currency: s(transfer.currency),
          reference: s(transfer.reference),
          status: s('completed'),
          createdAt: s(at.createdAt),
          initiatedBy: s(transfer.principal),
        },
        ConditionExpression: 'attribute_not_exists(transferId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Update: {
        TableName: tables.accounts,
        Key: { accountId: s(transfer.fromAccountId) },
        UpdateExpression: 'SET balance = balance - :amount, updatedAt = :now ADD version :one',
        ConditionExpression: 'attribute_exists(accountId) AND ownerId = :principal AND currency = :currency AND balance >= :amount',
        ExpressionAttributeValues: {
          ':amount': n(transfer.amount),
          ':one': n(1),
          ':principal': s(transfer.principal),
          ':currency': s(transfer.currency),
          ':now': s(at.createdAt),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Update: {
        TableName: tables.accounts,
        Key: { accountId: s(transfer.toAccountId) },
        UpdateExpression: 'SET balance = balance + :amount, updatedAt = :now ADD version :one',
        ConditionExpression: 'attribute_exists(accountId) AND currency = :currency AND balance <= :creditCeiling',
        ExpressionAttributeValues: {
          ':amount': n(transfer.amount),
          ':one': n(1),
          ':currency': s(transfer.currency),
          ':creditCeiling': n(Number.MAX_SAFE_INTEGER - transfer.amount),
          ':now': s(at.createdAt),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    // The double entries and the initiator's list item (the statements), as the handler writes them.
    ...(['debit', 'credit'] as const).map((direction): TransactWriteItem => {
      const [accountId, counterparty] = direction === 'debit' ? [transfer.fromAccountId, transfer.toAccountId] : [transfer.toAccountId, transfer.fromAccountId];
      const entryId = `en_${direction}_${at.transferId.slice(3)}`;
      return {
        Put: {
          TableName: tables.statements,
          Item: {
            pk: s(`account#${accountId}`),
            sk: s(`${at.createdAt}#${entryId}`),
            entryId: s(entryId),
            accountId: s(accountId),
            kind: s('transfer'),
            direction: s(direction),
            amount: n(transfer.amount),
            currency: s(transfer.currency),
            movementId: s(at.transferId),
            counterpartyAccountId: s(counterparty),
            transferId: s(at.transferId),
            reference: s(transfer.reference),
            createdAt: s(at.createdAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }),
    {
      Put: {
        TableName: tables.statements,
        Item: {
          pk: s(`initiator#${transfer.principal}`),
          sk: s(`${at.createdAt}#${at.transferId}`),
          transferId: s(at.transferId),
          fromAccountId: s(transfer.fromAccountId),
          toAccountId: s(transfer.toAccountId),
          amount: n(transfer.amount),
          currency: s(transfer.currency),
          reference: s(transfer.reference),
          createdAt: s(at.createdAt),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: tables.idempotency,
        Key: { id: s(issuedKeyId(transfer.principal, 'transfer', transfer.idempotencyKey)) },
        UpdateExpression: 'SET #status = :used, usedAt = :usedAt, resultId = :transferId, transferId = :transferId',
        ConditionExpression: 'attribute_exists(id) AND #operation = :operation AND #status = :issued AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status', '#operation': 'operation' },
        ExpressionAttributeValues: {
          ':operation': s('transfer'),
          ':issued': s('ISSUED'),
          ':used': s('USED'),
          ':now': n(at.nowSeconds),
          ':usedAt': s(at.createdAt),
          ':transferId': s(at.transferId),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
}
