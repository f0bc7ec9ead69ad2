import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionId } from '../lib/definitions';

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
  loaded ??= Object.fromEntries(
    Object.values(FUNCTIONS).map((definition) => [
      definition.id,
      (require(`../${definition.entry.replace(/\.ts$/, '')}`) as { handler: ProxyHandler }).handler,
    ]),
  ) as Record<FunctionId, ProxyHandler>;
  return loaded;
}

/**
 * The handlers by the ids of lib/definitions.ts, one per function. Importing
 * this loads nothing: the modules load at the first call, or at loadHandlers().
 */
export const HANDLERS: Handlers = Object.fromEntries(
  (Object.keys(FUNCTIONS) as FunctionId[]).map((functionId) => [
    functionId,
    (event: APIGatewayProxyEvent, context: Context) => loadHandlers()[functionId](event, context),
  ]),
) as Record<FunctionId, ProxyHandler>;
