import { createTransfer } from '../domain/create-transfer';
import { parseTransferRequest, transferView, type Transfer } from '../domain/transfer';
import { jsonBody } from './http/request';
import { idempotentOperation } from './shared/idempotent-operation';
import { transferStore } from './shared/stores';

export { IDEMPOTENT_REPLAYED_HEADER } from './shared/idempotent-operation';

/**
 * POST /transfers: moves money once per (caller, Idempotency-Key). The key,
 * the record, replays and declines are the shared mechanism's
 * (functions/shared/idempotent-operation.ts); the money moves in one
 * transaction (domain/create-transfer.ts).
 */
export const handler = idempotentOperation({
  operation: 'transfer',
  functionId: 'transfer',
  parse: (event) => parseTransferRequest(jsonBody(event)),
  async execute({ retry, ...command }) {
    const { transfer, alreadyExecuted } = await createTransfer(transferStore(), command, undefined, retry);
    return { result: transfer, alreadyExecuted };
  },
  answer: (transfer: Transfer) => ({ body: transferView(transfer), location: `transfers/${transfer.transferId}` }),
});
