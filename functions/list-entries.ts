import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { entryView } from '../domain/entry';
import { initListFunction, listRoute } from './http/list-request';
import { respond } from './http/request';
import { observed } from './shared/observability';
import { ownAccount } from './shared/own-account';
import { statementStore } from './shared/stores';

// Read at init: a bad setting fails the init, not every request.
initListFunction();

/** GET /accounts/{accountId}/entries: the statement of one of the caller's accounts, newest first. */
export const handler = observed('listEntries', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  respond(event, () =>
    listRoute(
      {
        route: 'GET /accounts/{accountId}/entries',
        filters: ['since', 'until'],
        authorize: async ({ principal }) => void (await ownAccount(principal, event.pathParameters?.accountId)),
        load: ({ page }) => statementStore().listEntries(String(event.pathParameters?.accountId), page),
        view: entryView,
      },
      event,
    ),
  ),
);
