import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbTransferStore } from '../adapters/dynamodb/transfer-store';
import { TransferNotFoundError } from '../domain/errors';
import { transferView } from '../domain/transfer';
import { principalOf, respond } from './http/request';
import { jsonResponse } from './http/responses';
import { configAtInit } from './shared/config';
import { dynamoDb } from './shared/dependencies';
import { observed } from './shared/observability';

const TRANSFER_ID = /^tr_[0-9a-f]{32}$/;

// Read at init: a bad setting fails the init, not every request.
const { tables } = configAtInit();

let transferStore: DynamoDbTransferStore | undefined;

/** GET /transfers/{transferId}: a transfer the caller initiated; anyone else's is "not found". */
export const handler = observed('getTransfer', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, async () => {
    const principal = principalOf(event);
    const transferId = event.pathParameters?.transferId;
    if (transferId === undefined || !TRANSFER_ID.test(transferId)) {
      throw new TransferNotFoundError(String(transferId ?? '').slice(0, 64));
    }
    transferStore ??= new DynamoDbTransferStore(dynamoDb().documentClient, tables);
    const stored = await transferStore.getTransfer(transferId);
    if (stored === undefined || stored.initiatedBy !== principal) throw new TransferNotFoundError(transferId);
    return jsonResponse(200, transferView(stored));
  }),
);
