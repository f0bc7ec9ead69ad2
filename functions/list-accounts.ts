import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { accountView } from '../domain/account';
import { initListFunction, listRoute } from './http/list-request';
import { respond } from './http/request';
import { observed } from './shared/observability';
import { statementStore } from './shared/stores';

// Read at init: a bad setting fails the init, not every request.
initListFunction();

/** GET /accounts: the caller's accounts with their balances, oldest first. */
export const handler = observed('listAccounts', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, () =>
    listRoute(
      {
        route: 'GET /accounts',
        filters: [],
        load: ({ principal, page }) => statementStore().listOwnedAccounts(principal, page),
        view: accountView,
      },
      event,
    ),
  ),
);
