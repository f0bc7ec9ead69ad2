import { createHash, randomBytes } from 'node:crypto';
import {
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { issuedKeyId } from '../../adapters/dynamodb/items';
import type { TableId } from '../../lib/definitions';

/**
 * The store-bound floor of a first-time transfer: exactly the DynamoDB calls
 * the handler makes, sent with the raw SDK and nothing else. No validation,
 * no Powertools, no handler, no document client.
 *
 *   1. PutItem      the Powertools in-progress record, with Powertools' condition
 *   2. TransactWriteItems  ledger item, debit, credit, key -> USED (as adapters/dynamodb/transfer-store.ts)
 *   3. UpdateItem   the Powertools record -> COMPLETED with the stored response
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

const KEY_RETENTION_SECONDS = 24 * 60 * 60;
const FUNCTION_TIMEOUT_MS = 10_000;

export async function floorTransfer(
  client: DynamoDBClient,
  tables: Readonly<Record<TableId, string>>,
  transfer: FloorTransfer,
  options: { readonly singleWrite: boolean; readonly transferId?: string },
): Promise<void> {
  const now = new Date();
  const createdAt = now.toISOString();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const transferId = options.transferId ?? `tr_${randomBytes(16).toString('hex')}`;
  const recordId = `transfer#${randomBytes(16).toString('base64')}`;
  const payloadHash = randomBytes(16).toString('base64');

  if (!options.singleWrite) {
    await client.send(
      new PutItemCommand({
        TableName: tables.idempotency,
        Item: {
          id: { S: recordId },
          expiration: { N: String(nowSeconds + KEY_RETENTION_SECONDS) },
          status: { S: 'INPROGRESS' },
          in_progress_expiration: { N: String(now.getTime() + FUNCTION_TIMEOUT_MS) },
          validation: { S: payloadHash },
        },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#in_progress_expiry': 'in_progress_expiration', '#status': 'status' },
        ExpressionAttributeValues: {
          ':now': { N: String(now.getTime() / 1000) },
          ':now_in_millis': { N: String(now.getTime()) },
          ':inprogress': { S: 'INPROGRESS' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: transactionItems(tables, transfer, { transferId, createdAt, nowSeconds }),
      ClientRequestToken: createHash('sha256').update(transferId).digest('hex').slice(0, 36),
    }),
  );

  if (!options.singleWrite) {
    const view = {
      transferId,
      fromAccountId: transfer.fromAccountId,
      toAccountId: transfer.toAccountId,
      amount: transfer.amount,
      currency: transfer.currency,
      reference: transfer.reference,
      status: 'completed',
      createdAt,
    };
    const response = {
      statusCode: 201,
      headers: { 'Cache-Control': 'no-store', 'Content-Type': 'application/json', Location: `/transfers/${transferId}` },
      body: JSON.stringify(view),
    };
    await client.send(
      new UpdateItemCommand({
        TableName: tables.idempotency,
        Key: { id: { S: recordId } },
        UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data, #validation_key = :validation_key',
        ExpressionAttributeNames: {
          '#expiry': 'expiration',
          '#status': 'status',
          '#response_data': 'data',
          '#validation_key': 'validation',
        },
        ExpressionAttributeValues: marshall({
          ':expiry': nowSeconds + KEY_RETENTION_SECONDS,
          ':status': 'COMPLETED',
          ':response_data': response,
          ':validation_key': payloadHash,
        }),
      }),
    );
  }
}

function transactionItems(
  tables: Readonly<Record<TableId, string>>,
  transfer: FloorTransfer,
  at: { transferId: string; createdAt: string; nowSeconds: number },
): TransactWriteItem[] {
  const s = (value: string): AttributeValue => ({ S: value });
  const n = (value: number): AttributeValue => ({ N: String(value) });
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
