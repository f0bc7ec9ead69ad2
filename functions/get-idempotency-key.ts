import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { storedAnswerStatus } from '../adapters/dynamodb/idempotency-persistence';
import { DynamoDbKeyStore } from '../adapters/dynamodb/key-store';
import { IdempotencyKeyNotFoundError } from '../domain/errors';
import { isIssuedKeyFormat } from '../domain/idempotency-key';
import { keyStatus } from '../domain/key-status';
import { principalOf, respond } from './http/request';
import { jsonResponse } from './http/responses';
import { configAtInit } from './shared/config';
import { dynamoDb } from './shared/dependencies';
import { observed } from './shared/observability';

// Read at init: a bad setting fails the init, not every request.
const { tables } = configAtInit();

let keyStore: DynamoDbKeyStore | undefined;

/**
 * GET /idempotency-keys/{key}: what became of a key issued to the caller.
 *
 * Primary course:
 *  1. Find the key among those issued to this caller (any operation).
 *  2. A used key names its result; otherwise ask the idempotency record
 *     whether a final decline is stored; otherwise it is issued or expired.
 * A key issued to anyone else is a 404, exactly like an unknown one.
 */
export const handler = observed('getIdempotencyKey', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, async () => {
    const principal = principalOf(event);
    const key = event.pathParameters?.key;
    if (key === undefined || !isIssuedKeyFormat(key)) throw new IdempotencyKeyNotFoundError();
    const { client, documentClient } = dynamoDb();
    keyStore ??= new DynamoDbKeyStore(documentClient, tables.idempotency);
    const record = await keyStore.findIssuedKey(principal, key);
    if (record === undefined) throw new IdempotencyKeyNotFoundError();
    const answerStatus =
      record.resultId === undefined
        ? await storedAnswerStatus(client, tables.idempotency, { principal, operation: record.operation, idempotencyKey: key })
        : undefined;
    const declineStored = answerStatus !== undefined && answerStatus >= 400;
    return jsonResponse(200, keyStatus(record, declineStored, new Date()));
  }),
);
