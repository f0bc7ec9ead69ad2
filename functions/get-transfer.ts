import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TransferNotFoundError } from '../domain/errors';
import { transferView } from '../domain/transfer';
import { principalOf, respond } from './http/request';
import { jsonResponse } from './http/responses';
import { observed } from './shared/observability';
import { configAtInit } from './shared/config';
import { accountStore, reversalStore, transferStore } from './shared/stores';

// Read at init: a bad setting fails the init, not every request.
configAtInit();

const TRANSFER_ID = /^tr_[0-9a-f]{32}$/;

/**
 * GET /transfers/{transferId}: a transfer the caller initiated, or one that
 * credited an account the caller owns (the receiver sees what arrived), with
 * `reversedAmount`, what its reversals have sent back so far.
 * Anyone else gets "not found", exactly as for a missing transfer.
 */
export const handler = observed('getTransfer', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, async () => {
    const principal = principalOf(event);
    const transferId = event.pathParameters?.transferId;
    if (transferId === undefined || !TRANSFER_ID.test(transferId)) {
      throw new TransferNotFoundError(String(transferId ?? '').slice(0, 64));
    }
    const stored = await transferStore().getTransfer(transferId);
    if (stored === undefined) throw new TransferNotFoundError(transferId);
    if (stored.initiatedBy !== principal) {
      const credited = await accountStore().getAccount(stored.toAccountId);
      if (credited?.ownerId !== principal) throw new TransferNotFoundError(transferId);
    }
    // How much its reversals have sent back: the transfer's own item never changes.
    return jsonResponse(200, { ...transferView(stored), reversedAmount: await reversalStore().reversedAmount(transferId) });
  }),
);
