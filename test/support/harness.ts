import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbAccountStore } from '../../adapters/dynamodb/account-store';
import type { Account } from '../../domain/ports';
import { FUNCTIONS } from '../../lib/definitions';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';
import { createTestTables, type TestTables } from './tables';

/**
 * Calls the real handlers in-process with API Gateway events, against the
 * test's own tables on DynamoDB Local.
 */
export interface Harness {
  readonly tables: TestTables;
  readonly accounts: DynamoDbAccountStore;
  openFunded(ownerId: string, currency: string, balance: number): Promise<Account>;
  issueKey(principal: string, body?: unknown): Promise<string>;
  transfer(
    principal: string | undefined,
    key: string | undefined,
    body: unknown,
    headers?: Record<string, string>,
    options?: { timeoutSeconds?: number },
  ): Promise<Reply>;
  getAccount(principal: string, accountId: string): Promise<Reply>;
  getTransfer(principal: string, transferId: string): Promise<Reply>;
  /** POST /transfers/{transferId}/reversals. */
  reverse(principal: string | undefined, key: string | undefined, transferId: string, body: unknown): Promise<Reply>;
  /** POST /accounts. */
  openAccount(principal: string | undefined, key: string | undefined, body: unknown): Promise<Reply>;
  /** Any GET route of lib/definitions.ts, as API Gateway would invoke it. */
  get(principal: string | undefined, resource: string, options?: { path?: Record<string, string>; query?: Record<string, string> }): Promise<Reply>;
  balances(): Promise<Map<string, number>>;
}

export interface Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly rawBody: string;
}

export function reply(result: APIGatewayProxyResult): Reply {
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
  return { statusCode: result.statusCode, headers, body: JSON.parse(result.body) as Record<string, unknown>, rawBody: result.body };
}

export async function createHarness(env: Record<string, string> = {}): Promise<Harness> {
  const tables = await createTestTables(env);
  const accounts = new DynamoDbAccountStore(tables.connection.documentClient, tables.names);
  const handlers = {
    createKey: (await import('../../functions/create-key')).handler,
    transfer: (await import('../../functions/transfer')).handler,
    getAccount: (await import('../../functions/get-account')).handler,
    getTransfer: (await import('../../functions/get-transfer')).handler,
  };
  const writeHandlers = {
    reverseTransfer: (await import('../../functions/reverse-transfer')).handler,
    openAccount: (await import('../../functions/open-account')).handler,
  };
  const post = async (
    functionId: keyof typeof writeHandlers,
    resource: string,
    principal: string | undefined,
    key: string | undefined,
    body: unknown,
    pathParameters?: Record<string, string>,
  ): Promise<Reply> => {
    const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
    const event = apiGatewayEvent({
      method: 'POST',
      resource,
      path,
      ...(pathParameters === undefined ? {} : { pathParameters }),
      headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(claimsOf(principal) === undefined ? {} : { claims: claimsOf(principal) }),
    });
    return reply(await writeHandlers[functionId](event, lambdaContext(functionId, FUNCTIONS[functionId].timeoutSeconds)));
  };
  const readHandlers: Record<string, (event: ReturnType<typeof apiGatewayEvent>) => Promise<APIGatewayProxyResult>> = {
    '/accounts': (await import('../../functions/list-accounts')).handler,
    '/accounts/{accountId}': handlers.getAccount,
    '/accounts/{accountId}/entries': (await import('../../functions/list-entries')).handler,
    '/transfers': (await import('../../functions/list-transfers')).handler,
    '/transfers/{transferId}': handlers.getTransfer,
    '/idempotency-keys/{key}': (await import('../../functions/get-idempotency-key')).handler,
  };
  const claimsOf = (principal: string | undefined) => (principal === undefined ? undefined : { sub: principal });

  return {
    tables,
    accounts,
    async openFunded(ownerId, currency, balance) {
      const account = await accounts.openAccount({ ownerId, currency });
      if (balance > 0) {
        await accounts.fundAccount({ accountId: account.accountId, amount: balance, currency, operator: 'test', requestId: randomUUID() });
      }
      return { ...account, balance };
    },
    async issueKey(principal, body) {
      const result = reply(
        await handlers.createKey(
          apiGatewayEvent({
            method: 'POST',
            resource: '/idempotency-keys',
            path: '/idempotency-keys',
            claims: { sub: principal },
            ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
          }),
        ),
      );
      if (result.statusCode !== 201) throw new Error(`createKey answered ${result.statusCode}: ${result.rawBody}`);
      return String(result.body.key);
    },
    async transfer(principal, key, body, headers = {}, options = {}) {
      const event = apiGatewayEvent({
        method: 'POST',
        resource: '/transfers',
        path: '/transfers',
        headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(claimsOf(principal) === undefined ? {} : { claims: claimsOf(principal) }),
      });
      const timeoutSeconds = options.timeoutSeconds ?? FUNCTIONS.transfer.timeoutSeconds;
      return reply(await handlers.transfer(event, lambdaContext('transfer', timeoutSeconds)));
    },
    async getAccount(principal, accountId) {
      const event = apiGatewayEvent({
        method: 'GET',
        resource: '/accounts/{accountId}',
        path: `/accounts/${accountId}`,
        pathParameters: { accountId },
        claims: { sub: principal },
      });
      return reply(await handlers.getAccount(event));
    },
    async getTransfer(principal, transferId) {
      const event = apiGatewayEvent({
        method: 'GET',
        resource: '/transfers/{transferId}',
        path: `/transfers/${transferId}`,
        pathParameters: { transferId },
        claims: { sub: principal },
      });
      return reply(await handlers.getTransfer(event));
    },
    reverse: (principal, key, transferId, body) => post('reverseTransfer', '/transfers/{transferId}/reversals', principal, key, body, { transferId }),
    openAccount: (principal, key, body) => post('openAccount', '/accounts', principal, key, body),
    async get(principal, resource, options = {}) {
      const handler = readHandlers[resource];
      if (handler === undefined) throw new Error(`No GET route ${resource}`);
      const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.path?.[name] ?? ''));
      const event = apiGatewayEvent({
        method: 'GET',
        resource,
        path,
        ...(options.path === undefined ? {} : { pathParameters: options.path }),
        ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
        ...(claimsOf(principal) === undefined ? {} : { claims: claimsOf(principal) }),
      });
      return reply(await handler(event));
    },
    async balances() {
      const items = await tables.scan('accounts');
      return new Map(items.map((item) => [String(item.accountId), Number(item.balance)]));
    },
  };
}
