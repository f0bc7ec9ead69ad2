import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { FunctionId } from '../lib/definitions';

/** A Lambda proxy-integration handler, as API Gateway invokes it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

type Handlers = Readonly<Record<FunctionId, ProxyHandler>>;

let loaded: Handlers | undefined;

/**
 * Loads the deployed functions' handler modules, once. Each reads its
 * configuration when it loads, as a Lambda instance does at init (and fails
 * as that init would on a bad setting), so call this only once the
 * environment is set: local/stack.ts does, before the API listens.
 */
export function loadHandlers(): Handlers {
  loaded ??= {
    createKey: (require('../functions/create-key') as typeof import('../functions/create-key')).handler,
    transfer: (require('../functions/transfer') as typeof import('../functions/transfer')).handler,
    getAccount: (require('../functions/get-account') as typeof import('../functions/get-account')).handler,
    getTransfer: (require('../functions/get-transfer') as typeof import('../functions/get-transfer')).handler,
    listAccounts: (require('../functions/list-accounts') as typeof import('../functions/list-accounts')).handler,
    listEntries: (require('../functions/list-entries') as typeof import('../functions/list-entries')).handler,
    listTransfers: (require('../functions/list-transfers') as typeof import('../functions/list-transfers')).handler,
    getIdempotencyKey: (require('../functions/get-idempotency-key') as typeof import('../functions/get-idempotency-key')).handler,
  };
  return loaded;
}

/**
 * The handlers by the ids of lib/definitions.ts (the record type makes the
 * compiler insist on one per function). Importing this loads nothing: the
 * modules load at the first call, or at loadHandlers().
 */
export const HANDLERS: Handlers = {
  createKey: (event, context) => loadHandlers().createKey(event, context),
  transfer: (event, context) => loadHandlers().transfer(event, context),
  getAccount: (event, context) => loadHandlers().getAccount(event, context),
  getTransfer: (event, context) => loadHandlers().getTransfer(event, context),
  listAccounts: (event, context) => loadHandlers().listAccounts(event, context),
  listEntries: (event, context) => loadHandlers().listEntries(event, context),
  listTransfers: (event, context) => loadHandlers().listTransfers(event, context),
  getIdempotencyKey: (event, context) => loadHandlers().getIdempotencyKey(event, context),
};
