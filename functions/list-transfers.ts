import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { transferView } from '../domain/transfer';
import { initListFunction, listRoute } from './http/list-request';
import { respond } from './http/request';
import { observed } from './shared/observability';
import { ownAccount } from './shared/own-account';
import { statementStore } from './shared/stores';

// Read at init: a bad setting fails the init, not every request.
initListFunction();

/** GET /transfers[?accountId=]: the transfers the caller initiated, newest first; only those sent from one of their accounts with accountId. */
export const handler = observed('listTransfers', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, () =>
    listRoute(
      {
        route: 'GET /transfers',
        filters: ['accountId'],
        // Someone else's account is a 404, as on every other route.
        authorize: async ({ principal, filters }) => {
          if (filters.accountId !== undefined) await ownAccount(principal, filters.accountId);
        },
        load: ({ principal, filters, page }) => statementStore().listInitiatedTransfers(principal, page, filters.accountId),
        view: transferView,
      },
      event,
    ),
  ),
);
