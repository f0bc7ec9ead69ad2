import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbKeyStore } from '../adapters/dynamodb/key-store';
import { issueKey } from '../domain/issue-key';
import { jsonBody, principalOf, respond } from './http/request';
import { jsonResponse } from './http/responses';
import { configAtInit } from './shared/config';
import { dynamoDb } from './shared/dependencies';
import { observed } from './shared/observability';

// Read at init: a bad setting fails the init, not every request.
const { tables, keyRetentionSeconds } = configAtInit();

let keyStore: DynamoDbKeyStore | undefined;

/** POST /idempotency-keys: a fresh key bound to the caller and an operation. */
export const handler = observed('createKey', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, async () => {
    const principal = principalOf(event);
    const body = jsonBody(event);
    keyStore ??= new DynamoDbKeyStore(dynamoDb().documentClient, tables.idempotency);
    const issued = await issueKey(keyStore, { principal, body, retentionSeconds: keyRetentionSeconds });
    return jsonResponse(201, issued);
  }),
);
