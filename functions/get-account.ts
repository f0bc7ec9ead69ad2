import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbAccountStore } from '../adapters/dynamodb/account-store';
import { accountView } from '../domain/account';
import { AccountNotFoundError } from '../domain/errors';
import { isAccountId } from '../domain/transfer';
import { principalOf, respond } from './http/request';
import { jsonResponse } from './http/responses';
import { configAtInit } from './shared/config';
import { dynamoDb } from './shared/dependencies';
import { observed } from './shared/observability';

// Read at init: a bad setting fails the init, not every request.
const { tables } = configAtInit();

let accountStore: DynamoDbAccountStore | undefined;

/** GET /accounts/{accountId}: the caller's own account; anyone else's is "not found". */
export const handler = observed('getAccount', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, async () => {
    const principal = principalOf(event);
    const accountId = event.pathParameters?.accountId;
    if (!isAccountId(accountId)) throw new AccountNotFoundError(String(accountId ?? '').slice(0, 64));
    accountStore ??= new DynamoDbAccountStore(dynamoDb().documentClient, tables);
    const account = await accountStore.getAccount(accountId);
    if (account === undefined || account.ownerId !== principal) throw new AccountNotFoundError(accountId);
    return jsonResponse(200, accountView(account));
  }),
);
