import { createServer, type Server, type Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DYNAMODB_TIMEOUTS } from '../../adapters/dynamodb/client';
import { FUNCTIONS, type FunctionId } from '../../lib/definitions';
import { apiGatewayEvent, lambdaContext } from '../../local/api-gateway-event';

/**
 * A DynamoDB endpoint that accepts connections and never answers (a
 * black-holed connection): every handler must answer 503 within the client's
 * timeouts, well inside its function timeout, instead of hanging until Lambda
 * kills it (which API Gateway would answer with a bare 502).
 */

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The longest one call to a silent endpoint may take: every attempt times out, plus the SDK's backoff between them. */
const ONE_SILENT_CALL_MS = DYNAMODB_TIMEOUTS.maxAttempts * DYNAMODB_TIMEOUTS.requestTimeoutMs + DYNAMODB_TIMEOUTS.backoffAllowanceMs;

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let connectionsSeen = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    // Read and drop whatever arrives; never write a byte back.
    sockets.add(socket);
    connectionsSeen += 1;
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * The environment of a Lambda instance: no DYNAMODB_ENDPOINT, so the client
 * has the deployed limits, and the SDK's own endpoint resolution
 * (AWS_ENDPOINT_URL_DYNAMODB, which Lambda never sets) sends its calls to the
 * silent endpoint. The SDK reads it at each call, so it stays set throughout.
 */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  const { DYNAMODB_ENDPOINT: _local, ...inherited } = process.env;
  return {
    ...inherited,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    ACCOUNTS_TABLE_NAME: 'Accounts',
    LEDGER_TABLE_NAME: 'Ledger',
    STATEMENTS_TABLE_NAME: 'Statements',
    IDEMPOTENCY_TABLE_NAME: 'Idempotency',
  };
}

/** The handler as a fresh Lambda instance loads it. */
function loadHandler(functionId: FunctionId): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require(`../../${FUNCTIONS[functionId].entry.replace(/\.ts$/, '')}`) as { handler: Handler }).handler;
  });
  return handler as Handler;
}

const requests: ReadonlyArray<[FunctionId, APIGatewayProxyEvent]> = [
  [
    'createKey',
    apiGatewayEvent({ method: 'POST', resource: '/idempotency-keys', path: '/idempotency-keys', claims: { sub: 'alice' } }),
  ],
  [
    'transfer',
    apiGatewayEvent({
      method: 'POST',
      resource: '/transfers',
      path: '/transfers',
      claims: { sub: 'alice' },
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'idk_AAAAAAAAAAAAAAAAAAAAAAAA' },
      body: JSON.stringify({ fromAccountId: 'acc_a', toAccountId: 'acc_b', amount: 1, currency: 'USD' }),
    }),
  ],
  [
    'getAccount',
    apiGatewayEvent({ method: 'GET', resource: '/accounts/{accountId}', path: '/accounts/acc_a', pathParameters: { accountId: 'acc_a' }, claims: { sub: 'alice' } }),
  ],
];

describe('Handlers against a DynamoDB endpoint that never answers', () => {
  const saved = process.env;
  beforeEach(() => {
    process.env = lambdaEnvironment();
    // The 503s are logged; keep the output readable.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.env = saved;
    jest.restoreAllMocks();
  });

  it.each(requests)('%s answers 503 store-unavailable within the client timeouts, far inside its function timeout', async (functionId, event) => {
    // Prepare
    const handler = loadHandler(functionId);
    const functionTimeoutMs = FUNCTIONS[functionId].timeoutSeconds * 1000;
    const connectionsBefore = connectionsSeen;
    const started = Date.now();

    // Act: give up at the function timeout, as Lambda would.
    const result = await Promise.race([
      handler(event, lambdaContext(functionId, FUNCTIONS[functionId].timeoutSeconds)),
      new Promise<'function timeout'>((resolve) => setTimeout(() => resolve('function timeout'), functionTimeoutMs)),
    ]);
    const elapsedMs = Date.now() - started;

    // Assess
    expect(result).not.toBe('function timeout');
    const answer = result as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:exactly-once-transfers:problem:store-unavailable' });
    expect(answer.headers?.['Retry-After']).toBeDefined();
    expect(connectionsSeen).toBeGreaterThan(connectionsBefore);
    // The timeouts did it: every attempt waited its full requestTimeout, and no more than the budget.
    expect(elapsedMs).toBeGreaterThanOrEqual(DYNAMODB_TIMEOUTS.maxAttempts * DYNAMODB_TIMEOUTS.requestTimeoutMs - 50);
    expect(elapsedMs).toBeLessThan(ONE_SILENT_CALL_MS + 500);
  }, 30_000);
});

describe('Timeout budget', () => {
  /**
   * Calls that can each meet a silent endpoint before a function answers:
   * one for createKey and getAccount; two for a transfer (its failing call,
   * then Powertools deleting its in-progress record) and for the reads that
   * make two in sequence (the ledger item then the credited account; the
   * account then its entries; a page then its balances; the key then its
   * stored answer).
   */
  const silentCalls: Readonly<Record<FunctionId, number>> = {
    createKey: 1,
    getAccount: 1,
    getTransfer: 2,
    transfer: 2,
    // Once the endpoint goes silent, every later call hangs too: the failing call, then Powertools' delete.
    reverseTransfer: 2,
    openAccount: 2,
    listAccounts: 2,
    listEntries: 2,
    listTransfers: 2,
    getIdempotencyKey: 2,
  };

  it.each(Object.keys(silentCalls) as FunctionId[])('leaves %s at least a second of its function timeout', (functionId) => {
    // Act & Assess
    expect(silentCalls[functionId] * ONE_SILENT_CALL_MS).toBeLessThanOrEqual(FUNCTIONS[functionId].timeoutSeconds * 1000 - 1000);
  });
});
