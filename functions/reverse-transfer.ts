import { parseReversalRequest, reverseTransfer, reversalView, type Reversal } from '../domain/reverse-transfer';
import { jsonBody } from './http/request';
import { idempotentOperation } from './shared/idempotent-operation';
import { reversalStore } from './shared/stores';

/**
 * POST /transfers/{transferId}/reversals: the owner of the credited account
 * sends (part of) a transfer back, once per (caller, Idempotency-Key); the
 * reversals of a transfer never add up to more than it (domain/reverse-transfer.ts).
 */
export const handler = idempotentOperation({
  operation: 'reversal',
  functionId: 'reverseTransfer',
  parse: (event) => parseReversalRequest(event.pathParameters?.transferId, jsonBody(event)),
  async execute({ retry, ...command }) {
    const { reversal, alreadyExecuted } = await reverseTransfer(reversalStore(), command, undefined, retry);
    return { result: reversal, alreadyExecuted };
  },
  answer: (reversal: Reversal) => ({ body: reversalView(reversal), location: `reversals/${reversal.reversalId}` }),
});
