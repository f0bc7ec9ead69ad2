import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handler as createKey } from '../functions/create-key';
import { handler as getAccount } from '../functions/get-account';
import { handler as getIdempotencyKey } from '../functions/get-idempotency-key';
import { handler as listAccounts } from '../functions/list-accounts';
import { handler as listEntries } from '../functions/list-entries';
import { handler as listTransfers } from '../functions/list-transfers';
import { handler as getTransfer } from '../functions/get-transfer';
import { handler as transfer } from '../functions/transfer';
import type { FunctionId } from '../lib/definitions';

/** A Lambda proxy-integration handler, as API Gateway invokes it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The deployed functions' handlers, by the ids of lib/definitions.ts. The
 * record type makes the compiler insist on one handler per function.
 * Importing them reads no configuration: each handler reads its environment
 * at its first request.
 */
export const HANDLERS: Readonly<Record<FunctionId, ProxyHandler>> = {
  createKey,
  transfer,
  getAccount,
  getTransfer,
  listAccounts,
  listEntries,
  listTransfers,
  getIdempotencyKey,
};
